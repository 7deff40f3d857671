"""Every user who can log in gets an organisation named after them, which they own.

Users waiting for their sign-up to be confirmed get theirs when they first log in.
"""

from typing import Any

from django.db import migrations


def make_home_organisations(apps: Any, schema_editor: Any) -> None:
    User = apps.get_model("accounts", "User")
    Organisation = apps.get_model("orgs", "Organisation")
    Membership = apps.get_model("orgs", "Membership")
    members = Membership.objects.values("user_id")
    users = User.objects.filter(signup_pending=False).exclude(pk__in=members).order_by("pk")
    for user in users.only("pk", "email", "date_joined").iterator(chunk_size=500):
        organisation = Organisation.objects.create(name=user.email, created_at=user.date_joined)
        Membership.objects.create(
            organisation=organisation, user_id=user.pk, role="owner", created_at=user.date_joined
        )


class Migration(migrations.Migration):
    # It reads who is still waiting for their sign-up to be confirmed (``signup_pending``).
    dependencies = [("orgs", "0001_initial"), ("accounts", "0002_throttling_and_pending_signups")]

    operations = [migrations.RunPython(make_home_organisations, migrations.RunPython.noop)]

    reviewed = (
        "inserts into this release's own new tables only; the previous release never reads them"
    )
