from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "chartivo.accounts"
    label = "accounts"
