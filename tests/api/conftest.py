"""What the read API's tests share: tokens made as a member makes them, and requests
sent as a program sends them (the token in the Authorization header, no cookie)."""

from __future__ import annotations

from typing import Any

from django.test import Client

from chartivo.api.tokens import create_token
from chartivo.orgs.access import home_organisation
from chartivo.orgs.models import Membership


class HiddenToken(str):
    """A token that an assertion's explanation prints as ``'chv_…'``: a failing test must
    not put a token into the test output."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "'chv_…'"


def token_for(user: Any, name: str = "script", membership: Membership | None = None) -> str:
    """A new token of ``user`` in their first organisation (or ``membership``'s)."""
    return HiddenToken(create_token(membership or home_organisation(user), name).secret)


def api_get(token: str | None, path: str, **params: Any) -> Any:
    """GET an API address as a program does: a fresh client, no session."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return Client().get(path, params, headers=headers)


def error_of(response: Any) -> tuple[int, str, str]:
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}, body
    return response.status_code, body["error"]["code"], body["error"]["message"]
