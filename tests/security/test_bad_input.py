"""Bad input, fuzzed with hypothesis: every form field and URL parameter a user controls.

Each answer is a clear error (400 with a message, or 404), or the request works; never a
500, never a changed record. Well-formed keys really go to the sandbox, which rejects
them as Stripe would.
"""

from __future__ import annotations

import string
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import quote, urljoin, urlsplit

import pytest
from django.test import Client, override_settings
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from chartivo.charts.models import Chart
from chartivo.integrations.stripe.catalogue import METRICS
from chartivo.integrations.stripe.client import REJECTED
from chartivo.integrations.stripe.keys import MALFORMED, PUBLISHABLE, REQUIRED
from chartivo.integrations.stripe.models import StripeConnection
from chartivo.metrics.periods import zone_names
from tests.security.conftest import SAVE_URL

pytestmark = pytest.mark.django_db


def fuzz(examples: int) -> settings:
    # The fixtures (a user, a saved key) are set up once per test and must not change,
    # which is exactly what each example checks.
    return settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


def text_up_to(size: int) -> st.SearchStrategy[str]:
    """Text a browser can send: any Unicode scalar value (lone surrogates cannot be sent)."""
    return st.text(alphabet=st.characters(codec="utf-8"), max_size=size)


KEY_MESSAGES = (
    REQUIRED,
    PUBLISHABLE,
    MALFORMED,
    REJECTED,
    "Ensure this value has at most 512 characters",
    "Null characters are not allowed.",
)


@pytest.fixture
def connected(owner: Any, owner_client: Client, stripe_api: Any) -> StripeConnection:
    """The owner's saved key, which no bad input may change."""
    assert (
        owner_client.post(SAVE_URL, {"api_key": stripe_api.keys["restricted"]}).status_code == 302
    )
    return StripeConnection.objects.get(owner=owner)


def _row(connection: StripeConnection) -> dict[str, Any]:
    return dict(StripeConnection.objects.filter(pk=connection.pk).values().get())


def _unescape(html: str) -> str:
    return html.replace("&#x27;", "'").replace("&quot;", '"').replace("&amp;", "&")


# --- Keys -----------------------------------------------------------------------------------

PREFIXES = ("sk_live_", "sk_test_", "rk_live_", "rk_test_", "pk_live_", "pk_test_")
BODY_CHARACTERS = string.ascii_letters + string.digits
well_formed_keys = st.builds(
    lambda prefix, body: prefix + body,
    st.sampled_from(PREFIXES[:4]),
    st.text(alphabet=BODY_CHARACTERS, min_size=8, max_size=240),
)
near_miss_keys = st.one_of(
    # The right prefix and a body too short, too long, or with one character Stripe never uses.
    st.builds(
        lambda p, body: p + body,
        st.sampled_from(PREFIXES),
        st.text(alphabet=BODY_CHARACTERS, max_size=7) | st.text(BODY_CHARACTERS, min_size=241),
    ),
    st.builds(
        lambda p, head, odd, tail: p + head + odd + tail,
        st.sampled_from(PREFIXES[:4]),
        st.text(alphabet=BODY_CHARACTERS, min_size=4, max_size=40),
        st.characters(codec="utf-8", exclude_characters=BODY_CHARACTERS),
        st.text(alphabet=BODY_CHARACTERS, min_size=4, max_size=40),
    ),
    # A prefix in the wrong case, or another kind of Stripe secret.
    st.builds(
        lambda p, body: p + body,
        st.sampled_from(["RK_LIVE_", "Sk_test_", "sk_prod_", "whsec_", "rk_", "sk_live"]),
        st.text(alphabet=BODY_CHARACTERS, min_size=8, max_size=100),
    ),
)


@given(pasted=text_up_to(2000) | near_miss_keys)
@fuzz(300)
def test_any_pasted_text_is_refused_with_a_message_and_changes_nothing(
    owner_client: Client, connected: StripeConnection, pasted: str
) -> None:
    before = _row(connected)
    response = owner_client.post(SAVE_URL, {"api_key": pasted})
    _refused_clearly(response, pasted, before, connected)


@given(key=well_formed_keys)
@fuzz(40)
def test_a_well_formed_key_stripe_does_not_know_is_rejected_and_changes_nothing(
    owner_client: Client, connected: StripeConnection, key: str
) -> None:
    before = _row(connected)
    response = owner_client.post(SAVE_URL, {"api_key": f" {key}\n"})
    _refused_clearly(response, key, before, connected)
    assert REJECTED in _unescape(response.content.decode())


