from django.apps import AppConfig


class EesztConfig(AppConfig):
    name = "zomanc.eeszt"
    label = "eeszt"
