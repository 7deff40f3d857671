"""One-click unsubscribe (RFC 8058): a signed link per recipient and message type.

The link needs no log-in and does one thing: it turns that type of message off for that
user. Mail providers POST ``List-Unsubscribe=One-Click`` to it (the ``List-Unsubscribe``
and ``List-Unsubscribe-Post`` headers); a person who opens it gets a page with one button,
as a GET must change nothing (link scanners open every link of a message).
"""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from chartivo.accounts.models import User
from chartivo.digests.models import NONE, MailPreference
from chartivo.digests.preferences import mail_preference_of

_SALT = "chartivo.digests.unsubscribe"
DIGEST = "digest"
ALERTS = "alerts"
MESSAGE_TYPES = {DIGEST: "digest e-mails", ALERTS: "alert e-mails"}


def unsubscribe_token(user_id: int, message_type: str) -> str:
    return signing.dumps({"u": user_id, "m": message_type}, salt=_SALT, compress=True)


def unsubscribe_link(user_id: int, message_type: str) -> str:
    return (
        f"{settings.SITE_URL}{reverse('unsubscribe')}?t={unsubscribe_token(user_id, message_type)}"
    )


def unsubscribe_headers(user_id: int, message_type: str) -> dict[str, str]:
    return {
        "List-Unsubscribe": f"<{unsubscribe_link(user_id, message_type)}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def _read(token: str) -> tuple[int, str] | None:
    try:
        data = signing.loads(token, salt=_SALT)
        user_id, message_type = int(data["u"]), str(data["m"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None
    return (user_id, message_type) if message_type in MESSAGE_TYPES else None


def turn_off(user_id: int, message_type: str) -> None:
    if message_type == DIGEST:
        MailPreference.objects.filter(user_id=user_id).update(digest=NONE)
    elif message_type == ALERTS:
        # Alerts are on by default: a user without a preference yet gets the one they would
        # have been given (their dashboard's zone, the default digest), with alerts off.
        user = User.objects.filter(pk=user_id).first()
        if user is not None:
            MailPreference.objects.filter(pk=mail_preference_of(user).pk).update(alerts=False)


# The token is the authority here, not a session: mail providers post without one.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest) -> HttpResponse:
    token = request.GET.get("t", "")
    found = _read(token)
    if found is None:
        return render(request, "digests/unsubscribe.html", {"invalid": True}, status=400)
    user_id, message_type = found
    done = request.method == "POST"
    if done:
        turn_off(user_id, message_type)
    context = {"what": MESSAGE_TYPES[message_type], "done": done, "token": token}
    return render(request, "digests/unsubscribe.html", context)
