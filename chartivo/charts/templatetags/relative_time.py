"""``{{ when|ago }}``: how long ago, in words people say ("just now", "5 minutes ago").

Django's ``timesince`` says "0 minutes" for anything under a minute. The page's script
(``static/js/app.js``) keeps the words current with the same rules while a page stays open.
"""

from __future__ import annotations

from datetime import datetime

from django import template
from django.utils import timezone

register = template.Library()

_UNITS = ((86_400, "day"), (3_600, "hour"), (60, "minute"))


def words_ago(when: datetime, now: datetime) -> str:
    seconds = max(0, int((now - when).total_seconds()))
    for size, unit in _UNITS:
        if seconds >= size:
            count = seconds // size
            return f"{count} {unit}{'' if count == 1 else 's'} ago"
    return "just now"


@register.filter
def ago(when: datetime | None) -> str:
    if when is None:
        return ""
    return words_ago(when, timezone.now())
