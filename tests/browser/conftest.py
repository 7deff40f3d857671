"""Real Chromium (Debian's, never a downloaded one) driving the app as the guide's user does.

One Chromium per test process, a fresh browser context per test. The app runs in-process
on pytest-django's ``live_server``; the Stripe sandbox is the suite's own process. Every
page a test opens is watched: a console error, an uncaught exception or a
Content-Security-Policy violation fails the test, and so does a Stripe key in any
response the browser receives or in any page it shows.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Response,
    sync_playwright,
)

from stripe_sandbox.testing import SandboxProcess
from tests.browser.secret import Secret
from tests.conftest import run_worker

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "artifacts" / "browser"
DOCS_SHOTS = REPO / "docs" / "walkthrough"
CHROMIUM = os.environ.get("CHARTIVO_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Set CHARTIVO_UPDATE_DOCS=1 to refresh the screenshots the README's walkthrough shows.
UPDATE_DOCS = os.environ.get("CHARTIVO_UPDATE_DOCS") == "1"
# Form fields that have no <label> (hidden inputs are not fields a person fills in).
_UNLABELLED_FIELDS = """() => [...document.querySelectorAll("input, select, textarea")]
  .filter(el => el.type !== "hidden" && !(el.labels && el.labels.length))
  .map(el => el.name || el.id || el.type)"""
FORM_ERROR_STATUS = "the server responded with a status of 400 (Bad Request)"
_CSP_REPORTER = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error("CSP violation: " + event.violatedDirective + " blocked " + event.blockedURI);
});
"""


class BrowserLoop:
    """Keeps Playwright's event loop from leaking into the rest of the test process.

    Playwright's sync API marks its asyncio loop as *running* in the test thread between
    calls. Django's ORM refuses to run while a loop runs, and ``async_to_sync`` (the sync
    engine's entry point) refuses too. So the loop is marked running only while a browser
    test drives the page, and unmarked around the app's own work (``paused``) and between
    tests, so that the other tests of this process never see it.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop

    def resume(self) -> None:
        asyncio._set_running_loop(self.loop)

    def pause(self) -> None:
        asyncio._set_running_loop(None)

    @contextmanager
    def paused(self) -> Iterator[None]:
        self.pause()
        try:
            yield
        finally:
            self.resume()


@dataclass
class BrowserSession:
    browser: Browser
    loop: BrowserLoop


@pytest.fixture(scope="session")
def browser_session() -> Iterator[BrowserSession]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: apt-get install chromium")
    playwright = sync_playwright().start()
    loop = BrowserLoop(asyncio.get_running_loop())
    browser = playwright.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
    )
    loop.pause()
    try:
        yield BrowserSession(browser, loop)
    finally:
        loop.resume()
        browser.close()
        playwright.stop()


@dataclass
class Watch:
    """What the browser saw that a test must not accept."""

    errors: list[str] = field(default_factory=list)
    secrets: list[Secret] = field(default_factory=list)
    leaks: list[str] = field(default_factory=list)  # where a secret showed up (never what)
    unlabelled: list[str] = field(default_factory=list)
    unread: list[str] = field(default_factory=list)  # pages whose source could not be read

    def check_text(self, where: str, text: str) -> None:
        for secret in self.secrets:
            if secret.is_in(text):
                self.leaks.append(f"{secret.name} in {where}")


class Shots:
    """A screenshot of each step, numbered in order, in artifacts/browser/<test>/."""

    def __init__(self, page: Page, folder: Path, watch: Watch) -> None:
        self.page = page
        self.folder = folder
        self.watch = watch
        self.count = 0

    def take(self, step: str, *, doc: str | None = None, full_page: bool = True) -> None:
        self.count += 1
        name = f"{self.count:02d}-{re.sub(r'[^a-z0-9]+', '-', step.lower()).strip('-')}.png"
        self.folder.mkdir(parents=True, exist_ok=True)
        image = self.page.screenshot(path=self.folder / name, full_page=full_page)
        if doc and UPDATE_DOCS:
            DOCS_SHOTS.mkdir(parents=True, exist_ok=True)
            (DOCS_SHOTS / f"{doc}.png").write_bytes(image)
        # Every step also checks the page as shown: no key in it, a label for every field.
        self.watch.check_text(f"the page at step {step!r}", self.page.content())
        self.watch.unlabelled += [
            f"{field_name} at step {step!r}"
            for field_name in self.page.evaluate(_UNLABELLED_FIELDS)
        ]


@dataclass
class Browsing:
    """What a browser test gets: the page, the app's address and the helpers around them."""

    page: Page
    base_url: str
    shots: Shots
    watch: Watch
    loop: BrowserLoop

    def url(self, path: str) -> str:
        return self.base_url + path

    def never_show(self, secret: Secret) -> Secret:
        self.watch.secrets.append(secret)
        return secret

    def until(self, condition: Callable[[], bool], what: str, timeout: float = 5.0) -> None:
        """Polls ``condition`` while the page runs and its events reach the test."""
        deadline = time.monotonic() + timeout
        while not condition():
            assert time.monotonic() < deadline, f"still not {what} after {timeout} s"
            self.page.evaluate("() => new Promise(resolve => setTimeout(resolve, 20))")

    def run_worker(self) -> None:
        """Runs the queued sync for real, outside the browser's event loop."""
        with self.loop.paused():
            run_worker()


