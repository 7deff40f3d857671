"""Invitation links, and the mail that carries them.

A link is signed (``django.core.signing``), expires after ``INVITATION_LINK_SECONDS``,
and names its invitation's row and nonce: withdrawing the invitation, or accepting it
(which deletes the row), makes it useless at once. The token is made by the worker as it
sends the mail, so it never sits in the task queue, and it travels in the query string,
which no log line records.
"""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.crypto import constant_time_compare
from django_tasks import task

from chartivo.orgs.models import Invitation

_SALT = "chartivo.orgs.invitation"
INVITATION_LINK_SECONDS = 7 * 24 * 3600
SUBJECT = "You are invited to {organisation} on Chartivo"


def invitation_token(invitation: Invitation) -> str:
    return signing.dumps({"i": invitation.pk, "n": invitation.nonce}, salt=_SALT)


def invitation_for(token: str) -> Invitation | None:
    """The live invitation a token names; None if it expired, was withdrawn or is made up."""
    try:
        data = signing.loads(token, salt=_SALT, max_age=INVITATION_LINK_SECONDS)
        invitation = Invitation.objects.select_related("organisation").get(pk=int(data["i"]))
    except (signing.BadSignature, KeyError, TypeError, ValueError, Invitation.DoesNotExist):
        return None
    return invitation if constant_time_compare(invitation.nonce, str(data.get("n"))) else None


@task(queue_name="email", priority=50)
def send_invitation(invitation_id: int, site: str) -> None:
    """``site`` is the address the inviting member used (scheme and host), for the link."""
    if not settings.EMAIL_ENABLED:
        return
    invitation = (
        Invitation.objects.select_related("organisation", "invited_by")
        .filter(pk=invitation_id)
        .first()
    )
    if invitation is None:
        return  # withdrawn before the mail went out
    link = f"{site.rstrip('/')}{reverse('invitation')}?t={invitation_token(invitation)}"
    body = render_to_string(
        "orgs/email/invitation.txt",
        {
            "invitation": invitation,
            "link": link,
            "days": str(INVITATION_LINK_SECONDS // 86400),
        },
    )
    EmailMessage(
        SUBJECT.format(organisation=invitation.organisation.name),
        body,
        settings.DEFAULT_FROM_EMAIL,
        [invitation.email],
        headers={"Auto-Submitted": "auto-generated"},
    ).send()
