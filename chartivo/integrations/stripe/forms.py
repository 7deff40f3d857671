from __future__ import annotations

from django import forms


class StripeKeyForm(forms.Form):
    api_key = forms.CharField(
        label="Stripe Secret API Key",
        required=False,  # emptiness gets the guide's own words, in the view
        strip=True,
        max_length=512,
        # render_value=False: the field is never pre-filled, not even after an error.
        widget=forms.PasswordInput(
            render_value=False,
            attrs={
                "autocomplete": "off",
                "spellcheck": "false",
                "placeholder": "rk_live_…",
                "aria-describedby": "api-key-help",
            },
        ),
    )