def _node_folder(request: pytest.FixtureRequest) -> Path:
    return ARTIFACTS / re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.name).strip("-")


@pytest.fixture
def context_options() -> dict[str, Any]:
    """What differs from the default browser (1280 × 900, en-US, the machine's zone): a
    test parametrizes it, e.g. ``{"timezone_id": "Asia/Kolkata"}`` or a phone's viewport."""
    return {}


@pytest.fixture
def browsing(
    browser_session: BrowserSession,
    live_server: Any,
    stripe_api: SandboxProcess,
    request: pytest.FixtureRequest,
    context_options: dict[str, Any],
) -> Iterator[Browsing]:
    loop = browser_session.loop
    watch = Watch()
    loop.resume()
    options: dict[str, Any] = {
        "viewport": {"width": 1280, "height": 900},
        "accept_downloads": True,
        "locale": "en-US",
        **context_options,
    }
    context = browser_session.browser.new_context(**options)
    context.set_default_timeout(10_000)
    context.add_init_script(_CSP_REPORTER)
    page = context.new_page()

    def on_console(message: ConsoleMessage) -> None:
        if message.type != "error":
            return
        # A form sent back with its errors answers 400 (tests/app checks that status), and
        # Chromium logs any 4xx page as a failed load. That one is expected; a 400 from a
        # script, stylesheet or fetch is not, nor any other status.
        if message.text.endswith(FORM_ERROR_STATUS) and message.location.get("url") == page.url:
            return
        watch.errors.append(f"console error on {page.url}: {message.text}")

    def on_page_error(error: Exception) -> None:
        watch.errors.append(f"uncaught exception on {page.url}: {error}")

    def on_response(response: Response) -> None:
        # The page source as the server sent it: documents, JSON, CSV. Static files are ours.
        if "/static/" in response.url or 300 <= response.status < 400:
            return
        body: str | None
        try:
            body = response.text()
        except Exception:  # noqa: BLE001 -- Playwright raises its own base Error here
            # A response the page left before its body was read (the test or the page moved
            # on) loses it in Chromium. A fetch the page gave up on needs no check; a page
            # asked for with GET is asked for again with the same cookies, and that answer
            # is read. Any other page must be read.
            if response.request.resource_type != "document":
                return
            body = _asked_again(context, response.url) if response.request.method == "GET" else None
            if body is None:
                watch.unread.append(response.url)
                return
        watch.check_text(response.url, body)

    page.on("console", on_console)
    page.on("pageerror", on_page_error)
    page.on("response", on_response)
    folder = _node_folder(request)
    shutil.rmtree(folder, ignore_errors=True)  # this run's steps only
    try:
        yield Browsing(page, live_server.url, Shots(page, folder, watch), watch, loop)
        assert watch.errors == [], "the browser reported errors"
        assert watch.leaks == [], "a Stripe key reached the browser"
        assert watch.unlabelled == [], "a form field has no label"
        assert watch.unread == [], "a page's source could not be checked for keys"
    finally:
        context.close()
        loop.pause()


def _asked_again(context: BrowserContext, url: str) -> str | None:
    """The body of a GET page asked for again with the browser's cookies; None when that
    fails too."""
    try:
        return context.request.get(url, max_redirects=0).text()
    except Exception:  # noqa: BLE001 -- Playwright raises its own base Error here
        return None


@pytest.fixture
def stripe_keys(account: Any) -> dict[str, Secret]:
    """The fresh sandbox account's keys, each wrapped so that no test output shows one."""
    return {name: Secret(name, value) for name, value in account.keys.items()}


@pytest.fixture
def dispute_opened(account: Any, stripe_api: SandboxProcess) -> dict[str, Any]:
    """A customer disputes one of the account's charges (generated data may hold none)."""
    response = httpx.get(
        f"{stripe_api.api_base}/v1/charges",
        params={"limit": 10},
        headers={"Authorization": f"Bearer {account.keys['secret']}"},
    )
    charge = next(c for c in response.json()["data"] if c["status"] == "succeeded")
    dispute: dict[str, Any] = stripe_api.control.open_dispute(charge["id"])
    return dispute
