"""After full syncs, no table holds anything of a Stripe object (Chartivo keeps
aggregates only).

Every value to look for is taken from the very objects the accounts hold, listed through
the SDK: customer emails and names, every object id (charges, customers, refunds,
disputes, balance transactions, payouts, payment methods…), card details and
descriptions. Then every row of every table is read, the task queue's included.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection

from chartivo.integrations.stripe.models import StripeConnection
from chartivo.metrics.models import Aggregate
from tests.support.database import database_text

from .conftest import Golden

# One worker builds the golden accounts once and runs every test that reads them.
pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("golden")]
# Personal or identifying fields of the objects Chartivo reads, wherever they are nested.
PERSONAL = {
    "email",
    "receipt_email",
    "customer_email_address",
    "name",
    "customer_name",
    "billing_address",
    "phone",
    "description",
    "statement_descriptor",
    "invoice_prefix",
    "fingerprint",
    "line1",
    "line2",
    "postal_code",
}
CARD_FIELDS = ("last4", "exp_month", "exp_year", "fingerprint")
OBJECT_ID = re.compile(r"^[a-z]{2,5}_[A-Za-z0-9]{20,}$")
ANY_OBJECT_ID = re.compile(r"\b(?:ch|cus|re|dp|txn|evt|po|py|pi|pm|card|src|acct)_[A-Za-z0-9]{20,}")
SHORTEST_SEARCHED = 5  # shorter text could be part of anything: it is matched whole


def _leaves(value: Any, key: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _leaves(v, k)
    elif isinstance(value, list):
        for v in value:
            yield from _leaves(v, key)
    else:
        yield key, value


def _text_cells() -> Iterator[str]:
    """Every text value stored (numbers aside: an amount may well read 4242)."""
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            for row in cursor.fetchall():
                yield from (v for v in row if isinstance(v, str))


def _card_expiries(card: dict[str, Any]) -> set[str]:
    month, year = int(card["exp_month"]), int(card["exp_year"])
    return {f"{month}/{year}", f"{month:02d}/{year}", f"{month:02d}/{year % 100:02d}"}


def test_no_table_holds_a_customer_detail_an_object_id_a_card_or_a_description(
    golden: Golden,
) -> None:
    searched: set[str] = set()  # looked for anywhere in the stored text
    whole: set[str] = set()  # too short for that: looked for as whole stored values
    for synced in golden.accounts:
        for objects in synced.snapshot.objects.values():
            for key, value in _leaves(objects):
                if not isinstance(value, str) or not value:
                    continue
                if key in PERSONAL or "@" in value or OBJECT_ID.match(value):
                    (searched if len(value) >= SHORTEST_SEARCHED else whole).add(value)
                elif key == "last4":
                    whole.add(value)
        for charge in synced.snapshot["charges"]:
            card = (charge.get("payment_method_details") or {}).get("card")
            if card is None:  # a bank debit
                continue
            searched |= _card_expiries(card)
            whole.add(str(card["exp_year"]))
    assert Aggregate.objects.filter(connection__in=[s.connection_id for s in golden.accounts])
    assert len(searched) > 5_000 and len(whole) > 1_000, "the objects were not all read"

    stored = database_text()
    for sealed in StripeConnection.objects.values_list("sealed_key", flat=True):
        stored = stored.replace(sealed, "")  # random ciphertext could spell anything
    found = sorted(s for s in searched if s in stored)
    assert not found, f"{len(found)} values of Stripe objects are stored, e.g. {found[:5]}"
    assert not ANY_OBJECT_ID.search(stored)
    assert not [word for word in CARD_FIELDS if word in stored], "a card is stored"
    found = sorted(whole & set(_text_cells()))
    assert not found, f"stored as values: {found[:5]}"
