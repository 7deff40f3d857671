"""Reading a pasted Stripe key: its kind and mode come from its prefix
(``rk_``/``sk_``/``pk_``, then ``live_`` or ``test_``).

Stripe documents no length or character set for keys, so beyond the prefix only a sane
body is required: letters and digits (real keys are about 100 characters).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from chartivo.lib.redaction import mask_key_for_display

_KEY = re.compile(r"^(sk|rk)_(live|test)_([A-Za-z0-9]{8,240})$")
_PUBLISHABLE = re.compile(r"^pk_(live|test)_")

Mode = Literal["live", "test"]


class KeyFormatError(ValueError):
    """The text pasted is not a secret or restricted key; the message says what to do."""


@dataclass(frozen=True)
class ParsedKey:
    secret: str
    restricted: bool
    mode: Mode

    @property
    def last4(self) -> str:
        return self.secret[-4:]

    @property
    def masked(self) -> str:
        return mask_key_for_display(self.secret)

    def __repr__(self) -> str:  # never let the key reach a log through repr()
        return f"ParsedKey({self.masked!r}, restricted={self.restricted}, mode={self.mode!r})"

    __str__ = __repr__


REQUIRED = "API key is required"
PUBLISHABLE = (
    "This is a publishable key (pk_…), which cannot read your data. Paste a restricted key "
    "(rk_…) or a secret key (sk_…) instead."
)
MALFORMED = (
    "This does not look like a Stripe secret or restricted key. It should start with "
    "rk_live_, rk_test_, sk_live_ or sk_test_, followed by letters and digits."
)


def parse_key(raw: str) -> ParsedKey:
    text = raw.strip()
    if not text:
        raise KeyFormatError(REQUIRED)
    if _PUBLISHABLE.match(text):
        raise KeyFormatError(PUBLISHABLE)
    match = _KEY.match(text)
    if match is None:
        raise KeyFormatError(MALFORMED)
    kind, mode, _body = match.groups()
    return ParsedKey(
        secret=text, restricted=kind == "rk", mode="live" if mode == "live" else "test"
    )
