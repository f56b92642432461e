"""Business rules of the registry. Every change is one transaction with one audit event
that names the fields touched, never their values."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, fields
from datetime import date, datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from reunite.accounts.access import require
from reunite.accounts.models import Membership, Organization
from reunite.accounts.roles import Capability
from reunite.audit.events import EventType
from reunite.audit.services import record
from reunite.core.errors import Conflict, Invalid, NotFound
from reunite.matching.errors import InvalidDate
from reunite.matching.normalize import normalize_country
from reunite.matching.record import PartialDate
from reunite.people import search
from reunite.people.access import access_person, is_owner
from reunite.people.choices import FamilyRole, LinkStatus, RecordKind, Relationship, Sex
from reunite.people.identifiers import normalize_identifier
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
from reunite.people.signals import person_changed

_AGE = re.compile(r"^\s*(\d{1,2})\s*(?:-\s*(\d{1,2}))?\s*$")


@dataclass
class PersonInput:
    """What an intake form or an import says about a person."""

    family_role: str
    kind: str = RecordKind.CLIENT
    given_names: str = ""
    paternal_surname: str = ""
    maternal_surname: str = ""
    sex: str = Sex.UNKNOWN
    birth_date: str = ""
    approximate_age: str = ""
    country_of_birth: str = ""
    place_of_birth: str = ""
    languages: list[str] = field(default_factory=list)
    needs_interpreter: bool = False
    notes: str = ""

    def cleaned(self) -> dict:
        """The model field values, validated (raises Invalid naming the field)."""
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        for name in (
            "given_names",
            "paternal_surname",
            "maternal_surname",
            "place_of_birth",
            "notes",
        ):
            values[name] = " ".join(values[name].split())
        if not (values["given_names"] or values["paternal_surname"] or values["maternal_surname"]):
            raise Invalid(_("Give at least one name."), code="given_names")
        if values["birth_date"]:
            try:
                values["birth_date"] = PartialDate.parse(values["birth_date"]).isoformat()
            except InvalidDate as exc:
                raise Invalid(
                    _("Date of birth: use YYYY-MM-DD, YYYY-MM or YYYY (%(reason)s).")
                    % {"reason": exc.reason},
                    code="birth_date",
                ) from exc
        if values["approximate_age"]:
            match = _AGE.match(values["approximate_age"])
            if not match or (match[2] and int(match[2]) < int(match[1])):
                raise Invalid(
                    _("Approximate age: a number of years, or a range like 5-7."),
                    code="approximate_age",
                )
            values["approximate_age"] = match[1] if not match[2] else f"{match[1]}-{match[2]}"
        values["country_of_birth"] = (
            normalize_country(values["country_of_birth"]) if values["country_of_birth"] else ""
        )
        values["languages"] = ",".join(sorted(set(values["languages"])))
        return values


@dataclass
class CustodyInput:
    kind: str
    facility: str = ""
    city: str = ""
    state: str = ""
    country: str = ""
    start_date: date | None = None
    end_date: date | None = None
    source: str = ""
    last_verified_on: date | None = None


@dataclass
class SeparationInput:
    occurred_on: date | None = None
    place: str = ""
    agency: str = ""
    reason: str = ""
    reason_detail: str = ""
    reported_by: str = ""


@dataclass
class ConsentInput:
    scope: str
    method: str
    language: str
    given_by: str = ""


def _require_writable(actor: Membership, person: Person) -> None:
    """Invariants twice: the view's gate already ran; the service checks again. A deleted
    record is read-only until it is restored."""
    person = access_person(actor=actor, public_id=person.public_id, write=True)
    if person.deleted_at is not None:
        raise Conflict(_("This record is deleted: restore it before changing it."))


def search_keys_of(person: Person) -> set[str]:
    """The person's blind-index search keys (current key) from every name and identifier."""
    names = [person.given_names, person.paternal_surname, person.maternal_surname]
    for other in person.other_names.all():
        names += [other.given_names, other.family_names]
    digests = search.name_digests(names)
    digests |= {search.identifier_digest(i.value) for i in person.identifiers.all()}
    return digests


