from django.apps import AppConfig


class ReferralConfig(AppConfig):
    name = "sandbox.referral"
    label = "sandbox_referral"

    def ready(self) -> None:
        # Registers the e-Beutaló SOAP service; its schema is compiled once, here.
        from sandbox.referral import soap  # noqa: F401
