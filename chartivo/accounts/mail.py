"""Account mail, sent by the worker: sign-up confirmations, notices and reset links.

A request only queues the address and the kind of message; the worker decides what that
address gets. So the answer a visitor sees, and how long it takes, is the same whether
the address has an account or not: only its mailbox learns the difference.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django_tasks import task

from chartivo.accounts.models import User
from chartivo.accounts.tokens import SIGNUP_LINK_SECONDS, reset_query, signup_token

SIGNUP = "signup"
RESET = "reset"
SUBJECTS = {
    "signup_confirm": "Confirm your email to start using Chartivo",
    "signup_exists": "You already have a Chartivo account",
    "password_reset": "Reset your Chartivo password",
}


@task(queue_name="email", priority=50)
def send_account_email(kind: str, email: str, site: str) -> None:
    """``site`` is the address the visitor used (scheme and host), for the links."""
    if not settings.EMAIL_ENABLED:
        return
    user = User.objects.filter(email=email).first()
    if user is None:
        return  # nobody to write to: the visitor was told only "check your email"
    message = _message_for(kind, user, site.rstrip("/"))
    if message is not None:
        template, context = message
        body = render_to_string(f"accounts/email/{template}.txt", {"user": user, **context})
        EmailMessage(
            SUBJECTS[template],
            body,
            settings.DEFAULT_FROM_EMAIL,
            [user.email],
            headers={"Auto-Submitted": "auto-generated"},
        ).send()


def _message_for(kind: str, user: User, site: str) -> tuple[str, dict[str, str]] | None:
    if kind == SIGNUP and user.signup_pending:
        link = f"{site}{reverse('signup_confirm')}?t={signup_token(user)}"
        return "signup_confirm", {"link": link, "hours": str(SIGNUP_LINK_SECONDS // 3600)}
    if kind == SIGNUP and user.is_active:
        return "signup_exists", {
            "login": f"{site}{reverse('login')}",
            "reset": f"{site}{reverse('password_reset')}",
        }
    if kind == RESET and user.is_active and user.has_usable_password():
        link = f"{site}{reverse('password_reset_link')}?{reset_query(user)}"
        return "password_reset", {
            "link": link,
            "minutes": str(settings.PASSWORD_RESET_TIMEOUT // 60),
        }
    return None
