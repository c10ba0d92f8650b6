from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RemindersConfig(AppConfig):
    name = "zomanc.reminders"
    label = "reminders"
    verbose_name = _("Emlékeztetők")

    def ready(self) -> None:
        # scheduling must not import reminders (reminders depends on it): its services call
        # APPOINTMENT_CHANGED in their transaction, and the calendar reads APPOINTMENT_LINES.
        from zomanc.reminders.selectors import appointment_response_lines
        from zomanc.reminders.services import reminders_sync
        from zomanc.scheduling import hooks

        if reminders_sync not in hooks.APPOINTMENT_CHANGED:
            hooks.APPOINTMENT_CHANGED.append(reminders_sync)
        if appointment_response_lines not in hooks.APPOINTMENT_LINES:
            hooks.APPOINTMENT_LINES.append(appointment_response_lines)
