from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RecallConfig(AppConfig):
    name = "zomanc.recall"
    label = "recall"
    verbose_name = _("Visszahívás")

    def ready(self) -> None:
        # The list's bulk send (recall/send.py) registers its action: the list then draws a
        # checkbox per recall and the send button (hooks.py).
        from zomanc.recall import hooks

        if SEND_TEMPLATE not in hooks.BULK_ACTION_TEMPLATES:
            hooks.BULK_ACTION_TEMPLATES.append(SEND_TEMPLATE)


SEND_TEMPLATE = "recall/_bulk_send.html"
