"""The form that makes a share link: how long it lasts, a password, small counts hidden,
whether the viewer may pick another range, and where it may be embedded."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from django import forms
from django.utils import timezone

EXPIRY_CHOICES = [
    ("", "Never"),
    ("1", "In 1 day"),
    ("7", "In 7 days"),
    ("30", "In 30 days"),
    ("90", "In 90 days"),
]
DEFAULT_MIN_OBJECTS = 3
MAX_ORIGINS = 10


def clean_origin(text: str) -> str:
    """``https://example.com`` or ``http://127.0.0.1:8080``: a scheme and a host, nothing
    else (the origin goes into a header, where a space or ``;`` would add a directive)."""
    parts = urlsplit(text.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise forms.ValidationError(
            f"“{text.strip()}” is not an origin: write it as https://example.com"
        )
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username:
        raise forms.ValidationError(
            f"“{text.strip()}” has more than an origin: leave out the path, e.g. "
            f"{parts.scheme}://{parts.netloc}"
        )
    if any(c in parts.netloc for c in " ;,'\"*"):
        raise forms.ValidationError(f"“{text.strip()}” is not an origin.")
    return f"{parts.scheme}://{parts.netloc.lower()}"


class ShareForm(forms.Form):
    expires_in = forms.ChoiceField(choices=EXPIRY_CHOICES, required=False, label="Expires")
    password = forms.CharField(
        required=False,
        label="Password (optional)",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="Whoever opens the link must type it. Leave empty for a public link.",
    )
    hide_small_counts = forms.BooleanField(
        required=False,
        initial=True,
        label="Hide figures made of fewer objects than",
    )
    min_objects = forms.IntegerField(
        min_value=2, max_value=1000, initial=DEFAULT_MIN_OBJECTS, label="Fewest objects shown"
    )
    viewer_may_change_range = forms.BooleanField(
        required=False, label="Let viewers pick another date range (within the history kept)"
    )
    embed_origins = forms.CharField(
        required=False,
        label="Sites that may embed it (one origin a line)",
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "https://example.com"}),
    )

    def clean_embed_origins(self) -> str:
        lines = [line for line in self.cleaned_data.get("embed_origins", "").splitlines() if line]
        origins = [clean_origin(line) for line in lines if line.strip()]
        if len(origins) > MAX_ORIGINS:
            raise forms.ValidationError(f"At most {MAX_ORIGINS} sites.")
        return "\n".join(dict.fromkeys(origins))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password") and data.get("embed_origins"):
            # A browser keeps no cookie for a frame of another site, so a password typed
            # into an embedded link would be asked again at every view.
            raise forms.ValidationError(
                "An embedded link cannot have a password: remove the password or the sites."
            )
        return data

    def expires_at(self) -> Any:
        days = self.cleaned_data.get("expires_in")
        return timezone.now() + timedelta(days=int(days)) if days else None
