"""The API tokens page (profile menu → API tokens) and the API's documentation page.

Any member makes tokens for the organisation they work in; a token reads what they may
read there, nothing more, and never changes anything. A new token is shown once, on the
page that answers its making, and is kept only as a digest. A member sees and revokes
their own tokens; revoking deletes the token, so its next request is refused.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from chartivo.api.models import ApiToken
from chartivo.api.tokens import create_token, revoke
from chartivo.orgs.access import membership_of


class TokenForm(forms.Form):
    name = forms.CharField(
        max_length=100,
        label="Token name",
        help_text="What the token is for, such as “Finance spreadsheet”.",
    )


def _page(
    request: HttpRequest, form: TokenForm, *, new_secret: str = "", status: int = 200
) -> HttpResponse:
    membership = membership_of(request)
    context = {
        "form": form,
        "tokens": ApiToken.objects.filter(membership=membership),
        "organisation": membership.organisation,
        "new_secret": new_secret,
        "api_base": request.build_absolute_uri("/api/v1/"),
    }
    return render(request, "api/tokens.html", context, status=status)


# never_cache: the page that shows a new token must not be kept by any cache.
@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def tokens(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _page(request, TokenForm())
    form = TokenForm(request.POST)
    if not form.is_valid():
        return _page(request, form, status=400)
    made = create_token(membership_of(request), form.cleaned_data["name"])
    return _page(request, TokenForm(), new_secret=made.secret)


@login_required
@require_POST
def revoke_token(request: HttpRequest, token_id: int) -> HttpResponse:
    revoked = revoke(membership_of(request), token_id)
    if revoked is None:
        raise Http404
    messages.success(request, f"“{revoked.name}” is revoked: it no longer works.")
    return redirect("api_tokens")


@login_required
@require_GET
def docs(request: HttpRequest) -> HttpResponse:
    return render(request, "api/docs.html", {"api_base": request.build_absolute_uri("/api/v1/")})
