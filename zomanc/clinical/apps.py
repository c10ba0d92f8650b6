from django.apps import AppConfig


class ClinicalConfig(AppConfig):
    name = "zomanc.clinical"
    label = "clinical"
