"""The Members page: who belongs to the organisation and with which role, invitations by
e-mail, role changes and removals. Owners and admins only; everyone else gets the 403
page. Switching organisation, renaming and deleting one, are here too."""

from __future__ import annotations

from typing import cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from chartivo.accounts import limits
from chartivo.accounts.models import User
from chartivo.orgs.access import managers_only, membership_of, switch_to
from chartivo.orgs.forms import ALL_ROLES, INVITE_ROLES, InviteForm
from chartivo.orgs.invitations import send_invitation
from chartivo.orgs.models import OWNER, Invitation, Membership, Organisation
from chartivo.orgs.rules import MembershipError, change_role, remove_member


def _page(request: HttpRequest, form: InviteForm, *, status: int = 200) -> HttpResponse:
    membership = membership_of(request)
    organisation = membership.organisation
    context = {
        "organisation": organisation,
        "me": membership,
        "members": organisation.memberships.select_related("user"),
        "invitations": organisation.invitations.all(),
        "form": form,
        "roles": ALL_ROLES if membership.role == OWNER else INVITE_ROLES,
        "email_enabled": settings.EMAIL_ENABLED,
    }
    return render(request, "orgs/members.html", context, status=status)


@managers_only
@require_GET
def members(request: HttpRequest) -> HttpResponse:
    return _page(request, InviteForm())


@managers_only
@require_POST
def invite(request: HttpRequest) -> HttpResponse:
    form = InviteForm(request.POST)
    membership = membership_of(request)
    if not settings.EMAIL_ENABLED:
        form.add_error(None, "Invitations are sent by e-mail, and e-mail is not set up here.")
    elif form.is_valid():
        email = form.cleaned_data["email"]
        if Membership.objects.filter(
            organisation=membership.organisation, user__email=email
        ).exists():
            form.add_error("email", f"{email} is already a member.")
        elif not limits.may_mail(request, email):
            # The same limit as every account e-mail: a mailbox is not flooded.
            form.add_error("email", f"{email} was sent enough e-mail for now: try in an hour.")
        else:
            try:
                with transaction.atomic():
                    invitation = Invitation.objects.create(
                        organisation=membership.organisation,
                        email=email,
                        role=form.cleaned_data["role"],
                        invited_by=cast(User, request.user),
                    )
            except IntegrityError:
                form.add_error("email", f"{email} is invited already.")
            else:
                send_invitation.enqueue(invitation.pk, request.build_absolute_uri("/"))
                messages.success(request, f"Invitation sent to {email}.")
                return redirect("members")
    return _page(request, form, status=400)


@managers_only
@require_POST
def withdraw(request: HttpRequest, invitation_id: int) -> HttpResponse:
    invitation = get_object_or_404(
        Invitation, pk=invitation_id, organisation=membership_of(request).organisation
    )
    invitation.delete()
    messages.success(request, f"The invitation to {invitation.email} was withdrawn.")
    return redirect("members")


def _target(request: HttpRequest, member_id: int) -> Membership:
    return get_object_or_404(
        Membership, pk=member_id, organisation=membership_of(request).organisation
    )


@managers_only
@require_POST
def set_role(request: HttpRequest, member_id: int) -> HttpResponse:
    target = _target(request, member_id)
    role = request.POST.get("role", "")
    if role not in dict(ALL_ROLES):
        return redirect("members")
    try:
        change_role(membership_of(request), target.pk, role)
    except MembershipError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"{target.user.email} is now {dict(ALL_ROLES)[role].lower()}.")
    return redirect("members")


@managers_only
@require_POST
def remove(request: HttpRequest, member_id: int) -> HttpResponse:
    target = _target(request, member_id)
    try:
        removed = remove_member(membership_of(request), target.pk)
    except MembershipError as error:
        messages.error(request, str(error))
        return redirect("members")
    messages.success(request, f"{removed.user.email} no longer has access.")
    if removed.user_id == request.user.pk:
        return redirect("home")  # they left: Home of another organisation of theirs
    return redirect("members")


@login_required
@require_POST
def switch(request: HttpRequest) -> HttpResponse:
    """Works in another organisation of the user's (one they are not in is a 404)."""
    user: User = request.user  # type: ignore[assignment]
    try:
        wanted = int(request.POST.get("organisation", ""))
    except ValueError:
        wanted = 0
    membership = get_object_or_404(
        Membership.objects.select_related("organisation"), user=user, organisation_id=wanted
    )
    switch_to(request, membership)
    return redirect("home")


@managers_only
@require_POST
def rename_organisation(request: HttpRequest) -> HttpResponse:
    """Owners and admins name the organisation as members and invitations show it (at
    sign-up it is named after its first member's address)."""
    organisation = membership_of(request).organisation
    name = " ".join(request.POST.get("name", "").split())
    limit = Organisation._meta.get_field("name").max_length or 200
    if not name or len(name) > limit:
        messages.error(request, f"Give the organisation a name of 1 to {limit} characters.")
        return redirect("members")
    Organisation.objects.filter(pk=organisation.pk).update(name=name)
    messages.success(request, f"The organisation is now called {name}.")
    return redirect("members")


@login_required
@require_POST
def delete_organisation(request: HttpRequest) -> HttpResponse:
    """Owners only: the organisation goes, with its Stripe keys, figures and charts."""
    membership = membership_of(request)
    if membership.role != OWNER:
        raise PermissionDenied
    organisation = membership.organisation
    if request.POST.get("confirm_name", "") != organisation.name:
        messages.error(request, "Type the organisation's name exactly to delete it.")
        return redirect("members")
    organisation.delete()
    messages.success(request, f"The organisation {organisation.name} was deleted.")
    return redirect("home")
