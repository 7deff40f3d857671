"""The browser tests' own guards can fail: a CSP violation, a script error, a key in a page
and a field without a label are each caught. (Each test empties the guard it tripped, so
that the fixture's final check passes.)"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Browsing
from tests.browser.secret import Secret

pytestmark = [pytest.mark.browser, pytest.mark.screens, pytest.mark.django_db(transaction=True)]


def _login_page(browsing: Browsing) -> None:
    browsing.page.goto(browsing.url("/account/login/"))
    expect(browsing.page.get_by_role("heading", name="Log in to Chartivo")).to_be_visible()


def test_an_inline_style_is_refused_by_the_csp_and_fails_the_test(browsing: Browsing) -> None:
    _login_page(browsing)
    browsing.page.evaluate(
        """() => {
            const box = document.createElement("div");
            box.innerHTML = '<p style="color: red">inline</p>';
            document.body.appendChild(box);
        }"""
    )
    browsing.until(
        lambda: any("CSP violation: style-src" in e for e in browsing.watch.errors),
        "reported as a CSP violation",
    )
    browsing.watch.errors.clear()


def test_a_script_error_fails_the_test(browsing: Browsing) -> None:
    _login_page(browsing)
    browsing.page.evaluate("() => { setTimeout(() => { throw new Error('broken step'); }); }")
    browsing.until(
        lambda: any("broken step" in e for e in browsing.watch.errors), "reported as an error"
    )
    browsing.watch.errors.clear()


def test_a_secret_shown_in_a_page_fails_the_test(browsing: Browsing) -> None:
    # The login form's own wording stands in for a key that a page would show.
    browsing.never_show(Secret("stand-in", "Log in to Chartivo"))
    _login_page(browsing)
    browsing.shots.take("login page")
    assert browsing.watch.leaks == [
        "stand-in in " + browsing.url("/account/login/"),
        "stand-in in the page at step 'login page'",
    ]
    browsing.watch.leaks.clear()


def test_a_field_without_a_label_fails_the_test(browsing: Browsing) -> None:
    _login_page(browsing)
    browsing.page.evaluate(
        """() => {
            const field = document.createElement("input");
            field.name = "nameless";
            document.querySelector("form").appendChild(field);
        }"""
    )
    browsing.shots.take("a field without a label")
    assert browsing.watch.unlabelled == ["nameless at step 'a field without a label'"]
    browsing.watch.unlabelled.clear()
