from django.apps import AppConfig


class MetricsConfig(AppConfig):
    name = "chartivo.metrics"
    label = "metrics"
