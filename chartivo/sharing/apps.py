from django.apps import AppConfig


class SharingConfig(AppConfig):
    name = "chartivo.sharing"
    label = "sharing"

    def ready(self) -> None:
        from chartivo.sharing import signals  # noqa: F401 - connects the receivers
