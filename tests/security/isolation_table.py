"""The isolation matrix's expected answers: every URL, for each actor.

Actors: ``owner``, ``admin`` and ``viewer`` of the organisation under test; ``other``, the
owner of another organisation; ``anonymous``; ``other_token``, a read API token of the other
organisation sent alone (no session). On the read API's addresses each signed-in actor
sends their own token too. Each entry is (answer to GET, answer to POST); None: not asked
(a POST that would change the organisation's data as it should). A new URL fails the
matrix until someone decides here who may use it.
"""

from __future__ import annotations

LOGIN = "login"  # the answer "redirected to the login page"
HOME = "home"  # "redirected Home" (a page for signed-out visitors only)
FORBIDDEN = 403  # the app's 403 page

INTEGRATIONS = "302 to /integrations/#stripe"
MEMBERS = "302 to /organisation/members/"
RESET_FORM = "302 to /account/reset/password/"

Answers = dict[str, tuple[int | str | None, int | str | None]]

_OPEN_TO_ALL: Answers = {"other": (200, 405), "anonymous": (200, 405)}
_SIGNED_OUT_ONLY: Answers = {"other": (HOME, HOME), "anonymous": (200, 200)}


def _members(get: int | str | None, post: int | str | None) -> Answers:
    """The same answers for the organisation's three members."""
    return {"owner": (get, post), "admin": (get, post), "viewer": (get, post)}


def _managers(
    get: int | str | None, post: int | str | None, *, other: tuple[int | str, int | str]
) -> Answers:
    """Owners and admins as given; a viewer gets the 403 page whatever the method."""
    return {
        "owner": (get, post),
        "admin": (get, post),
        "viewer": (FORBIDDEN, FORBIDDEN),
        "other": other,
        "anonymous": (LOGIN, LOGIN),
    }


def _signed_in(get: int | str | None, post: int | str | None, other: Answers) -> Answers:
    return {**_members(get, post), **other, "anonymous": (LOGIN, LOGIN)}


# The organisation's chart, by its id: another organisation's chart is exactly like a
# missing one; a viewer sees it and may not change it.
def _chart_read() -> Answers:
    return _signed_in(200, 405, {"other": (404, 405)})


def _chart_change(get: int | str | None) -> Answers:
    return {
        "owner": (get, None),
        "admin": (get, None),
        "viewer": (FORBIDDEN if get != 405 else 405, FORBIDDEN),
        "other": (404 if get != 405 else 405, 404),
        "anonymous": (LOGIN, LOGIN),
    }


# The read API: each member's token reads their organisation, the other organisation's
# token its own (checked in the test), no token nothing; only GET is served.
def _read_api() -> Answers:
    return {
        **_members(200, 405),
        "other": (200, 405),
        "anonymous": (401, 405),
        "other_token": (200, 405),
    }


