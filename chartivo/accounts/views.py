"""Log-in, sign-up and password change. Every attempt passes the limits (limits.py)
before a password is hashed, and the pages answer alike whether an address has an account
or not."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import authenticate, login, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render, resolve_url
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_http_methods

from chartivo.accounts import limits
from chartivo.accounts.forms import (
    ALREADY_REGISTERED,
    INVALID_LOGIN,
    LogInForm,
    SignUpForm,
)
from chartivo.accounts.hashing import stranger_slot, strangers_gate
from chartivo.accounts.mail import SIGNUP, send_account_email
from chartivo.accounts.models import User
from chartivo.accounts.throttle import Refused
from chartivo.accounts.tokens import SIGNUP_LINK_SECONDS
from chartivo.lib.client_address import client_address
from chartivo.orgs.access import home_organisation

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def refused(request: HttpRequest, what: str, refusal: Refused | None = None) -> HttpResponse:
    """429 with a page saying what is paused and for how long (the same for any account)."""
    context = {"what": what, "minutes": refusal.minutes if refusal else None}
    response = render(request, "accounts/locked_out.html", context, status=429)
    response["Retry-After"] = str(refusal.retry_after if refusal else 5)
    return response


def _next_url(request: HttpRequest) -> str:
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    return resolve_url(settings.LOGIN_REDIRECT_URL)


@sensitive_post_parameters("password")
@never_cache
@require_http_methods(["GET", "POST"])
@sensitive_variables("password", "form")  # hidden in error reports
def log_in(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return HttpResponseRedirect(_next_url(request))
    form = LogInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email, password = form.cleaned_data["username"], form.cleaned_data["password"]
        known = limits.is_known_address(email, client_address(request))
        with strangers_gate(known) as admitted:
            if not admitted:
                return refused(request, "busy")
            attempt = limits.begin_login(request, email, known_place=known)
            if isinstance(attempt, Refused):
                return refused(request, "login", attempt)
            with stranger_slot(known) as free:
                if not free:
                    attempt.taken.give_back()
                    return refused(request, "busy")
                user = authenticate(request, username=email, password=password)
        if user is not None:
            limits.login_succeeded(attempt)
            login(request, user)
            return HttpResponseRedirect(_next_url(request))
        form.add_error(None, INVALID_LOGIN)
    context = {"form": form, "next": request.POST.get("next") or request.GET.get("next", "")}
    return render(request, "registration/login.html", context)


@sensitive_post_parameters("password1", "password2")
@never_cache
@require_http_methods(["GET", "POST"])
@sensitive_variables("password_hash", "form")  # hidden in error reports
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("home")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with strangers_gate(known=False) as admitted:
            if not admitted:
                return refused(request, "busy")
            taken = limits.begin_signup(request)
            if isinstance(taken, Refused):
                return refused(request, "signup", taken)
            # Hashed whether or not the address has an account: the answer takes as long.
            with stranger_slot() as free:
                if not free:
                    taken.give_back()
                    return refused(request, "busy")
                password_hash = make_password(form.cleaned_data["password1"])
        email = form.cleaned_data["email"]
        if settings.EMAIL_ENABLED:
            # Only when a link goes out: a pending password nobody is told about would
            # silently break the link already in the mailbox.
            if limits.may_mail(request, email):
                _hold_pending_signup(email, password_hash)
                send_account_email.enqueue(SIGNUP, email, request.build_absolute_uri("/"))
            return redirect("signup_sent")
        try:
            with transaction.atomic():
                user = User.objects.create(email=email, password=password_hash)
        except IntegrityError:  # the same address signed up at the same moment
            form.add_error("email", ALREADY_REGISTERED)
        else:
            home_organisation(user)  # named after them: the guide's journey starts there
            login(request, user, backend=MODEL_BACKEND)
            return redirect("home")
    return render(request, "accounts/signup.html", {"form": form})


def _hold_pending_signup(email: str, password_hash: str) -> None:
    """A new address gets an account waiting for its confirmation; one already waiting
    takes the newest password (only the mailbox's owner can confirm it); an account in use
    is left alone (its owner gets a notice instead). Sign-ups never confirmed are deleted
    once their links have long expired: a stranger's address is not kept."""
    now = timezone.now()
    User.objects.filter(
        signup_pending=True, date_joined__lt=now - timedelta(seconds=2 * SIGNUP_LINK_SECONDS)
    ).delete()
    updated = User.objects.filter(email=email, signup_pending=True).update(
        password=password_hash, date_joined=now
    )
    if updated or User.objects.filter(email=email).exists():
        return
    try:
        with transaction.atomic():
            User.objects.create(
                email=email, password=password_hash, is_active=False, signup_pending=True
            )
    except IntegrityError:
        pass  # another sign-up for this address won the race: its link confirms it


@never_cache
@require_http_methods(["GET"])
def signup_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/signup_sent.html")


@login_required
@sensitive_post_parameters()
@never_cache
@require_http_methods(["GET", "POST"])
def password_change(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    form = PasswordChangeForm(user, request.POST or None)
    if request.method == "POST":
        taken = limits.begin_password_change(request, user)
        if isinstance(taken, Refused):
            return refused(request, "password_change", taken)
        if form.is_valid():
            form.save()
            update_session_auth_hash(request, form.user)
            limits.password_replaced(user)
            taken.give_back()
            return redirect("password_change_done")
        if "old_password" not in form.errors:
            taken.give_back()  # the old password was right: no guess was made
    return render(request, "registration/password_change_form.html", {"form": form})


@login_required
@never_cache
@require_http_methods(["GET"])
def password_change_done(request: HttpRequest) -> HttpResponse:
    return render(request, "registration/password_change_done.html")
