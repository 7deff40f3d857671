"""Changes made through the API and the control endpoints, with the events Stripe emits.

Every change writes the object's new state, its balance transactions (through the same
builders as generated history), and one event per Stripe event type (``data.object`` is the
new state; ``previous_attributes`` where Stripe sends them), all in one SQLite transaction.
"""

from .base import CONTROL, Origin
from .control import ControlWrites
from .payments import PaymentWrites


class Writer(PaymentWrites, ControlWrites):
    """Every change the sandbox can make to a dataset."""


__all__ = ["CONTROL", "Origin", "Writer"]
