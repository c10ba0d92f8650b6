from django.apps import AppConfig


class ClockConfig(AppConfig):
    name = "sandbox.clock"
    label = "sandbox_clock"
