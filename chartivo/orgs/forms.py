from __future__ import annotations

from typing import Any

from django import forms

from chartivo.accounts.forms import NewPasswordForm
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


class JoinForm(NewPasswordForm):
    """A new member's password: the mailed link showed that the address is theirs."""

    def __init__(self, *args: Any, email: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.email = email

    def password_email(self, cleaned: dict[str, Any]) -> str:
        return self.email
