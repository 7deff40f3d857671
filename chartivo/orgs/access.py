"""Which organisation a request acts for, and what its member may do there.

The organisation a user works in is kept in their session; it is checked against their
memberships at every request, so removing a member ends their access to the
organisation at the very next request, in every session they have. A user who belongs
to no organisation any more (removed from the last one) gets a new one of their own,
as at sign-up.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse

from chartivo.accounts.models import User
from chartivo.orgs.models import OWNER, Membership, Organisation

SESSION_KEY = "organisation"
_CACHED = "_chartivo_membership"

View = TypeVar("View", bound=Callable[..., HttpResponse])


def home_organisation(user: User) -> Membership:
    """The user's first membership, made (an organisation named after them, owned by
    them) when they have none. Makes of one user take turns, so two first requests at
    once do not make two organisations."""
    first = Membership.objects.filter(user=user).select_related("organisation").first()
    if first is not None:
        return first
    with transaction.atomic():
        list(User.objects.select_for_update().filter(pk=user.pk).values_list("pk", flat=True))
        first = Membership.objects.filter(user=user).select_related("organisation").first()
        if first is None:
            organisation = Organisation.objects.create(name=user.email)
            first = Membership.objects.create(organisation=organisation, user=user, role=OWNER)
    return first


def membership_of(request: HttpRequest) -> Membership:
    """The signed-in user's membership in the organisation the request acts for."""
    cached = getattr(request, _CACHED, None)
    if cached is not None:
        return cast(Membership, cached)
    user = cast(User, request.user)
    wanted = request.session.get(SESSION_KEY)
    membership = None
    if wanted is not None:
        membership = (
            Membership.objects.filter(user=user, organisation_id=wanted)
            .select_related("organisation")
            .first()
        )
    if membership is None:
        membership = home_organisation(user)
        request.session[SESSION_KEY] = membership.organisation_id
    setattr(request, _CACHED, membership)
    return membership


def organisation_of(request: HttpRequest) -> Organisation:
    return membership_of(request).organisation


def acting_as(request: HttpRequest, membership: Membership) -> None:
    """The request acts for ``membership`` without a session (an API token's request): the
    views read its organisation and role as they do for a page."""
    setattr(request, _CACHED, membership)


def switch_to(request: HttpRequest, membership: Membership) -> None:
    request.session[SESSION_KEY] = membership.organisation_id
    setattr(request, _CACHED, membership)


def managers_only(view: View) -> View:
    """Signed in, and an owner or admin of the organisation: anyone else gets the app's
    403 page, whatever the method (a viewer never learns an integration's state)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not membership_of(request).manages:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return cast(View, login_required(wrapped))
