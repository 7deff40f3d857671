"""A user's digest as a message: HTML and plain text, sparklines inline (CID), the
unsubscribe headers. It holds aggregates and links only, and the recipient's address."""

from __future__ import annotations

from datetime import datetime
from email.mime.image import MIMEImage
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.message import SafeMIMEMultipart, SafeMIMEText
from django.template.loader import render_to_string
from django.urls import reverse

from chartivo.accounts.models import User
from chartivo.charts.accounts import Source, choose
from chartivo.digests.content import Section, modes_of, section, subject_mode
from chartivo.digests.periods import DigestPeriod
from chartivo.digests.sparkline import HEIGHT, WIDTH, sparkline_png
from chartivo.digests.unsubscribe import DIGEST, unsubscribe_headers, unsubscribe_link
from chartivo.integrations.stripe.models import StripeConnection
from chartivo.orgs.models import Membership, Organisation


class DigestEmail(EmailMessage):
    """multipart/alternative: the text, then the HTML with its images (multipart/related),
    the structure every common mail client shows inline images of."""

    def __init__(self, *, html: str, images: dict[str, bytes], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.html, self.images = html, images

    def _create_message(self, msg: Any) -> Any:
        encoding = self.encoding or settings.DEFAULT_CHARSET
        related = SafeMIMEMultipart(_subtype="related", encoding=encoding)
        related.attach(SafeMIMEText(self.html, "html", encoding))
        for content_id, png in self.images.items():
            image = MIMEImage(png, "png")
            image["Content-ID"] = f"<{content_id}>"
            image.add_header("Content-Disposition", "inline", filename=f"{content_id[:20]}.png")
            related.attach(image)
        root = SafeMIMEMultipart(_subtype="alternative", encoding=encoding)
        root.attach(msg)
        root.attach(related)
        return super()._create_message(root)  # type: ignore[misc]  # untyped in the stubs


def organisations_of(user: User) -> list[tuple[Organisation, Source]]:
    """Each of the user's organisations that has a Stripe account, with all its accounts."""
    found = []
    memberships = Membership.objects.filter(user=user).select_related("organisation")
    for membership in memberships:
        connections = list(
            StripeConnection.objects.filter(organisation=membership.organisation).order_by("pk")
        )
        source = choose(connections, None)
        if source is not None:
            found.append((membership.organisation, source))
    return found


def _subject(period: DigestPeriod, sources: list[Source]) -> str:
    mode = subject_mode(modes_of(sources))
    return f"{mode}Your Chartivo {period.frequency} digest: {period.title}"


def _images(sections: list[Section]) -> tuple[dict[str, bytes], list[list[str]]]:
    images: dict[str, bytes] = {}
    ids: list[list[str]] = []
    for index, each in enumerate(sections):
        row = []
        for metric in each.metrics:
            content_id = f"{metric.key}-{index}@chartivo"
            images[content_id] = sparkline_png(metric.trend, metric.verdict)
            row.append(content_id)
        ids.append(row)
    return images, ids


def digest_message(
    user: User, period: DigestPeriod, zone: str, now: datetime
) -> DigestEmail | None:
    """The digest ``user`` gets for ``period``; None when no organisation of theirs has a
    Stripe account (nothing to report)."""
    organisations = organisations_of(user)
    if not organisations:
        return None
    sections = [section(o, s, period, zone, now) for o, s in organisations]
    images, ids = _images(sections)
    site = settings.SITE_URL
    context = {
        "period": period,
        "zone": zone,
        "site": site,
        "sections": [
            {"section": s, "rows": list(zip(s.metrics, row, strict=True))}
            for s, row in zip(sections, ids, strict=True)
        ],
        "profile": f"{site}{reverse('profile')}",
        "unsubscribe": unsubscribe_link(user.pk, DIGEST),
        "width": WIDTH,
        "height": HEIGHT,
    }
    return DigestEmail(
        subject=_subject(period, [s for _, s in organisations]),
        body=render_to_string("digests/email/digest.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[user.email],
        headers={"Auto-Submitted": "auto-generated", **unsubscribe_headers(user.pk, DIGEST)},
        html=render_to_string("digests/email/digest.html", context),
        images=images,
    )