EXPECTED: dict[str, Answers] = {
    "healthz": {**_members(200, 405), **_OPEN_TO_ALL},
    "readyz": {**_members(200, 405), **_OPEN_TO_ALL},
    "signup": {**_members(HOME, HOME), **_SIGNED_OUT_ONLY},
    "login": {**_members(HOME, HOME), **_SIGNED_OUT_ONLY},
    "signup_sent": {**_members(200, 405), **_OPEN_TO_ALL},
    # Mailed links without their token (or another's) work for nobody.
    "signup_confirm": {**_members(400, 400), "other": (400, 400), "anonymous": (400, 400)},
    "invitation": {**_members(400, 400), "other": (400, 400), "anonymous": (400, 400)},
    "password_reset": {**_members(200, 200), "other": (200, 200), "anonymous": (200, 200)},
    "password_reset_sent": {**_members(200, 405), **_OPEN_TO_ALL},
    "password_reset_link": {
        **_members(RESET_FORM, 405),
        "other": (RESET_FORM, 405),
        "anonymous": (RESET_FORM, 405),
    },
    "password_reset_set": {**_members(400, 400), "other": (400, 400), "anonymous": (400, 400)},
    "logout": {**_members(405, LOGIN), "other": (405, LOGIN), "anonymous": (405, LOGIN)},
    "password_change": _signed_in(200, 200, {"other": (200, 200)}),
    # One's own profile (an empty form is refused); unsubscribing needs the mailed token.
    "profile": _signed_in(200, 400, {"other": (200, 400)}),
    "unsubscribe": {**_members(400, 400), "other": (400, 400), "anonymous": (400, 400)},
    "password_change_done": _signed_in(200, 405, {"other": (200, 405)}),
    # Integrations: owners and admins only. "other" reaches their own organisation's.
    "integrations": _managers(200, 405, other=(200, 405)),
    "stripe_save": _managers(405, 400, other=(405, 400)),
    "stripe_add": _managers(405, 400, other=(405, 400)),
    "stripe_remove": _managers(405, None, other=(405, INTEGRATIONS)),
    "stripe_replace": _managers(405, 400, other=(405, 404)),
    "stripe_remove_one": _managers(405, None, other=(405, 404)),
    "stripe_status": _managers(200, 405, other=(200, 405)),
    # Members: owners and admins only; ids of another organisation's rows are 404s.
    "members": _managers(200, 405, other=(200, 405)),
    "member_invite": _managers(405, 400, other=(405, 400)),
    "member_role": _managers(405, MEMBERS, other=(405, 404)),
    "member_remove": _managers(405, None, other=(405, 404)),
    "invitation_withdraw": _managers(405, None, other=(405, 404)),
    # Switching needs an organisation of one's own to switch to; deleting, an owner.
    "organisation_switch": _signed_in(405, 404, {"other": (405, 404)}),
    "organisation_rename": _managers(405, MEMBERS, other=(405, MEMBERS)),
    "organisation_delete": {
        "owner": (405, MEMBERS),
        "admin": (405, FORBIDDEN),
        "viewer": (405, FORBIDDEN),
        "other": (405, MEMBERS),
        "anonymous": (LOGIN, LOGIN),
    },
    "home": _signed_in(200, 405, {"other": (200, 405)}),
    "new_chart": {**_members(200, 400), "other": (200, 400), "anonymous": (LOGIN, LOGIN)},
    "chart_preview": _signed_in(200, 405, {"other": (200, 405)}),
    "definitions": _signed_in(200, 405, {"other": (200, 405)}),
    "definitions_mismatch": _signed_in(200, 405, {"other": (200, 405)}),
    # Each organisation sees the reconciliation of its own accounts only.
    "reconciliation": _signed_in(200, 405, {"other": (200, 405)}),
    "chart_detail": _chart_read(),
    "chart_data": _chart_read(),
    "chart_csv": _chart_read(),
    "chart_figures": _chart_read(),
    # GET asks first (a page that names the chart); POST deletes.
    "chart_delete": _chart_change(200),
    "chart_edit": _chart_change(200),
    "chart_save_view": _chart_change(405),
    "chart_move": _chart_change(405),
    "chart_width": _chart_change(405),
    # A copy is its maker's own chart (a viewer's is personal): changes the organisation.
    "chart_duplicate": {
        **_members(405, None),
        "other": (405, 404),
        "anonymous": (LOGIN, LOGIN),
    },
    # Not deleted: nothing to restore, for anyone.
    "chart_restore": {**_members(405, 404), "other": (405, 404), "anonymous": (LOGIN, LOGIN)},
    # An order must be a JSON list of the sender's own charts.
    "charts_order": {**_members(405, 400), "other": (405, 400), "anonymous": (LOGIN, LOGIN)},
    # API tokens: every member makes their own (an empty name is refused); each revokes
    # only their own (the id is the owner's token).
    "api_tokens": _signed_in(200, 400, {"other": (200, 400)}),
    "api_token_revoke": {
        "owner": (405, None),
        "admin": (405, 404),
        "viewer": (405, 404),
        "other": (405, 404),
        "anonymous": (LOGIN, LOGIN),
    },
    "api_docs": _signed_in(200, 405, {"other": (200, 405)}),
    "api_openapi": {**_members(200, 405), **_OPEN_TO_ALL, "other_token": (200, 405)},
    "api:catalogue": _read_api(),
    "api:series": _read_api(),
    "api:headlines": _read_api(),
    "api:api-root": {
        **_members(404, 404),
        "other": (404, 404),
        "anonymous": (404, 404),
        "other_token": (404, 404),
    },
}


# --- Sharing and exports ------------------------------------------------------------------
# A further actor, ``share_other``: a visitor holding a share link of another
# organisation's chart (password typed, so its session is unlocked). On a share address it
# uses that token (and must see only that chart); anywhere else it is a visitor.
_SHARE_VISITOR_SIGNED_OUT = {"share_other": (LOGIN, LOGIN)}


def _shared(get: int | str, post: int | str) -> Answers:
    """A share link's address: the same for everyone, signed in or not (the token is the
    permission); ``share_other`` asks with its own token."""
    everyone = {**_members(get, post), "other": (get, post), "anonymous": (get, post)}
    return {**everyone, "share_other": (get, post)}


EXPECTED.update(
    {
        # Making, listing and revoking links: owners and admins, of their own organisation.
        "share_links": {**_managers(200, 405, other=(200, 405)), **_SHARE_VISITOR_SIGNED_OUT},
        "share_new": {**_managers(200, 400, other=(200, 400)), **_SHARE_VISITOR_SIGNED_OUT},
        "share_revoke": {**_managers(405, None, other=(405, 404)), **_SHARE_VISITOR_SIGNED_OUT},
        "shared": _shared(200, 405),
        "shared_data": _shared(200, 405),
        "shared_embed": _shared(200, 405),
        # Exports: like the chart they draw, and Home's figures of one's own organisation.
        "chart_png": {**_chart_read(), **_SHARE_VISITOR_SIGNED_OUT},
        "chart_svg": {**_chart_read(), **_SHARE_VISITOR_SIGNED_OUT},
        "headlines_csv": {
            **_signed_in(200, 405, {"other": (200, 405)}),
            **_SHARE_VISITOR_SIGNED_OUT,
        },
    }
)

# Alert rules: every member reads the organisation's rules and their logs; owners and admins
# make, change and delete them (an empty form is refused, an unknown ready-made rule is not
# found) and see a signed webhook's secret, in the answer to a POST only. Another
# organisation's rule is a missing one.
EXPECTED.update(
    {
        "alerts": _signed_in(200, 405, {"other": (200, 405)}),
        "alert_new": _managers(200, 400, other=(200, 400)),
        "alert_preset": _managers(405, 404, other=(405, 404)),
        "alert_detail": _signed_in(200, 405, {"other": (404, 405)}),
        "alert_edit": _managers(200, 400, other=(404, 404)),
        "alert_delete": _managers(200, None, other=(404, 404)),
        "alert_secret": _managers(405, 200, other=(405, 404)),
    }
)

# A token opens nothing but the read API: sent alone to any other address, it is answered
# as an anonymous visitor is.
for _answers in EXPECTED.values():
    _answers.setdefault("other_token", _answers["anonymous"])
