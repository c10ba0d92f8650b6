from django.apps import AppConfig


class ServerConfig(AppConfig):
    name = "sandbox.server"
    label = "sandbox_server"
