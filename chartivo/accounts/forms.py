from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import password_validation

from chartivo.accounts.models import User

ALREADY_REGISTERED = "An account with this email already exists. Log in instead."
INVALID_LOGIN = "Please enter a correct email and password."


def _normalised_email(value: str) -> str:
    return value.strip().lower()


class NewPasswordForm(forms.Form):
    """A new password typed twice, checked against the validators for its account's
    address (``password_email``)."""

    password1 = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label="Confirm password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def password_email(self, cleaned: dict[str, Any]) -> str:
        raise NotImplementedError

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", "The two passwords do not match.")
        elif first:
            candidate = User(email=self.password_email(cleaned))
            try:
                password_validation.validate_password(first, candidate)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class SignUpForm(NewPasswordForm):
    field_order = ("email", "password1", "password2")

    email = forms.EmailField(
        label="Email",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )

    def clean_email(self) -> str:
        email = _normalised_email(self.cleaned_data["email"])
        # With e-mail on, whether an address has an account is told only to its mailbox.
        if not settings.EMAIL_ENABLED and User.objects.filter(email=email).exists():
            raise forms.ValidationError(ALREADY_REGISTERED)
        return email

    def password_email(self, cleaned: dict[str, Any]) -> str:
        return str(cleaned.get("email", ""))


class LogInForm(forms.Form):
    """The fields only: the password is checked by the view, after the limits."""

    username = forms.EmailField(
        label="Email",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )
    password = forms.CharField(
        label="Password",
        strip=False,
        max_length=4096,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def clean_username(self) -> str:
        return _normalised_email(self.cleaned_data["username"])


class PasswordResetRequestForm(forms.Form):
    email = forms.EmailField(
        label="Email",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )

    def clean_email(self) -> str:
        return _normalised_email(self.cleaned_data["email"])
