"""The fault suite's hands inside the portal: one command per process, run as

    python -m faults.agent COMMAND '{"json": "arguments"}'

with the environment of the server under test (DATABASE_URL, DATA_KEYS, ...). It sets
up data through the portal's own services and reads results back through its models,
and prints one JSON line. The suite itself never imports Django's database layer: every
check that needs the portal's code runs in a process of its own, like the server does.

All names here are synthetic.
"""

from __future__ import annotations

import datetime
import json
import os
import sys
import time
import uuid

# The synthetic values every leak check looks for: in a database dump, a backup, a log or
# a response that must not show them, none of them may appear in the clear.
MARKERS = ("Ixchelvina", "Quetzarrubio", "Tzunumalda", "Yaxkintora")
PASSWORD = "Fault-suite synthetic 2026!"


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def _member(org, email: str, name: str, role: str, *, verified: bool = False) -> dict:
    from allauth.account.models import EmailAddress
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
    from django.utils import timezone

    from reunite.accounts.models import Membership, User

    user = User.objects.create_user(email=email, password=PASSWORD, full_name=name)
    EmailAddress.objects.create(user=user, email=email, primary=True, verified=True)
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    membership = Membership.objects.create(user=user, organization=org, role=role)
    if verified:
        membership.bar_number, membership.bar_state = "123456", "TX"
        membership.attorney_verified_at = timezone.now()
        membership.save()
    return {"email": email, "totp": secret}


def seed(people: int = 3) -> dict:
    """An organisation, its cast (attorney, legal assistant, two finance officers), and
    `people` clients whose names carry the leak markers."""
    from reunite.accounts.models import Organization
    from reunite.accounts.roles import Role
    from reunite.people.services import PersonInput, person_create

    org = Organization.objects.create(name="Fault Suite Legal Aid (synthetic)")
    cast = {
        "alice": _member(org, "alice@faults.example.org", "Alice Attorney", Role.ATTORNEY, verified=True),
        "bob": _member(org, "bob@faults.example.org", "Bob Paralegal", Role.LEGAL_ASSISTANT),
        "fiona": _member(org, "fiona@faults.example.org", "Fiona Finance", Role.FINANCE_OFFICER),
        "felix": _member(org, "felix@faults.example.org", "Felix Finance", Role.FINANCE_OFFICER),
    }  # fmt: skip
    actor = org.memberships.get(role=Role.ATTORNEY)
    ids = []
    for n in range(people):
        person = person_create(
            actor=actor,
            data=PersonInput(
                family_role="parent",
                given_names=f"{MARKERS[n % 2]} Rosa",
                paternal_surname=MARKERS[2],
                maternal_surname=MARKERS[3],
                birth_date="1990-05-17",
                country_of_birth="GT",
                notes=f"Synthetic fault-suite client {n}",
            ),
            today=datetime.date(2026, 1, 1),
        )
        ids.append(str(person.public_id))
    return {"cast": cast, "people": ids, "password": PASSWORD, "org": str(org.public_id)}


def _membership(email: str):
    from reunite.accounts.models import Membership

    return Membership.objects.select_related("user", "organization").get(user__email=email)


def token(email: str) -> dict:
    """A personal API token (read, write) for `email`; the plaintext is shown once."""
    from django.utils import timezone

    from reunite.api.services import token_create

    new = token_create(
        actor=_membership(email), name="fault suite", scopes=["read", "write"], days=1,
        now=timezone.now(),
    )  # fmt: skip
    return {"token": new.plaintext}


