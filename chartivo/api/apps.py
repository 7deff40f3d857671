from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "chartivo.api"
    label = "api"
