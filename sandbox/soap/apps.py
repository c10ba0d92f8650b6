from django.apps import AppConfig


class SoapConfig(AppConfig):
    name = "sandbox.soap"
    label = "sandbox_soap"
