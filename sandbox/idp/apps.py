from django.apps import AppConfig


class IdpConfig(AppConfig):
    name = "sandbox.idp"
    label = "sandbox_idp"

    def ready(self) -> None:
        # Registers the service in the SOAP registry (schemas compiled once, here).
        from sandbox.idp import soap  # noqa: F401
