from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "chartivo.orgs"
    label = "orgs"
