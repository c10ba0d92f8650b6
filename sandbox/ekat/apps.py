from django.apps import AppConfig


class EkatConfig(AppConfig):
    name = "sandbox.ekat"
    label = "sandbox_ekat"

    def ready(self) -> None:
        from sandbox.ekat import soap  # noqa: F401
