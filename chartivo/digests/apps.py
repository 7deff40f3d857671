from django.apps import AppConfig


class DigestsConfig(AppConfig):
    name = "chartivo.digests"
    label = "digests"
