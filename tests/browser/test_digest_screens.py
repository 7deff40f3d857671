"""The digest as a person gets it: the time zone chosen in the profile (the browser's own
suggested), then the message's HTML part rendered in Chromium at desktop and phone widths,
its sparklines shown from the message itself (a mail client turns ``cid:`` into the
attached image, as this test does). ``CHARTIVO_UPDATE_DOCS=1`` writes docs/digest-*.png."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from chartivo.accounts.models import User
from chartivo.digests.models import MailPreference
from tests.browser.conftest import UPDATE_DOCS, Browsing
from tests.browser.guide import DOCS, PAGE_OVERFLOW, Guide
from tests.browser.secret import Secret
from tests.conftest import run_worker
from tests.support.mail import SmtpServer

pytestmark = [pytest.mark.browser, pytest.mark.screens, pytest.mark.django_db(transaction=True)]
_IMAGES_DRAWN = "() => [...document.images].every(i => i.complete && i.naturalWidth > 0)"


@pytest.fixture
def context_options() -> dict[str, Any]:
    return {"timezone_id": "Asia/Kathmandu"}


def test_the_digest_reads_well_on_a_desktop_and_on_a_phone(
    browsing: Browsing, stripe_keys: dict[str, Secret], smtp_server: SmtpServer, settings: Any
) -> None:
    guide = Guide(browsing)
    page = browsing.page
    guide.connected("annie@example.com", stripe_keys["restricted"])
    smtp_server.use_in_django(settings)  # on after sign-up, which would ask to confirm

    # The profile: the browser's zone is offered, and weekly is the default.
    guide.open_profile_menu()
    page.get_by_role("link", name="Profile", exact=True).click()
    page.get_by_role("button", name="Use my time zone (Asia/Kathmandu)").click()
    expect(page.get_by_label("Weekly, on Monday")).to_be_checked()
    browsing.shots.take("profile")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Profile saved.")).to_be_visible()
    with browsing.loop.paused():
        user = User.objects.get(email="annie@example.com")
        assert MailPreference.objects.get(user=user).time_zone == "Asia/Kathmandu"
        run_worker()
        call_command("send_digests", user=user.email, period="weekly")
    message = smtp_server.wait_for(to="annie@example.com").message
    html_part = message.get_body(preferencelist=("html",))
    assert html_part is not None
    html = str(html_part.get_content())
    for part in message.walk():
        if part.get_content_type() == "image/png":
            content_id = str(part["Content-ID"]).strip("<>")
            data = base64.b64encode(part.get_content()).decode()
            html = html.replace(f"cid:{content_id}", f"data:image/png;base64,{data}")

    # A page of its own, as a mail client shows it: no app, no app's security policy.
    reader = page.context.new_page()
    for width, name in ((1280, "desktop"), (390, "phone")):
        reader.set_viewport_size({"width": width, "height": 900})
        reader.set_content(html)
        expect(reader.get_by_role("heading", name="Week of Monday")).to_be_visible()
        assert reader.evaluate(_IMAGES_DRAWN), "a sparkline did not show"
        assert reader.evaluate(PAGE_OVERFLOW) <= 0, f"the digest runs off the side at {width} px"
        image = reader.screenshot(full_page=True)
        if UPDATE_DOCS:
            (DOCS / f"digest-{name}.png").write_bytes(image)
