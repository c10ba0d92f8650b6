from django.apps import AppConfig


class PlansConfig(AppConfig):
    name = "zomanc.plans"
    label = "plans"

    def ready(self) -> None:
        # The calendar shows the planned items booked to an appointment (scheduling must not
        # import plans: plans depends on it).
        from zomanc.plans.booking_selectors import appointment_plan_lines
        from zomanc.scheduling import hooks

        if appointment_plan_lines not in hooks.APPOINTMENT_LINES:
            hooks.APPOINTMENT_LINES.append(appointment_plan_lines)

        # The chart and the entry box: open plan items drawn and offered (clinical must not
        # import plans either).
        from zomanc.plans.clinical_hooks import register

        register()
