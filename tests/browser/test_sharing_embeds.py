"""Embeds and printing in Chromium. A share link is embedded by two pages on loopback:
one at an origin the link lists, where the chart draws in the frame (dark, filling it),
and one at another origin, where the browser refuses the frame (frame-ancestors). Home
prints as one clean page ("Save as PDF")."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.test import Client
from playwright.sync_api import expect

from chartivo.charts.models import Chart
from chartivo.sharing.models import ShareLink
from chartivo.sharing.tokens import digest, new_token
from tests.browser.conftest import Browsing
from tests.conftest import run_worker

pytestmark = [pytest.mark.browser, pytest.mark.screens, pytest.mark.django_db(transaction=True)]


@contextmanager
def host_page(host: str, frame_src: str) -> Iterator[str]:
    """A page of another site that embeds ``frame_src``, served at http://host:<free port>."""
    body = (
        "<!doctype html><title>Partner</title><h1>Partner page</h1>"
        '<div style="width:640px;height:360px">'
        f'<iframe src="{frame_src}" title="Chart" style="width:100%;height:100%;border:0" '
        "onload=\"this.dataset.loaded='1'\"></iframe></div>"
    ).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_an_embed_draws_on_a_listed_origin_is_refused_on_another_and_home_prints_on_one_page(
    owner: Any, owner_client: Client, account: Any, browsing: Browsing
) -> None:
    page = browsing.page
    token = new_token()
    with browsing.loop.paused():
        assert owner_client.post("/integrations/stripe/", {"api_key": account.keys["restricted"]})
        run_worker()
        chart = Chart.objects.create(
            owner=owner, name="Embedded charges", metric="charges", measure="count"
        )
    embed = browsing.url(f"/s/{token}/embed/?theme=dark")
    with host_page("127.0.0.1", embed) as listed, host_page("localhost", embed) as unlisted:
        with browsing.loop.paused():
            ShareLink.objects.create(
                organisation_id=chart.organisation_id,
                chart=chart,
                token_digest=digest(token),
                range_preset="last_30_days",
                compare="none",
                embed_origins=listed,
            )
        page.goto(listed)
        page.wait_for_function("document.querySelector('iframe').dataset.loaded === '1'")
        frame = page.frame_locator("iframe")
        expect(frame.locator("h1")).to_have_text("Embedded charges")
        expect(frame.locator("#chart-canvas")).to_be_visible()
        canvas = frame.locator("#chart-canvas").bounding_box()
        assert canvas is not None and canvas["width"] > 0.9 * 640 - 60, "fills its frame"
        assert frame.locator("html").get_attribute("data-theme") == "dark"
        browsing.shots.take("embedded on a listed origin")

        page.goto(unlisted)
        page.wait_for_function("document.querySelector('iframe').dataset.loaded === '1'")
        child = page.frames[1]
        assert "/s/" not in child.url or child.locator("#chart").count() == 0
        refusals = [e for e in browsing.watch.errors if "frame-ancestors" in e]
        assert refusals, "Chromium said why it refused the frame"
        browsing.watch.errors = [e for e in browsing.watch.errors if e not in refusals]
        browsing.shots.take("refused on another origin")

    # Home, printed: the app around the figures goes, the figures fit one page.
    with browsing.loop.paused():
        session = owner_client.cookies["sessionid"].value
    page.context.add_cookies([{"name": "sessionid", "value": session, "url": browsing.base_url}])
    page.goto(browsing.url("/?range=last_7_days"))
    expect(page.locator(".headline").first).to_be_visible()
    page.emulate_media(media="print")
    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.locator(".charts-section")).to_be_hidden()
    expect(page.locator(".headlines")).to_be_visible()
    pdf = page.pdf(prefer_css_page_size=True, print_background=True)
    assert len(re.findall(rb"/Type\s*/Page(?!s)", pdf)) == 1
