"""A visitor of a running Chartivo over real HTTP: cookies, CSRF tokens, forms, and an
address as a proxy in front of the app would report it.

    visitor = Visitor(base, address="203.0.113.7")       # behind the proxy
    visitor.submit("/account/login/", {"username": …, "password": …})

With ``address`` every request carries ``X-Forwarded-For`` as one proxy passes it on: what
the client itself sent (``forwarded``, e.g. a forged address) with the client's real
address appended on the right.
"""

from __future__ import annotations

import re
from types import TracebackType
from typing import Any

import httpx

_CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class Visitor:
    def __init__(
        self, base: str, *, address: str | None = None, forwarded: str | None = None
    ) -> None:
        headers = {}
        if address is not None:
            headers["X-Forwarded-For"] = f"{forwarded}, {address}" if forwarded else address
        self.http = httpx.Client(base_url=base, headers=headers, timeout=60)
        self._tokens: dict[str, str] = {}

    def get(self, path: str, **options: Any) -> httpx.Response:
        return self.http.get(path, **options)

    def token_for(self, page: str) -> str:
        """The CSRF token of ``page``'s form (fetched once, then reused as a browser's
        open tab would)."""
        if page not in self._tokens:
            found = _CSRF_FIELD.search(self.get(page).text)
            assert found, f"{page} has no form"
            self._tokens[page] = found.group(1)
        return self._tokens[page]

    def submit(self, page: str, fields: dict[str, str], *, to: str | None = None) -> httpx.Response:
        """Posts ``fields`` with ``page``'s CSRF token, to ``to`` (or to ``page`` itself)."""
        data = {**fields, "csrfmiddlewaretoken": self.token_for(page)}
        return self.http.post(to or page, data=data)

    def follow(self, link: str) -> httpx.Response:
        """Opens a link and follows its redirects, as a browser does with a mailed link."""
        return self.http.get(link, follow_redirects=True)

    @property
    def signed_in(self) -> bool:
        """Home opens (a visitor who is not logged in is sent to the log-in page)."""
        return self.get("/").status_code == 200

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> Visitor:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
