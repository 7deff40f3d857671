"""A Stripe key that a test may type but never print.

pytest shows the arguments of every function in a failing test's traceback, and
assertion messages show the values compared. Keys travel through the browser tests as
``Secret``s, whose repr is masked, and are compared only to answer yes or no.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Secret:
    name: str
    _value: str = field(repr=False)

    def __repr__(self) -> str:
        return f"<Secret {self.name}: {self._value[:8]}…>"

    def reveal(self) -> str:
        """The key itself, only to type it into a field."""
        return self._value

    @property
    def last4(self) -> str:
        return self._value[-4:]

    @property
    def prefix(self) -> str:
        return self._value[:8]

    def is_in(self, text: str) -> bool:
        return self._value in text
