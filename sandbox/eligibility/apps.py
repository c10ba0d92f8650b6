from django.apps import AppConfig


class EligibilityConfig(AppConfig):
    name = "sandbox.eligibility"
    label = "sandbox_eligibility"

    def ready(self) -> None:
        # Registers the TB-lámpa SOAP service; its schema is compiled once, here.
        from sandbox.eligibility import soap  # noqa: F401
