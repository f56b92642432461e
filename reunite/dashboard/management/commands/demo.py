"""Synthetic demo organisations, staff and families for `make run`: never real people."""

from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from reunite.accounts import services
from reunite.accounts.models import Membership, Organization, User
from reunite.accounts.roles import Role
from reunite.dashboard.demo import load_demo_cases, load_demo_money
from reunite.people.demo import load_demo_families

DEMO_FAMILIES = 12
DEMO_PASSWORD = "demo-Reunite-2026!"  # noqa: S105  (public, printed: demo accounts only)
# Fixed, public TOTP secrets: demo accounts only, so that a newcomer can add them to an
# authenticator app once and keep signing in after a reset.
DEMO_STAFF = [
    (
        "Border Legal Aid (demo)",
        "ada@demo.reunite.test",
        "Ada Okafor",
        Role.ORG_ADMIN,
        "JBSWY3DPEHPK3PXPADAOKAFORDEMO222",
    ),
    (
        "Border Legal Aid (demo)",
        "alice@demo.reunite.test",
        "Alice Moreno",
        Role.ATTORNEY,
        "JBSWY3DPEHPK3PXPALICEMORENODEMOA",
    ),
    (
        "Border Legal Aid (demo)",
        "bob@demo.reunite.test",
        "Bob Tran",
        Role.LEGAL_ASSISTANT,
        "JBSWY3DPEHPK3PXPBOBTRANDEMO2222A",
    ),
    (
        "Border Legal Aid (demo)",
        "dana@demo.reunite.test",
        "Dana Kowalski",
        Role.AUDITOR,
        "JBSWY3DPEHPK3PXPDANAKOWALSKIDEMA",
    ),
    (
        "Border Legal Aid (demo)",
        "farah@demo.reunite.test",
        "Farah Mensah",
        Role.FINANCE_OFFICER,
        "JBSWY3DPEHPK3PXPFARAHMENSAHDEMOA",
    ),
    (
        "Familias Unidas Counsel (demo)",
        "charlie@demo.reunite.test",
        "Charlie Nguyen",
        Role.ATTORNEY,
        "JBSWY3DPEHPK3PXPCHARLIENGUYENDEA",
    ),
    (
        "Familias Unidas Counsel (demo)",
        "fiona@demo.reunite.test",
        "Fiona Castillo",
        Role.FINANCE_OFFICER,
        "JBSWY3DPEHPK3PXPFIONACASTILLODEA",
    ),
]


def current_code(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(timezone.now().timestamp()) // 30))


class Command(BaseCommand):
    help = "Load synthetic demo data when the database is empty; print the demo logins."

    def add_arguments(self, parser):
        parser.add_argument("--logins", action="store_true", help="only print the logins")
        parser.add_argument(
            "--code", metavar="EMAIL", help="print the current TOTP code of a demo user"
        )

    def handle(self, *args, logins=False, code=None, **options):
        if code:
            secrets = {email: secret for _, email, _, _, secret in DEMO_STAFF}
            if code not in secrets:
                raise CommandError(f"{code} is not a demo user.")
            self.stdout.write(current_code(secrets[code]))
            return
        if not logins:
            if User.objects.exists():
                self.stdout.write("Database already has users: demo data not loaded.")
            else:
                people = self._load()
                self.stdout.write(self.style.SUCCESS(f"Demo data loaded: {people} people."))
        self._print_logins()

    @transaction.atomic
    def _load(self):
        organizations: dict[str, Organization] = {}
        attorneys: dict[str, Membership] = {}
        for org_name, email, name, role, secret in DEMO_STAFF:
            if org_name not in organizations:
                organizations[org_name] = services.organization_create(name=org_name)
            user = User.objects.create_user(email=email, password=DEMO_PASSWORD, full_name=name)
            user.emailaddress_set.create(email=email, primary=True, verified=True)
            TOTP.activate(user, secret)
            membership = services.membership_create(
                organization=organizations[org_name], user=user, role=role
            )
            if role == Role.ATTORNEY:
                membership.bar_number, membership.bar_state = f"DEMO{membership.pk:04d}", "TX"
                membership.attorney_verified_at = timezone.now()
                membership.save()
                attorneys[org_name] = membership
        first, second = (attorneys[name] for name in organizations)
        now = timezone.now()
        people = load_demo_families(
            parents_org=first,
            children_org=second,
            families=DEMO_FAMILIES,
            today=now.date(),
            now=now,
        )
        assistant = User.objects.get(email="bob@demo.reunite.test")
        load_demo_cases(actor=first, assistant=assistant, now=now)
        finance = Membership.objects.get(user__email="farah@demo.reunite.test")
        load_demo_money(attorney=first, finance=finance, now=now)
        return people

    def _print_logins(self):
        self.stdout.write(f"\nDemo logins (synthetic; password for all: {DEMO_PASSWORD})")
        self.stdout.write("Add the TOTP secret to an authenticator app, or run")
        self.stdout.write("  .venv/bin/reunite demo --code EMAIL   to print the current code.\n")
        for membership in Membership.objects.select_related("user", "organization").filter(
            user__email__endswith="@demo.reunite.test"
        ):
            secret = next(s for _, e, _, _, s in DEMO_STAFF if e == membership.user.email)
            self.stdout.write(
                f"  {membership.user.email:<28} {membership.get_role_display():<20} "
                f"{membership.organization.name:<32} TOTP secret {secret}"
            )
