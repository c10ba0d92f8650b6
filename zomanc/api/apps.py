from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "zomanc.api"
    label = "api"
