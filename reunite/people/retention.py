"""Retention as code: soft delete with a restore window, a scheduled purge, and the one
wipe function that knows every field holding personal data.

PII_FIELDS and NOT_PII classify every concrete field of every registry model; a test
fails when a new field is in neither, so nothing personal can escape the wipe unnoticed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from reunite.accounts.access import require
from reunite.accounts.models import Membership
from reunite.accounts.roles import Capability
from reunite.audit.events import EventType
from reunite.audit.services import record
from reunite.core.errors import Conflict, NotFound
from reunite.people.models import (
    Consent,
    ContactChannel,
    CustodyEvent,
    FamilyLink,
    Identifier,
    Person,
    PersonName,
    PersonShare,
    SearchKey,
    Separation,
    SeparationMember,
)

# Fields that identify or locate a person: blanked (or their rows deleted) by the wipe.
PII_FIELDS: dict[type, tuple[str, ...]] = {
    Person: (
        "given_names",
        "paternal_surname",
        "maternal_surname",
        "birth_date",
        "approximate_age",
        "country_of_birth",
        "place_of_birth",
        "languages",
        "notes",
        "sex",
        "needs_interpreter",
    ),
    PersonName: ("given_names", "family_names", "source"),
    Identifier: ("value", "lookup", "issuing_country"),
    CustodyEvent: ("facility", "city", "state", "country"),
    ContactChannel: ("value", "holder"),
    Consent: ("given_by",),
    Separation: ("place", "reason_detail", "reported_by"),
    SearchKey: ("digest",),
}
# Everything else, named on purpose: ids, timestamps, codes, owners.
_BOOKKEEPING = ("id", "public_id", "created_at", "updated_at")
NOT_PII: dict[type, tuple[str, ...]] = {
    Person: (
        *_BOOKKEEPING, "organization", "kind", "family_role", "created_by",
        "retention_until", "deleted_at", "purged_at",
    ),
    PersonName: (*_BOOKKEEPING, "person", "kind"),
    Identifier: (*_BOOKKEEPING, "person", "kind", "source"),
    CustodyEvent: (*_BOOKKEEPING, "person", "kind", "start_date", "end_date", "source", "last_verified_on"),
    ContactChannel: (*_BOOKKEEPING, "person", "kind", "safe_to_contact"),
    Consent: (
        *_BOOKKEEPING, "person", "scope", "method", "language", "recorded_by", "recorded_at",
        "withdrawn_at", "withdrawn_by",
    ),
    Separation: (*_BOOKKEEPING, "organization", "occurred_on", "agency", "reason"),
    SeparationMember: ("id", "separation", "person", "is_child"),
    FamilyLink: (
        *_BOOKKEEPING, "organization", "person", "relative", "relationship", "status",
        "claimed_by", "verified_by", "verified_at",
    ),
    PersonShare: (*_BOOKKEEPING, "person", "organization", "level", "granted_by", "revoked_at", "revoked_by"),
    SearchKey: ("id", "person"),
}


# The parts of the wipe that belong to the layers above (tracing, cases...), see register().
_DEPENDENT_WIPES: list[Callable[[Person], None]] = []


def register(
    model: type,
    *,
    pii: tuple[str, ...] = (),
    not_pii: tuple[str, ...] = (),
    wipe: Callable[[Person], None] | None = None,
) -> None:
    """Declare a model of a layer above that holds data about a person, and that layer's
    part of the wipe (called inside person_wipe's transaction).

    The registry cannot import the layers above it, so each of those apps does this in its
    own `retention` module, which PeopleConfig.ready() imports (like admin autodiscovery).
    The wipe-coverage test then holds their fields to the same rule as the registry's."""
    PII_FIELDS[model] = tuple(pii)
    NOT_PII[model] = tuple(not_pii)
    if wipe is not None and wipe not in _DEPENDENT_WIPES:
        _DEPENDENT_WIPES.append(wipe)


def _blank(model: type, name: str):
    model_field = model._meta.get_field(name)
    if model_field.get_internal_type() == "BooleanField":
        return False
    if name == "sex":
        return "U"
    return None if model_field.null else ""


@transaction.atomic
def person_wipe(*, person: Person, now: datetime) -> None:
    """Blank every personal field of the person and delete the rows that only describe
    them; keep a tombstone (public id, owner, role, dates) so that counts and the audit
    trail still add up."""
    person = Person.objects.select_for_update().get(pk=person.pk)
    for name in PII_FIELDS[Person]:
        setattr(person, name, _blank(Person, name))
    person.purged_at = now
    person.save()
    for model in (PersonName, Identifier, CustodyEvent, ContactChannel, SearchKey):
        model.objects.filter(person=person).delete()
    Consent.objects.filter(person=person).update(given_by="")
    FamilyLink.objects.filter(person=person).delete()
    FamilyLink.objects.filter(relative=person).delete()
    PersonShare.objects.filter(person=person).delete()
    for separation in Separation.objects.filter(members__person=person):
        if not separation.members.filter(person__purged_at__isnull=True).exists():
            for name in PII_FIELDS[Separation]:
                setattr(separation, name, "")
            separation.save()
    for wipe in _DEPENDENT_WIPES:
        wipe(person)
    record(event_type=EventType.PERSON_PURGED, organization=person.organization, target=person)


@transaction.atomic
def person_delete(*, actor: Membership, person: Person, now: datetime) -> Person:
    """Soft delete: hidden from lists and shares, restorable for the restore window."""
    require(actor, Capability.EDIT_CLIENTS)
    if person.organization_id != actor.organization_id:
        raise NotFound()
    if person.deleted_at is not None:
        raise Conflict(_("This record is already deleted."))
    person.deleted_at = now
    person.save(update_fields=["deleted_at", "updated_at"])
    record(event_type=EventType.PERSON_DELETED, actor=actor.user, organization=actor.organization, target=person)
    return person


@transaction.atomic
def person_restore(*, actor: Membership, person: Person, now: datetime) -> Person:
    require(actor, Capability.EDIT_CLIENTS)
    if person.organization_id != actor.organization_id or person.purged_at is not None:
        raise NotFound()
    if person.deleted_at is None:
        raise Conflict(_("This record is not deleted."))
    if now - person.deleted_at > timedelta(days=settings.RESTORE_WINDOW_DAYS):
        raise Conflict(_("The restore window has passed."))
    person.deleted_at = None
    person.save(update_fields=["deleted_at", "updated_at"])
    record(event_type=EventType.PERSON_RESTORED, actor=actor.user, organization=actor.organization, target=person)
    return person


@dataclass(frozen=True)
class PurgeResult:
    expired: int  # past retention: soft-deleted, restore window opened
    wiped: int  # deleted longer than the restore window: wiped


def purge_due(*, today: date, now: datetime) -> PurgeResult:
    """The scheduled purge: expire records past retention, wipe those deleted long ago."""
    expired = 0
    for person in Person.objects.filter(retention_until__lt=today, deleted_at__isnull=True, purged_at__isnull=True):
        with transaction.atomic():
            person.deleted_at = now
            person.save(update_fields=["deleted_at", "updated_at"])
            record(event_type=EventType.PERSON_DELETED, organization=person.organization, target=person, data={"reason": "retention"})
        expired += 1
    cutoff = now - timedelta(days=settings.RESTORE_WINDOW_DAYS)
    due = Person.objects.filter(deleted_at__lte=cutoff, purged_at__isnull=True)
    wiped = 0
    for person in due.iterator():
        person_wipe(person=person, now=now)
        wiped += 1
    return PurgeResult(expired=expired, wiped=wiped)
