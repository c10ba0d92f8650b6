from django.apps import AppConfig


class PlansConfig(AppConfig):
    name = "zomanc.plans"
    label = "plans"
