from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "zomanc.accounts"
    label = "accounts"
