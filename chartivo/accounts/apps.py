from typing import Any

from django.apps import AppConfig
from django.contrib.auth.signals import user_logged_in
from django.http import HttpRequest


class AccountsConfig(AppConfig):
    name = "chartivo.accounts"
    label = "accounts"

    def ready(self) -> None:
        from chartivo.accounts import checks  # noqa: F401 - registers the deploy check

        user_logged_in.connect(_remember_address, dispatch_uid="chartivo.remember_address")


def _remember_address(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    from chartivo.accounts.limits import remember_address

    if request is not None:
        remember_address(request, user)
