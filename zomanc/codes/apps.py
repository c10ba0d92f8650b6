from django.apps import AppConfig


class CodesConfig(AppConfig):
    name = "zomanc.codes"
    label = "codes"