def _refused_clearly(
    response: Any, pasted: str, before: dict[str, Any], connection: StripeConnection
) -> None:
    assert response.status_code == 400
    page = _unescape(response.content.decode())
    shown = [m for m in KEY_MESSAGES if m in page]
    assert len(shown) == 1, f"messages shown: {shown}"
    event(f"refused: {shown[0][:40]}")
    # Whatever was pasted is never echoed back (the field is never pre-filled).
    if pasted.strip()[:3] in ("sk_", "rk_", "pk_") and len(pasted.strip()) > 12:
        assert pasted.strip() not in page, "the pasted key was echoed"
    assert _row(connection) == before


# --- New Chart and its preview --------------------------------------------------------------

ZONES = zone_names()
hostile_zones = st.sampled_from(
    [
        "../../../../etc/passwd",
        "/etc/localtime",
        "/usr/share/zoneinfo/UTC",
        "localtime",
        "Factory",
        "right/UTC",
        "posix/../UTC",
        "Europe/../UTC",
        "UTC\x00",
        "utc",
        " UTC ",
        "",
        "Mars/Olympus_Mons",
        "Europe/Paris" * 20,
        "😀/🕰️",
    ]
)
zones = st.sampled_from(ZONES) | hostile_zones | text_up_to(5000)
any_dates = st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31)).map(date.isoformat)
# Around the history window, where a range is valid or only just not: before its start,
# after today, reversed.
recent_dates = st.integers(min_value=-70, max_value=5).map(
    lambda days: (datetime.now(UTC).date() + timedelta(days=days)).isoformat()
)
date_texts = (
    any_dates
    | recent_dates
    | st.sampled_from(["2026-02-30", "0000-00-00", "10000-01-01", "-0001-01-01", "1e9", ""])
    | text_up_to(50)
)
VALID_CHART = {
    "metric": "charges",
    "measure": "amount",
    "breakdown": "",
    "range_preset": "last_30_days",
    "custom_start": "",
    "custom_end": "",
    "granularity": "day",
    "time_zone": "UTC",
    "chart_type": "line",
    "name": "Fuzzed",
}


def _one_of(valid: list[str]) -> st.SearchStrategy[str]:
    return st.sampled_from(valid) | text_up_to(200)


FIELD_VALUES: dict[str, st.SearchStrategy[str]] = {
    "metric": _one_of(list(METRICS)),
    "measure": _one_of(sorted({m.key for x in METRICS.values() for m in x.measures})),
    "breakdown": _one_of(["", *sorted({b.key for x in METRICS.values() for b in x.breakdowns})]),
    "range_preset": _one_of(["today", "last_7_days", "last_30_days", "this_month", "custom"]),
    "custom_start": date_texts,
    "custom_end": date_texts,
    "granularity": _one_of(["hour", "day", "week", "month"]),
    "time_zone": zones,
    "chart_type": _one_of(["line", "bar"]),
    "name": text_up_to(300),
}
# Four shapes of form: any subset of fields with any values; a valid chart with one field
# wrong; a custom range in any zone and granularity; any metric, measure and breakdown.
chart_fields = st.one_of(
    st.fixed_dictionaries({}, optional=FIELD_VALUES),
    st.sampled_from(sorted(FIELD_VALUES)).flatmap(
        lambda name: FIELD_VALUES[name].map(lambda value: {**VALID_CHART, name: value})
    ),
    st.fixed_dictionaries(
        {
            **{k: st.just(v) for k, v in VALID_CHART.items()},
            "range_preset": st.just("custom"),
            "custom_start": recent_dates | date_texts,
            "custom_end": recent_dates | date_texts,
            "time_zone": st.sampled_from(ZONES),
            "granularity": st.sampled_from(["hour", "day", "week", "month"]),
        }
    ),
    st.fixed_dictionaries(
        {
            **{k: st.just(v) for k, v in VALID_CHART.items()},
            "metric": st.sampled_from(list(METRICS)),
            "measure": FIELD_VALUES["measure"],
            "breakdown": FIELD_VALUES["breakdown"],
        }
    ),
)


@given(fields=chart_fields)
@fuzz(200)
def test_any_new_chart_form_is_saved_and_drawn_or_refused_and_nothing_else(
    owner: Any, owner_client: Client, connected: StripeConnection, fields: dict[str, str]
) -> None:
    before = set(Chart.objects.values_list("pk", flat=True))
    response = owner_client.post("/charts/new/", {"source": "stripe", **fields})
    after = set(Chart.objects.values_list("pk", flat=True))
    event(f"answered {response.status_code}")
    if response.status_code == 400:
        assert after == before
        assert 'role="alert"' in response.content.decode(), "refused without saying why"
        return
    assert response.status_code == 302, response.status_code
    (new_id,) = after - before
    assert response["Location"] == f"/charts/{new_id}/"
    chart = Chart.objects.get(pk=new_id)
    assert chart.owner == owner and chart.time_zone in ZONES
    for suffix in ("", "data.json", "export.csv"):
        assert owner_client.get(f"/charts/{new_id}/{suffix}").status_code == 200, suffix
    _row(connected)  # still there, untouched by a chart