def registry_csv(rows: int, path: str) -> dict:
    """A synthetic parents list of `rows` rows (every fourth one carries a marker)."""
    import csv

    with open(path, "w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(["id", "given_names", "paternal_surname", "maternal_surname", "date_of_birth", "country_of_birth"])  # fmt: skip
        for n in range(rows):
            surname = MARKERS[2] if n % 4 == 0 else f"Apellido{n % 97}"
            out.writerow([f"F{n:06d}", f"Nombre{n % 89} Maria", surname, f"Segundo{n % 83}", f"{1970 + n % 40}-{1 + n % 12:02d}-{1 + n % 28:02d}", "HN"])  # fmt: skip
    return {"path": path, "rows": rows}


def import_file(email: str, path: str, run: bool = True, enqueue: bool = False) -> dict:
    """Upload a list and start it: run it here and now (`run`), or queue it for a
    db_worker (`enqueue`)."""
    from django.utils import timezone

    from reunite.interop.services import import_run, import_start, import_upload

    actor = _membership(email)
    with open(path, "rb") as handle:
        job = import_upload(actor=actor, file_name=os.path.basename(path), data=handle.read())
    mapping = {c: c for c in job.columns if c != "id"}
    job = import_start(
        actor=actor, job=job, kind="parents", mapping=mapping, source_name="fault suite",
        enqueue=enqueue,
    )  # fmt: skip
    if run and not enqueue:
        job = import_run(job_id=job.pk, now=timezone.now)
    return {"job": job.pk, "status": job.status, "total": job.total_rows}


def import_resume(email: str, job: int) -> dict:
    from reunite.interop.models import ImportJob
    from reunite.interop.services import import_resume as resume

    resumed = resume(actor=_membership(email), job=ImportJob.objects.get(pk=job))
    return {"job": resumed.pk, "status": resumed.status}


def import_state(job: int) -> dict:
    """The job's counters, and what the registry holds for it."""
    from django.db.models import Count

    from reunite.interop.models import ImportedRecord, ImportJob
    from reunite.people.models import Person

    j = ImportJob.objects.get(pk=job)
    records = ImportedRecord.objects.filter(source=j.source)
    duplicated = records.values("row_key").annotate(n=Count("id")).filter(n__gt=1).count()
    return {
        "status": j.status,
        "processed": j.processed_rows,
        "created": j.created_count,
        "rejected": j.rejected_count,
        "total": j.total_rows,
        "records": records.count(),
        "distinct_people": records.values("person").distinct().count(),
        "duplicated_keys": duplicated,
        "people": Person.objects.filter(organization=j.organization).count(),
    }


def open_people() -> dict:
    """Open every sealed value of every person with the DATA_KEYS of this process: how
    many opened, how many refused (a key missing from the ring), and the names seen."""
    from reunite.core.crypto import DecryptionError
    from reunite.people.models import Person

    opened, refused, markers = 0, 0, 0
    for pk in Person.objects.order_by("pk").values_list("pk", flat=True):
        try:
            person = Person.objects.get(pk=pk)
        except DecryptionError:
            refused += 1
            continue
        opened += 1
        markers += any(m in person.paternal_surname for m in MARKERS)
    return {"opened": opened, "refused": refused, "with_marker": markers}


def search_people(email: str, every: int = 10) -> dict:
    """Search for every `every`-th person of `email`'s organisation by their given names
    and surnames, as `email` would (blind indexes, with the ring of this process): how
    many were looked for, and how many of them came back first (an exact match)."""
    from reunite.people import selectors
    from reunite.people.models import Person

    actor = _membership(email)
    people = Person.objects.filter(organization=actor.organization, deleted_at__isnull=True)
    searched = found = 0
    for person in list(people.order_by("pk"))[::every]:
        query = " ".join(
            (person.given_names, person.paternal_surname, person.maternal_surname)
        ).strip()
        if not query:
            continue
        searched += 1
        ranked = selectors.person_list(actor=actor, query=query)
        found += ranked.exact.filter(pk=person.pk).exists()
    return {"searched": searched, "found": found}


def funds_setup(amount_cents: int = 300_000, threshold: int = 100_000) -> dict:
    """Money in the bond fund and one disbursement that needs two approvals."""
    from django.conf import settings
    from django.utils import timezone

    from reunite.funds import services
    from reunite.funds.models import DonorKind, Fund

    settings.SECOND_APPROVAL_CENTS = threshold
    fiona = _membership("fiona@faults.example.org")
    donor = services.donor_create(actor=fiona, kind=DonorKind.INDIVIDUAL, name="Donante Sintetica")
    gift = services.gift_record(
        actor=fiona, donor=donor, amount_cents=1_000_000, fund=Fund.BOND,
        received_on=datetime.date.today(),
    )  # fmt: skip
    services.gift_accept(actor=fiona, gift=gift, now=timezone.now())
    disbursement = services.disbursement_request(
        actor=_membership("alice@faults.example.org"), case_id=uuid.uuid4(), kind="bond",
        amount_cents=amount_cents, fund=Fund.BOND, person_id=uuid.uuid4(),
    )  # fmt: skip
    return {"disbursement": str(disbursement.public_id)}


def funds_act(action: str, email: str, disbursement: str, start_at: float) -> dict:
    """Approve or pay at the agreed moment (processes started apart act together)."""
    from django.utils import timezone

    from reunite.core.errors import ReuniteError
    from reunite.funds import services
    from reunite.funds.models import Disbursement

    actor = _membership(email)
    item = Disbursement.objects.get(public_id=disbursement)
    time.sleep(max(0.0, start_at - time.time()))
    try:
        if action == "approve":
            services.disbursement_approve(actor=actor, disbursement=item, now=timezone.now())
        else:
            services.disbursement_pay(
                actor=actor, disbursement=item, paid_on=datetime.date.today(), now=timezone.now()
            )
    except ReuniteError as exc:
        return {"outcome": type(exc).__name__, "code": exc.code}
    return {"outcome": "ok"}


def funds_state(disbursement: str) -> dict:
    from reunite.audit.events import EventType
    from reunite.audit.models import AuditEvent
    from reunite.audit.services import verify
    from reunite.funds import selectors
    from reunite.funds.models import Approval, Disbursement, Transaction

    item = Disbursement.objects.get(public_id=disbursement)
    fiona = _membership("fiona@faults.example.org")
    chain = verify()
    return {
        "status": item.status,
        "approvals": Approval.objects.filter(disbursement=item).count(),
        "payments": Transaction.objects.filter(kind="payment").count(),
        "paid_events": AuditEvent.objects.filter(event_type=EventType.DISBURSEMENT_PAID).count(),
        "reconciled": selectors.ledger_reconcile(actor=fiona).ok,
        "audit_chain_ok": chain.ok,
        "audit_pending": chain.pending,  # committed, not yet sealed into the chain
    }


def person_state(public_id: str) -> dict:
    from reunite.audit.events import EventType
    from reunite.audit.models import AuditEvent
    from reunite.people.models import Person

    person = Person.objects.get(public_id=public_id)
    return {
        "given_names": person.given_names,
        "notes": person.notes,
        "place_of_birth": person.place_of_birth,
        "updated_events": AuditEvent.objects.filter(
            event_type=EventType.PERSON_UPDATED, target_id=str(person.public_id)
        ).count(),
    }


def counts() -> dict:
    """Rows per table that a request could have left half-written."""
    from django.db.models import Count

    from reunite.audit.events import EventType
    from reunite.audit.models import AuditEvent
    from reunite.audit.services import verify
    from reunite.people.models import Person, SearchKey

    chain = verify()
    return {
        "people": Person.objects.count(),
        "people_without_keys": Person.objects.annotate(k=Count("search_keys")).filter(k=0).count(),
        "search_keys": SearchKey.objects.count(),
        "created_events": AuditEvent.objects.filter(event_type=EventType.PERSON_CREATED).count(),
        "audit_chain_ok": chain.ok,
        "audit_pending": chain.pending,  # committed, not yet sealed into the chain
        "audit_sealed": chain.checked,
    }


COMMANDS = {
    f.__name__: f
    for f in (
        seed, token, registry_csv, import_file, import_resume, import_state, open_people,
        search_people, funds_setup, funds_act, funds_state, person_state, counts,
    )
}  # fmt: skip


def main(argv: list[str]) -> None:
    _setup()
    command, arguments = argv[1], json.loads(argv[2]) if len(argv) > 2 else {}
    result = COMMANDS[command](**arguments)
    sys.stdout.write("\n" + json.dumps(result) + "\n")


if __name__ == "__main__":
    main(sys.argv)
