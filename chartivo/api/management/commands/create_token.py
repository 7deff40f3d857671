"""``chartivo create_token EMAIL --name NAME``: a new API token for a user, printed once.

For support and tests. The token is made for the user's first organisation, or the one
``--organisation`` names (by id), with the role they have there; only its digest is kept.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from chartivo.accounts.models import User
from chartivo.api.tokens import create_token
from chartivo.orgs.access import home_organisation
from chartivo.orgs.models import Membership


class Command(BaseCommand):
    help = "Makes a personal access token for the read API and prints it, once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email")
        parser.add_argument("--name", required=True, help="What the token is for.")
        parser.add_argument(
            "--organisation", type=int, help="The organisation's id (the user's first by default)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        email = str(options["email"]).strip().lower()
        user = User.objects.filter(email=email, is_active=True).first()
        if user is None:
            raise CommandError(f"No active user {email}.")
        membership: Membership | None
        if options["organisation"] is None:
            # As at a first log-in: a user without an organisation gets their own.
            membership = home_organisation(user)
        else:
            membership = (
                Membership.objects.filter(user=user, organisation_id=options["organisation"])
                .select_related("organisation")
                .first()
            )
        if membership is None:
            raise CommandError(
                f"{email} is not a member of organisation {options['organisation']}."
            )
        made = create_token(membership, options["name"])
        self.stderr.write(
            f"Token “{made.token.name}” for {email} in {membership.organisation.name} "
            f"({membership.role_label}). It is shown once: keep it now."
        )
        self.stdout.write(made.secret)
