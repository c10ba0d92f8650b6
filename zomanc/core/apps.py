from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "zomanc.core"
    label = "core"

    def ready(self) -> None:
        from zomanc.core import lookups  # noqa: F401 - registers `in_ids` on the fields
