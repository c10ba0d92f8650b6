from django.apps import AppConfig


class ProfileConfig(AppConfig):
    name = "sandbox.profile"
    label = "sandbox_profile"

    def ready(self) -> None:
        # Registers the eProfil SOAP service; its schema is compiled once, here.
        from sandbox.profile import soap  # noqa: F401
