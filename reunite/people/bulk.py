"""Registering many people at once (imports of lists): the same validation as the
one-by-one services, bulk inserts, and one audit event per batch naming counts only.

`bulk_validate` is pure (no queries): a caller checks every item first and refuses the
invalid ones with their field and reason, then hands the valid ones to `people_bulk_create`,
which saves them all or nothing in the caller's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date, datetime

from django.conf import settings
from django.db import connection, transaction
from django.utils.translation import gettext as _

from reunite.accounts.access import require
from reunite.accounts.models import Membership
from reunite.accounts.roles import Capability
from reunite.audit.events import EventType
from reunite.audit.services import record
from reunite.core.errors import Invalid
from reunite.people import search
from reunite.people.choices import FamilyRole, RecordKind
from reunite.people.identifiers import normalize_identifier
from reunite.people.models import (
    Consent,
    CustodyEvent,
    FamilyLink,
    Identifier,
    Person,
    SearchKey,
)
from reunite.people.services import (
    ConsentInput,
    CustodyInput,
    PersonInput,
    _years_after,
)
from reunite.people.signals import person_changed

# Foreign keys are set by the service itself, and public ids are fresh uuid4s: checking
# them would cost queries per person and prove nothing.
_NOT_CHECKED = ["organization", "created_by", "person", "relative", "recorded_by", "public_id"]


@dataclass
class BulkPerson:
    """One client with what a list says about them: identifiers as (kind, value), a
    custody entry, relatives as (PersonInput, relationship of the relative to the child)
    like `intake`, and a tracing consent."""

    data: PersonInput
    identifiers: list[tuple[str, str]] = field(default_factory=list)
    custody: CustodyInput | None = None
    relatives: list[tuple[PersonInput, str]] = field(default_factory=list)
    consent: ConsentInput | None = None


@dataclass
class Created:
    clients: list[Person]
    person_ids: list[int]  # the clients and the relatives they named


@dataclass
class _Valid:
    values: dict
    identifiers: list[tuple[str, str]]
    relatives: list[tuple[dict, str]]


def bulk_validate(item: BulkPerson) -> _Valid:
    """The cleaned values, or Invalid whose `code` names the field (no queries)."""
    values = item.data.cleaned()
    identifiers, seen = [], set()
    for kind, value in item.identifiers:
        try:
            canonical = normalize_identifier(kind, value)
        except Invalid as exc:
            raise Invalid(exc.message, code=kind) from exc
        if (kind, canonical) not in seen:
            seen.add((kind, canonical))
            identifiers.append((kind, canonical))
    custody = item.custody
    if (
        custody
        and custody.start_date
        and custody.end_date
        and custody.end_date < custody.start_date
    ):
        raise Invalid(_("Custody cannot end before it starts."), code="end_date")
    relatives = []
    for data, relationship in item.relatives:
        data.kind = RecordKind.DESCRIBED
        relatives.append((data.cleaned(), relationship))
    return _Valid(values, identifiers, relatives)


@transaction.atomic
def people_bulk_create(
    *,
    actor: Membership,
    items: list[BulkPerson],
    today: date,
    now: datetime,
    audit_data: dict | None = None,
    announce: bool = True,
) -> Created:
    """Register every item (raises Invalid on the first invalid one: validate first).
    Returns the clients, in the order given, and the ids of everyone made.

    With `announce`, person_changed is sent for each new person once the transaction
    commits, as the one-by-one services do. A caller registering thousands passes False
    and has their candidate searches run in batches instead (one queued task per batch
    rather than one per person: see reunite.interop.tasks)."""
    require(actor, Capability.EDIT_CLIENTS)
    valid = [bulk_validate(item) for item in items]
    retention = _years_after(today, settings.RETENTION_YEARS)

    def new_person(values: dict) -> Person:
        person = Person(
            organization=actor.organization,
            created_by=actor.user,
            retention_until=retention,
            **values,
        )
        person.full_clean(exclude=_NOT_CHECKED, validate_unique=False, validate_constraints=False)
        return person

    clients = Person.objects.bulk_create([new_person(v.values) for v in valid])
    relatives = [
        (client, new_person(values), rel)
        for client, v in zip(clients, valid, strict=True)
        for values, rel in v.relatives
    ]
    Person.objects.bulk_create([r for _client, r, _rel in relatives])
    links = []
    for client, relative, relationship in relatives:
        child, adult = (
            (client, relative) if client.family_role == FamilyRole.CHILD else (relative, client)
        )
        links.append(
            FamilyLink(
                organization=actor.organization,
                person=child,
                relative=adult,
                relationship=relationship,
                claimed_by="import",
            )
        )
    FamilyLink.objects.bulk_create(links)
    identifiers, custody, consents, keys = [], [], [], []
    for client, item, v in zip(clients, items, valid, strict=True):
        for kind, canonical in v.identifiers:
            identifiers.append(
                Identifier(
                    person=client,
                    kind=kind,
                    value=canonical,
                    lookup=search.identifier_digest(canonical),
                    source=(item.custody.source if item.custody else "")[:120],
                )
            )
        if item.custody is not None:
            event = CustodyEvent(
                person=client,
                **{f.name: getattr(item.custody, f.name) for f in fields(item.custody)},
            )
            event.full_clean(
                exclude=_NOT_CHECKED, validate_unique=False, validate_constraints=False
            )
            custody.append(event)
        if item.consent is not None:
            c = item.consent
            consents.append(
                Consent(
                    person=client,
                    scope=c.scope,
                    method=c.method,
                    language=c.language,
                    given_by=c.given_by.strip(),
                    recorded_by=actor.user,
                    recorded_at=now,
                )
            )
        digests = search.name_digests(
            [client.given_names, client.paternal_surname, client.maternal_surname]
        )
        digests |= {search.identifier_digest(canonical) for _kind, canonical in v.identifiers}
        keys += [(client, d) for d in sorted(digests)]
    for _client, relative, _rel in relatives:
        digests = search.name_digests(
            [relative.given_names, relative.paternal_surname, relative.maternal_surname]
        )
        keys += [(relative, d) for d in sorted(digests)]
    Identifier.objects.bulk_create(identifiers)
    CustodyEvent.objects.bulk_create(custody)
    Consent.objects.bulk_create(consents)
    _insert_search_keys(keys)
    record(
        event_type=EventType.PEOPLE_IMPORTED,
        actor=actor.user,
        organization=actor.organization,
        data={
            **(audit_data or {}),
            "people": len(clients),
            "relatives": len(relatives),
            "identifiers": len(identifiers),
            "custody": len(custody),
            "consents": len(consents),
        },
    )
    ids = [p.pk for p in clients] + [r.pk for _client, r, _rel in relatives]
    if announce:
        transaction.on_commit(lambda: _announce(ids))
    return Created(clients=clients, person_ids=ids)


def _announce(ids: list[int]) -> None:
    for pk in ids:
        person_changed.send(sender=Person, person_id=pk)


def _insert_search_keys(keys: list[tuple[Person, str]]) -> None:
    """Ten or so keys per person: one executemany instead of the ORM's per-object work
    (the values are blind-index digests, already computed; nothing to validate)."""
    table = SearchKey._meta.db_table
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} (person_id, digest) VALUES (%s, %s)",  # noqa: S608 - our table name
            [(person.pk, digest) for person, digest in keys],
        )
