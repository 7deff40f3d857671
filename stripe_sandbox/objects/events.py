"""Events: what changed, with the object as it was then."""

from __future__ import annotations

from .base import API_VERSION, Obj


def event(
    id: str,
    created: int,
    livemode: bool,
    type: str,
    obj: Obj,
    previous_attributes: Obj | None = None,
    request_id: str | None = None,
    idempotency_key: str | None = None,
) -> Obj:
    data: Obj = {"object": obj}
    if previous_attributes is not None:
        data["previous_attributes"] = previous_attributes
    return {
        "id": id,
        "object": "event",
        "api_version": API_VERSION,
        "created": created,
        "data": data,
        "livemode": livemode,
        "pending_webhooks": 0,
        "request": {"id": request_id, "idempotency_key": idempotency_key},
        "type": type,
    }