@transaction.atomic
def refresh_search_keys(person: Person) -> None:
    """Rebuild the person's blind-index search keys from every name and identifier.

    The person's row is locked first: two changes to one person (a name here, a number
    there, or the blind-index rotation) would otherwise each rebuild from what they see,
    and the second insert would clash with the first's keys, or miss its name."""
    Person.objects.select_for_update().filter(pk=person.pk).exists()
    digests = search_keys_of(person)
    SearchKey.objects.filter(person=person).delete()
    SearchKey.objects.bulk_create(SearchKey(person=person, digest=d) for d in sorted(digests))


class _Announcement:
    """The on-commit callback that tells listeners (matching) a person changed."""

    def __init__(self, person_id: int):
        self.person_id = person_id

    def __call__(self) -> None:
        person_changed.send(sender=Person, person_id=self.person_id)


def _announce(person: Person, *, rekey: bool = True) -> None:
    """Rebuild the search keys now; tell listeners once the change commits, once per
    person however many changes the transaction holds (an intake makes several).
    Savepoints nest, so a callback already waiting is never dropped while this one lives."""
    if rekey:
        refresh_search_keys(person)
    waiting = transaction.get_connection().run_on_commit
    if any(
        isinstance(hook, _Announcement) and hook.person_id == person.pk for _, hook, _ in waiting
    ):
        return
    transaction.on_commit(_Announcement(person.pk))


def _changed(before: dict, after: dict) -> list[str]:
    return sorted(name for name, value in after.items() if before.get(name) != value)