@given(fields=chart_fields, repeated=st.sampled_from(["", "metric", "time_zone"]))
@fuzz(200)
def test_any_preview_query_is_answered_in_json_with_a_state_or_a_message(
    owner_client: Client, connected: StripeConnection, fields: dict[str, str], repeated: str
) -> None:
    query: dict[str, Any] = dict(fields)
    if repeated and repeated in query:
        query[repeated] = [query[repeated], "UTC"]  # the same parameter twice
    charts = Chart.objects.count()
    with override_settings(PREVIEWS_PER_MINUTE=10**9):  # every example is one user's
        response = owner_client.get("/charts/preview.json", query)
    event(f"answered {response.status_code}")
    assert response.status_code == 200, response.status_code
    payload = response.json()
    if payload["state"] == "invalid":  # a form half filled in is answered quietly
        assert payload["message"]
    else:
        assert payload["state"] in ("ready", "zero", "syncing", "empty", "forbidden")
    assert Chart.objects.count() == charts


# --- Chart ids and other URL parameters ------------------------------------------------------


@pytest.fixture
def someone_elses_chart(other_user: Any) -> Chart:
    return Chart.objects.create(
        owner=other_user, name="Not yours", metric="charges", measure="count"
    )


SOMEONE_ELSES = "someone else's chart"  # stands for its id, known only once it exists
chart_ids = st.integers(min_value=-(10**20), max_value=10**40) | st.just(0)
chart_segments = (
    st.just(SOMEONE_ELSES)
    | chart_ids.map(str)
    | st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=100).map(
        lambda t: quote(t, safe="")
    )
)


@given(segment=chart_segments)
@fuzz(150)
def test_a_chart_id_that_does_not_exist_or_is_someone_elses_is_a_404(
    owner_client: Client, someone_elses_chart: Chart, segment: str
) -> None:
    target = str(someone_elses_chart.pk) if segment == SOMEONE_ELSES else segment
    event("someone else's" if target == str(someone_elses_chart.pk) else "no such chart")
    for suffix in ("", "data.json", "export.csv"):
        response = owner_client.get(f"/charts/{target}/{suffix}")
        assert response.status_code == 404, f"GET /charts/…/{suffix}: {response.status_code}"
    assert owner_client.post(f"/charts/{target}/delete/").status_code == 404
    assert Chart.objects.filter(pk=someone_elses_chart.pk).exists()


@given(page=text_up_to(100) | st.integers().map(str))
@fuzz(100)
def test_any_page_number_on_home_shows_a_page(owner_client: Client, page: str) -> None:
    assert owner_client.get("/", {"page": page}).status_code == 200


@given(metric=text_up_to(200), source=text_up_to(200))
@fuzz(100)
def test_new_chart_parameters_are_never_reflected_as_markup(
    owner_client: Client, connected: StripeConnection, metric: str, source: str
) -> None:
    marker = '<b id="injected">'
    response = owner_client.get("/charts/new/", {"metric": metric + marker, "source": source})
    assert response.status_code == 200 and marker not in response.content.decode()


redirect_targets = st.sampled_from(
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example/",
        "\\\\evil.example",
        "///evil.example",
        "https:evil.example",
        "javascript:alert(1)",
        "/\t/evil.example",
        " //evil.example",
        "/charts/new/",
    ]
) | text_up_to(200)


@given(target=redirect_targets)
@fuzz(100)
def test_after_log_in_the_next_parameter_never_leads_off_the_site(owner: Any, target: str) -> None:
    client = Client()
    response = client.post(
        "/account/login/",
        {"username": owner.email, "password": "a long password 1", "next": target},
    )
    assert response.status_code == 302
    assert _where_a_browser_goes(response["Location"]).netloc == "testserver", "off the site"


def _where_a_browser_goes(location: str) -> Any:
    """The address a browser follows: it drops tabs and newlines, reads a backslash as a
    slash, and resolves what is left against the page's own address."""
    cleaned = location.translate({9: None, 10: None, 13: None}).replace("\\", "/").lstrip()
    return urlsplit(urljoin("http://testserver/account/login/", cleaned))
