"""What the tests hunt for in everything Chartivo sends out."""

from __future__ import annotations

from tests.support.reference import Snapshot


def personal(snapshot: Snapshot) -> set[str]:
    """What must never leave Chartivo: every object's id, customers' e-mails and names."""
    found: set[str] = set()
    for objects in snapshot.objects.values():
        for obj in objects:
            found.add(str(obj["id"]))
            for name in ("email", "name", "receipt_email", "description"):
                if isinstance(obj.get(name), str) and len(obj[name]) >= 5:
                    found.add(obj[name])
    return found
