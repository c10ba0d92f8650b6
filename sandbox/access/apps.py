from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "sandbox.access"
    label = "sandbox_access"

    def ready(self) -> None:
        # Registers the access SOAP service (Breakglass); its schema is compiled once, here.
        from sandbox.access import soap  # noqa: F401
