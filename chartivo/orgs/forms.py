from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import password_validation

from chartivo.accounts.models import User
from chartivo.orgs.models import ADMIN, OWNER, VIEWER

INVITE_ROLES = [(VIEWER, "Viewer"), (ADMIN, "Admin")]
ALL_ROLES = [(VIEWER, "Viewer"), (ADMIN, "Admin"), (OWNER, "Owner")]


class InviteForm(forms.Form):
    email = forms.EmailField(
        label="Email address",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    role = forms.ChoiceField(label="Role", choices=INVITE_ROLES, initial=VIEWER)

    def clean_email(self) -> str:
        return str(self.cleaned_data["email"]).strip().lower()


class JoinForm(forms.Form):
    """A new member's password: the mailed link showed that the address is theirs."""

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

    def __init__(self, *args: Any, email: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.email = email

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", "The two passwords do not match.")
        elif first:
            try:
                password_validation.validate_password(first, User(email=self.email))
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned
