"""`reunite org create NAME --admin EMAIL`: bootstrap an organisation and invite its
first admin (there is no open sign-up)."""

from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse
from django.utils import timezone

from reunite.accounts import services
from reunite.accounts.roles import Role
from reunite.core.errors import ReuniteError


class Command(BaseCommand):
    help = "Create an organisation and email an invitation to its first admin."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="create an organisation")
        create.add_argument("name")
        create.add_argument("--admin", required=True, metavar="EMAIL", help="first admin's email")
        create.add_argument(
            "--base-url", default="http://127.0.0.1:8000", help="the portal's public address"
        )

    def handle(self, *args, action, name, admin, base_url, **options):
        try:
            organization = services.organization_create(name=name)
            services.invitation_issue(
                organization=organization,
                email=admin,
                role=Role.ORG_ADMIN,
                now=timezone.now(),
                accept_url=lambda t: (
                    base_url.rstrip("/")
                    + reverse("accounts:invitation_accept", kwargs={"token": t})
                ),
            )
        except ReuniteError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(
            self.style.SUCCESS(f"Created {organization.name}; invitation emailed to {admin}.")
        )
