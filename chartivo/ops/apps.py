from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "chartivo.ops"
    label = "ops"
    verbose_name = "Operations (health, worker, demo)"
