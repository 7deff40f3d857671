"""The pages behind mailed links, and the page that asks for a reset link.

A link's token arrives in the query string; the page that uses it moves it into the
session and redirects to a plain address, so it stays out of the browser's history and
any Referer. Opening a link changes nothing (mail scanners open links too): confirming a
sign-up or setting a password is a POST from the page.

Confirming a sign-up asks for the password it was made with. Anyone can sign up any
address, and a newer sign-up replaces a waiting one's password: without that question, a
stranger who signed up the owner's address could have the owner confirm the stranger's
password by clicking their own link.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.auth.hashers import check_password
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from chartivo.accounts import limits
from chartivo.accounts.forms import PasswordResetRequestForm
from chartivo.accounts.mail import RESET, send_account_email
from chartivo.accounts.models import User
from chartivo.accounts.throttle import Refused
from chartivo.accounts.tokens import pending_user_for, user_for_reset
from chartivo.accounts.views import MODEL_BACKEND, refused
from chartivo.orgs.access import home_organisation

_SIGNUP_TOKEN = "chartivo_signup_token"  # noqa: S105 - a session key's name
_RESET = "chartivo_reset"


SIGNUP_MISMATCH = (
    "That is not the password this sign-up was made with. If you did not choose it, "
    "sign up again to choose your own: a new link will be sent."
)


@sensitive_post_parameters("password")
@never_cache
@require_http_methods(["GET", "POST"])
def signup_confirm(request: HttpRequest) -> HttpResponse:
    if "t" in request.GET:
        # Only a live link is kept: made-up tokens open no session.
        if pending_user_for(request.GET["t"]) is not None:
            request.session[_SIGNUP_TOKEN] = request.GET["t"]
        return redirect("signup_confirm")
    user = pending_user_for(request.session.get(_SIGNUP_TOKEN, ""))
    if user is None:
        return render(request, "accounts/signup_confirm.html", {"valid": False}, status=400)
    context = {"valid": True, "email": user.email}
    if request.method == "POST":
        if not check_password(request.POST.get("password", ""), user.password):
            context["error"] = SIGNUP_MISMATCH
            return render(request, "accounts/signup_confirm.html", context, status=400)
        # Only the state the link was made for is confirmed: a newer sign-up for the same
        # address (a new password) needs its own, newer link.
        confirmed = User.objects.filter(
            pk=user.pk, signup_pending=True, password=user.password
        ).update(is_active=True, signup_pending=False)
        del request.session[_SIGNUP_TOKEN]
        if confirmed:
            user.refresh_from_db()
            home_organisation(user)  # named after them, as every new account gets
            login(request, user, backend=MODEL_BACKEND)
            messages.success(request, "Welcome to Chartivo: your email is confirmed.")
            return redirect("home")
        return render(request, "accounts/signup_confirm.html", {"valid": False}, status=400)
    return render(request, "accounts/signup_confirm.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
def password_reset(request: HttpRequest) -> HttpResponse:
    form = PasswordResetRequestForm(request.POST or None)
    if request.method == "POST" and settings.EMAIL_ENABLED and form.is_valid():
        taken = limits.begin_reset(request)
        if isinstance(taken, Refused):
            return refused(request, "reset", taken)
        email = form.cleaned_data["email"]
        if limits.may_mail(request, email):
            send_account_email.enqueue(RESET, email, request.build_absolute_uri("/"))
        return redirect("password_reset_sent")
    context = {"form": form, "email_enabled": settings.EMAIL_ENABLED}
    return render(request, "registration/password_reset_form.html", context)


@never_cache
@require_http_methods(["GET"])
def password_reset_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "registration/password_reset_sent.html")


@never_cache
@require_http_methods(["GET"])
def password_reset_link(request: HttpRequest) -> HttpResponse:
    link = {"u": request.GET.get("u", ""), "t": request.GET.get("t", "")}
    # Only a live link is kept: made-up tokens open no session.
    if user_for_reset(link["u"], link["t"]) is not None:
        request.session[_RESET] = link
    return redirect("password_reset_set")


@sensitive_post_parameters()
@never_cache
@require_http_methods(["GET", "POST"])
def password_reset_set(request: HttpRequest) -> HttpResponse:
    link = request.session.get(_RESET) or {}
    user = user_for_reset(str(link.get("u", "")), str(link.get("t", "")))
    if user is None:
        return render(request, "registration/password_reset_set.html", {"form": None}, status=400)
    form = SetPasswordForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        form.save()  # a new password hash: the link no longer works
        del request.session[_RESET]
        limits.password_replaced(user)
        login(request, user, backend=MODEL_BACKEND)
        messages.success(request, "Your password was changed, and you are logged in.")
        return redirect("home")
    return render(request, "registration/password_reset_set.html", {"form": form})
