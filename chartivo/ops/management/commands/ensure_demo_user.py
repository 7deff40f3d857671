from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from chartivo.accounts.models import User


class Command(BaseCommand):
    help = "Create (or reset the password of) a login for the demo."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("email")
        parser.add_argument("password")

    def handle(self, *args: Any, email: str, password: str, **options: Any) -> None:
        user = User.objects.filter(email=email).first() or User(email=email)
        user.set_password(password)
        user.save()
