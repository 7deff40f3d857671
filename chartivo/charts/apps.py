from django.apps import AppConfig


class ChartsConfig(AppConfig):
    name = "chartivo.charts"
    label = "charts"
