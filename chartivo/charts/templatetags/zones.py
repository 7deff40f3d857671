"""``{% zone_datalist %}``: every IANA zone as a ``<datalist id="time-zones">``.

Six hundred options cost a template loop tens of milliseconds per page; the list only
changes with tzdata, so it is written once per process.
"""

from __future__ import annotations

import functools

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from chartivo.metrics.periods import zone_names

register = template.Library()


@functools.cache
def _datalist() -> SafeString:
    options = "".join(f'<option value="{escape(name)}"></option>' for name in zone_names())
    return mark_safe(f'<datalist id="time-zones">{options}</datalist>')  # noqa: S308 - escaped


@register.simple_tag
def zone_datalist() -> SafeString:
    return _datalist()
