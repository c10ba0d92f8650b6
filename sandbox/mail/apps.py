from django.apps import AppConfig


class MailConfig(AppConfig):
    name = "sandbox.mail"
    label = "sandbox_mail"
    verbose_name = "Levélfogó (sandbox)"
