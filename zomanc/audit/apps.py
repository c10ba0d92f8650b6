from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "zomanc.audit"
    label = "audit"
