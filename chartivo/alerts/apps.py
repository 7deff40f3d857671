from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "chartivo.alerts"
    label = "alerts"
