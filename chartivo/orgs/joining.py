"""The page behind an invitation link: joining the organisation.

As with the account links (chartivo/accounts/email_views.py), the token arrives in the
query string and is moved into the session at once, out of the browser's history and
any Referer; opening the link changes nothing (mail scanners open links too): joining is
a POST from the page. The invitation is for one address: someone signed in with another
is told so; someone without an account chooses a password, the mailed link having shown
that the address is theirs.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from chartivo.accounts.models import User
from chartivo.accounts.views import MODEL_BACKEND
from chartivo.orgs.access import switch_to
from chartivo.orgs.forms import JoinForm
from chartivo.orgs.invitations import invitation_for
from chartivo.orgs.models import Invitation, Membership

_TOKEN = "chartivo_invitation"  # noqa: S105 - a session key's name


def _join(invitation: Invitation, user: User) -> Membership:
    with transaction.atomic():
        membership, _ = Membership.objects.get_or_create(
            organisation=invitation.organisation, user=user, defaults={"role": invitation.role}
        )
        invitation.delete()
    return membership


def _joined(request: HttpRequest, membership: Membership) -> HttpResponse:
    request.session.pop(_TOKEN, None)
    switch_to(request, membership)
    messages.success(request, f"Welcome to {membership.organisation.name}.")
    return redirect("home")


@sensitive_post_parameters("password1", "password2")
@never_cache
@require_http_methods(["GET", "POST"])
def invitation(request: HttpRequest) -> HttpResponse:
    if "t" in request.GET:
        # Only a live link is kept: made-up tokens open no session.
        if invitation_for(request.GET["t"]) is not None:
            request.session[_TOKEN] = request.GET["t"]
        return redirect("invitation")
    found = invitation_for(request.session.get(_TOKEN, ""))
    if found is None:
        return render(request, "orgs/invitation.html", {"valid": False}, status=400)
    context: dict[str, Any] = {"valid": True, "invitation": found}
    user = request.user
    if user.is_authenticated:
        assert isinstance(user, User)
        if user.email != found.email:
            context["other_account"] = True
            return render(request, "orgs/invitation.html", context, status=403)
        if request.method == "POST":
            return _joined(request, _join(found, user))
        return render(request, "orgs/invitation.html", context)
    existing = User.objects.filter(email=found.email, signup_pending=False).first()
    if existing is not None:
        context["log_in"] = True
        return render(request, "orgs/invitation.html", context)
    form = JoinForm(request.POST or None, email=found.email)
    context["form"] = form
    if request.method == "POST" and form.is_valid():
        new_user = _new_member(found.email, form.cleaned_data["password1"])
        if new_user is not None:
            membership = _join(found, new_user)
            login(request, new_user, backend=MODEL_BACKEND)
            return _joined(request, membership)
        context["log_in"] = True
    return render(request, "orgs/invitation.html", context, status=400 if form.errors else 200)


def _new_member(email: str, password: str) -> User | None:
    """An account for the invited address (one waiting for its sign-up to be confirmed is
    confirmed by this link too); None if an active one appeared meanwhile."""
    password_hash = make_password(password)
    if User.objects.filter(email=email, signup_pending=True).update(
        password=password_hash, is_active=True, signup_pending=False
    ):
        return User.objects.get(email=email)
    try:
        with transaction.atomic():
            return User.objects.create(email=email, password=password_hash)
    except IntegrityError:
        return None
