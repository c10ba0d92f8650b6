from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "zomanc.scheduling"
    label = "scheduling"