def _years_after(day: date, years: int) -> date:
    """The same day `years` later; 29 February becomes 28 February in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


@transaction.atomic
def person_create(*, actor: Membership, data: PersonInput, today: date) -> Person:
    require(actor, Capability.EDIT_CLIENTS)
    values = data.cleaned()
    person = Person(
        organization=actor.organization,
        created_by=actor.user,
        retention_until=_years_after(today, settings.RETENTION_YEARS),
        **values,
    )
    person.full_clean()
    person.save()
    _announce(person)
    record(
        event_type=EventType.PERSON_CREATED,
        actor=actor.user,
        organization=actor.organization,
        target=person,
        fields=[name for name, value in values.items() if value not in ("", False)],
    )
    return person


def field_digest(name: str, value) -> str:
    """A short digest of one stored field value: what an edit page remembers of the
    values it showed, without carrying them a second time."""
    return hashlib.sha256(f"{name}\x00{value}".encode()).hexdigest()[:16]


@transaction.atomic
def person_update(
    *,
    actor: Membership,
    person: Person,
    data: PersonInput,
    only: Collection[str] | None = None,
    seen: Mapping[str, str] | None = None,
) -> list[str]:
    """Change the person's own fields; returns the names of the fields that changed.

    No lost update: a change someone else committed after the caller read the person is
    never overwritten with the stale value. `only` names the fields a partial update
    (the API's PATCH) changes; the others keep what the locked row holds. `seen` (an
    edit page) holds the `field_digest` of each value the editor was shown: only the
    fields the editor changed are written, and Conflict is raised if someone else
    changed one of those same fields meanwhile."""
    _require_writable(actor, person)
    person = Person.objects.select_for_update().get(pk=person.pk)
    values = data.cleaned()
    if only is not None:
        values = {name: value for name, value in values.items() if name in only}
    if seen is not None:
        values = {n: v for n, v in values.items() if field_digest(n, v) != seen.get(n)}
        if any(
            field_digest(n, getattr(person, n)) != seen.get(n) and getattr(person, n) != v
            for n, v in values.items()
        ):
            raise Conflict(
                _(
                    "Someone else saved a change to this record while you were editing it. "
                    "Reload the page to see it, then make your change again."
                ),
                code="stale",
            )
    changed = _changed({name: getattr(person, name) for name in values}, values)
    if not changed:
        return []
    for name in changed:
        setattr(person, name, values[name])
    person.full_clean()
    person.save()
    _announce(person)
    record(
        event_type=EventType.PERSON_UPDATED,
        actor=actor.user,
        organization=actor.organization,
        target=person,
        fields=changed,
    )
    return changed


@transaction.atomic
def name_add(
    *,
    actor: Membership,
    person: Person,
    kind: str,
    given_names: str,
    family_names: str,
    source: str = "",
) -> PersonName:
    _require_writable(actor, person)
    if not (given_names.strip() or family_names.strip()):
        raise Invalid(_("Give the name as it was recorded."))
    name = PersonName(
        person=person,
        kind=kind,
        given_names=" ".join(given_names.split()),
        family_names=" ".join(family_names.split()),
        source=source.strip(),
    )
    name.full_clean()
    name.save()
    _announce(person)
    record(
        event_type=EventType.NAME_ADDED,
        actor=actor.user,
        organization=actor.organization,
        target=person,
        fields=["other_names"],
        data={"kind": kind},
    )
    return name


@transaction.atomic
def identifier_add(
    *,
    actor: Membership,
    person: Person,
    kind: str,
    value: str,
    issuing_country: str = "",
    source: str = "",
) -> Identifier:
    _require_writable(actor, person)
    canonical = normalize_identifier(kind, value)
    identifier = Identifier(
        person=person,
        kind=kind,
        value=canonical,
        lookup=search.identifier_digest(canonical),
        issuing_country=issuing_country.upper()[:2],
        source=source.strip(),
    )
    identifier.full_clean(validate_constraints=False)
    # The constraint below compares digests: during a blind-index rotation the same value
    # may still be stored under the older key, which only a lookup under every key sees.
    lookups = search.identifier_lookups(canonical)
    if person.identifiers.filter(kind=kind, lookup__in=lookups).exists():
        raise Conflict(_("This person already has this identifier."))
    try:
        with transaction.atomic():
            identifier.save()
    except IntegrityError as exc:
        raise Conflict(_("This person already has this identifier.")) from exc
    _announce(person)
    record(
        event_type=EventType.IDENTIFIER_ADDED,
        actor=actor.user,
        organization=actor.organization,
        target=person,
        fields=["identifiers"],
        data={"kind": kind},
    )
    return identifier


@transaction.atomic
def custody_record(*, actor: Membership, person: Person, data: CustodyInput) -> CustodyEvent:
    _require_writable(actor, person)
    if data.start_date and data.end_date and data.end_date < data.start_date:
        raise Invalid(_("Custody cannot end before it starts."), code="end_date")
    event = CustodyEvent(person=person, **{f.name: getattr(data, f.name) for f in fields(data)})
    event.full_clean()
    event.save()
    record(
        event_type=EventType.CUSTODY_RECORDED,
        actor=actor.user,
        organization=actor.organization,
        target=person,
        fields=["custody"],
        data={"kind": data.kind},
    )
    return event


@transaction.atomic
def contact_add(
    *,
    actor: Membership,
    person: Person,
    kind: str,
    value: str,
    holder: str = "",
    safe_to_contact: bool,
) -> ContactChannel:
    _require_writable(actor, person)
    if not value.strip():
        raise Invalid(_("Give the number or address."), code="value")
    contact = ContactChannel(
        person=person,
        kind=kind,
        value=value.strip(),
        holder=holder.strip(),
        safe_to_contact=safe_to_contact,
    )
    contact.full_clean()
    contact.save()
    record(
        event_type=EventType.CONTACT_ADDED,
        actor=actor.user,
        organization=actor.organization,
        target=person,
        fields=["contacts"],
        data={"kind": kind, "safe_to_contact": safe_to_contact},
    )
    return contact


@transaction.atomic
def consent_record(
    *, actor: Membership, person: Person, data: ConsentInput, now: datetime
) -> Consent:
    _require_writable(actor, person)
    consent = Consent(
        person=person,
        scope=data.scope,
        method=data.method,
        language=data.language,
        given_by=data.given_by.strip(),
        recorded_by=actor.user,
        recorded_at=now,
    )
    consent.full_clean()
    consent.save()
    _announce(person, rekey=False)
    record(
        event_type=EventType.CONSENT_RECORDED,
        actor=actor.user,
        organization=actor.organization,
        target=person,
        data={"scope": data.scope, "method": data.method, "language": data.language},
    )
    return consent


@transaction.atomic
def consent_withdraw(*, actor: Membership, consent: Consent, now: datetime) -> Consent:
    _require_writable(actor, consent.person)
    consent = Consent.objects.select_for_update().get(pk=consent.pk)
    if consent.withdrawn_at is not None:
        raise Conflict(_("This consent was already withdrawn."))
    consent.withdrawn_at, consent.withdrawn_by = now, actor.user
    consent.save(update_fields=["withdrawn_at", "withdrawn_by", "updated_at"])
    record(
        event_type=EventType.CONSENT_WITHDRAWN,
        actor=actor.user,
        organization=actor.organization,
        target=consent.person,
        data={"scope": consent.scope},
    )
    return consent


def has_consent(person: Person, scope: str) -> bool:
    return person.consents.filter(scope=scope, withdrawn_at__isnull=True).exists()


@transaction.atomic
def family_link_claim(
    *, actor: Membership, person: Person, relative: Person, relationship: str, claimed_by: str = ""
) -> FamilyLink:
    """Record that `relative` is the `relationship` of `person` (unverified)."""
    _require_writable(actor, person)
    _require_writable(actor, relative)
    link = FamilyLink(
        organization=actor.organization,
        person=person,
        relative=relative,
        relationship=relationship,
        claimed_by=claimed_by.strip(),
    )
    link.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            link.save()
    except IntegrityError as exc:
        raise Conflict(_("This relationship is already recorded.")) from exc
    _announce(person, rekey=False)
    _announce(relative, rekey=False)
    record(
        event_type=EventType.FAMILY_LINK_CLAIMED,
        actor=actor.user,
        organization=actor.organization,
        target=link,
        data={
            "relationship": relationship,
            "person": str(person.public_id),
            "relative": str(relative.public_id),
        },
    )
    return link


@transaction.atomic
def family_link_verify(*, actor: Membership, link: FamilyLink, now: datetime) -> FamilyLink:
    _require_writable(actor, link.person)
    require(actor, Capability.CONFIRM_MATCHES)
    if not actor.is_verified_attorney:
        raise Invalid(_("Only a verified attorney can verify a family link."))
    link = FamilyLink.objects.select_for_update().get(pk=link.pk)
    link.status, link.verified_by, link.verified_at = LinkStatus.VERIFIED, actor.user, now
    link.save(update_fields=["status", "verified_by", "verified_at", "updated_at"])
    record(
        event_type=EventType.FAMILY_LINK_VERIFIED,
        actor=actor.user,
        organization=actor.organization,
        target=link,
    )
    return link


@transaction.atomic
def separation_record(
    *, actor: Membership, children: list[Person], adults: list[Person], data: SeparationInput
) -> Separation:
    if not children or not adults:
        raise Invalid(_("A separation joins at least one child and one adult."))
    for person in [*children, *adults]:
        _require_writable(actor, person)
    separation = Separation(
        organization=actor.organization, **{f.name: getattr(data, f.name) for f in fields(data)}
    )
    separation.full_clean()
    separation.save()
    SeparationMember.objects.bulk_create(
        [SeparationMember(separation=separation, person=p, is_child=True) for p in children]
        + [SeparationMember(separation=separation, person=p, is_child=False) for p in adults]
    )
    record(
        event_type=EventType.SEPARATION_RECORDED,
        actor=actor.user,
        organization=actor.organization,
        target=separation,
        data={"children": len(children), "adults": len(adults)},
    )
    return separation


@transaction.atomic
def share_grant(
    *, actor: Membership, person: Person, organization: Organization, level: str
) -> PersonShare:
    """Share one person's record with another organisation (owner's members only)."""
    require(actor, Capability.EDIT_CLIENTS)
    if not is_owner(actor=actor, person=person):
        raise NotFound()
    if organization.pk == actor.organization_id:
        raise Invalid(_("Choose another organisation."))
    share = PersonShare(
        person=person, organization=organization, level=level, granted_by=actor.user
    )
    share.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            share.save()
    except IntegrityError as exc:
        raise Conflict(_("This record is already shared with that organisation.")) from exc
    record(
        event_type=EventType.SHARE_GRANTED,
        actor=actor.user,
        organization=actor.organization,
        target=person,
        data={"with": str(organization.public_id), "level": level},
    )
    return share


@transaction.atomic
def share_revoke(*, actor: Membership, share: PersonShare, now: datetime) -> PersonShare:
    require(actor, Capability.EDIT_CLIENTS)
    if not is_owner(actor=actor, person=share.person):
        raise NotFound()
    share = PersonShare.objects.select_for_update().get(pk=share.pk)
    if share.revoked_at is None:
        share.revoked_at, share.revoked_by = now, actor.user
        share.save(update_fields=["revoked_at", "revoked_by", "updated_at"])
        record(
            event_type=EventType.SHARE_REVOKED,
            actor=actor.user,
            organization=actor.organization,
            target=share.person,
            data={"with": str(share.organization.public_id)},
        )
    return share


def person_viewed(*, actor: Membership, person: Person, shown: list[str]) -> None:
    """Reading is an event too: who saw which of the person's fields."""
    record(
        event_type=EventType.PERSON_VIEWED,
        actor=actor.user,
        organization=actor.organization,
        target=person,
        fields=shown,
    )


