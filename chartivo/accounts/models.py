"""A Chartivo user: signs in with an email address, owns one Stripe connection and charts."""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone


class UserManager(BaseUserManager["User"]):
    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        return self.create_user(email, password, is_staff=True, is_superuser=True, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField(unique=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)
    # Signed up, and the address not confirmed yet: the account cannot log in, and a new
    # sign-up with the same address replaces its password (whoever reads the mailbox wins).
    signup_pending = models.BooleanField(default=False, db_default=False)

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    def __str__(self) -> str:
        return self.email


class AttemptCounter(models.Model):
    """How many attempts one key (an address, an account, a pair) made in its current
    window. Kept in the database so that every web process counts together; the key is a
    keyed hash, so no address or email is stored here."""

    key = models.CharField(max_length=64, primary_key=True)
    count = models.IntegerField()
    expires_at = models.FloatField(db_index=True)  # Unix seconds: when the window ends

    def __str__(self) -> str:
        return f"{self.count} until {self.expires_at:.0f}"


class KnownAddress(models.Model):
    """An address (keyed hash) from which the user logged in: their log-ins from it go
    through even while their account refuses log-ins from unknown places."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="known_addresses"
    )
    digest = models.CharField(max_length=64)
    last_seen = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["user", "digest"], name="known_address_once")
        ]

    def __str__(self) -> str:
        return f"a known address of user {self.user_id}"
