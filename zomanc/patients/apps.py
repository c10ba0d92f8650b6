from django.apps import AppConfig


class PatientsConfig(AppConfig):
    name = "zomanc.patients"
    label = "patients"