@transaction.atomic
def intake(
    *,
    actor: Membership,
    client: PersonInput,
    relatives: list[tuple[PersonInput, str]],
    identifiers: list[tuple[str, str]] = (),
    custody: CustodyInput | None = None,
    separation: SeparationInput | None = None,
    consents: list[ConsentInput] = (),
    today: date,
    now: datetime,
) -> Person:
    """Take in a client in one transaction: the client, their identifiers, custody and
    consents, and each relative they describe (a parent's children, a child's parents)
    with the relationship of that relative to the child. Nothing is saved unless all is
    valid."""
    person = person_create(actor=actor, data=client, today=today)
    for kind, value in identifiers:
        identifier_add(actor=actor, person=person, kind=kind, value=value)
    if custody is not None:
        custody_record(actor=actor, person=person, data=custody)
    for consent in consents:
        consent_record(actor=actor, person=person, data=consent, now=now)
    children, adults = ([], [person]) if client.family_role != FamilyRole.CHILD else ([person], [])
    for data, relationship in relatives:
        data.kind = RecordKind.DESCRIBED
        relative = person_create(actor=actor, data=data, today=today)
        if client.family_role == FamilyRole.CHILD:
            family_link_claim(
                actor=actor,
                person=person,
                relative=relative,
                relationship=relationship,
                claimed_by="intake",
            )
            if relationship in {Relationship.MOTHER, Relationship.FATHER, Relationship.GUARDIAN}:
                adults.append(relative)
        else:
            family_link_claim(
                actor=actor,
                person=relative,
                relative=person,
                relationship=relationship,
                claimed_by="intake",
            )
            children.append(relative)
    if separation is not None and children and adults:
        separation_record(actor=actor, children=children, adults=adults, data=separation)
    return person
