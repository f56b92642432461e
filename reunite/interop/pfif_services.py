"""PFIF in and out of the registry.

`pfif_import` maps the persons of a PFIF 1.1-1.4 document onto the registry through the
people services (so every change is audited, re-keyed and announced to matching), owned
by the actor's organisation. The PFIF person_record_id is kept as a PFIF identifier, so
importing the same record again updates that person instead of adding another.

Each person is one transaction: it lands whole or is reported with its record id, line
and reason. Its notes are their own small units: a bad note is reported and skipped
without losing the person. What is kept from PFIF, and where:

- names: given_name, and family_name split into paternal and maternal surnames (a
  Spanish family_name carries both); without them, the first full_name line is split
  the way Spanish names are written. Other full_name lines and alternate_names become
  other names (aliases).
- sex, date_of_birth and age on the person; the home address as one address contact,
  never marked safe to contact.
- description, and each note's status, contact made, last known location, linked
  record and text, as one line each in the person's notes (the registry's privileged
  notes: they never leave the portal again). A found person's phone and email become
  contacts, never marked safe to contact.
- the record's source_name, as the source of its PFIF identifier and other names.
- Not kept: authors' names and contact details (people other than the person), entry
  and expiry dates (the portal's own retention applies), photo and profile URLs (never
  fetched, never stored), source URLs.

`pfif_export` writes PFIF 1.4 of the organisation's own people: names, sex and age;
date of birth, other names, the home address and the phone and email marked safe to
contact only when `include_sensitive`. Custody, identifiers other than the PFIF record
id, notes (privileged), consents, family links and separations are never written.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime
from uuid import UUID

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from reunite.accounts.access import require
from reunite.accounts.models import Membership
from reunite.accounts.roles import Capability
from reunite.accounts.uploads import scan_upload
from reunite.audit.events import EventType
from reunite.audit.services import record
from reunite.core.errors import Invalid, NotFound, ReuniteError
from reunite.interop import limits, pfif
from reunite.matching.names import PARTICLES
from reunite.matching.normalize import normalize_text
from reunite.people import search, services
from reunite.people.choices import (
    ContactKind,
    FamilyRole,
    IdentifierKind,
    NameKind,
    RecordKind,
    Sex,
)
from reunite.people.identifiers import normalize_identifier
from reunite.people.models import Identifier, Person

# The domain of the record ids this portal gives its own people in PFIF. It names no
# public repository; a deployment that exchanges PFIF sets PFIF_DOMAIN to its own.
DEFAULT_DOMAIN = "reunite.invalid"
SOURCE_NAME = "Reunite"

_SEX_FROM_PFIF = {"female": Sex.FEMALE, "male": Sex.MALE, "other": Sex.OTHER}
_SEX_TO_PFIF = {value: key for key, value in _SEX_FROM_PFIF.items()}
_AGE = re.compile(r"^(\d+)(?:-(\d+))?$")
_STATUSES = {
    "information_sought",
    "is_note_author",
    "believed_alive",
    "believed_missing",
    "believed_dead",
}


def home_domain() -> str:
    return getattr(settings, "PFIF_DOMAIN", "") or DEFAULT_DOMAIN


@dataclass(frozen=True)
class PfifRejection:
    """A record that was not imported, and why."""

    kind: str  # "person" or "note"
    record_id: str  # its person_record_id or note_record_id ("" when it has none)
    line: int  # the line of its opening tag in the file
    reason: str


@dataclass(frozen=True)
class PfifImportResult:
    version: str  # the PFIF version of the file: "1.1" ... "1.4"
    created: int
    updated: int
    unchanged: int
    notes: int  # notes newly recorded (a note already imported counts once, ever)
    rejected: tuple[PfifRejection, ...]
    people: tuple[UUID, ...]  # public ids of the people created, updated or unchanged

    @property
    def imported(self) -> int:
        return self.created + self.updated + self.unchanged


@dataclass(frozen=True)
class PfifExportResult:
    xml: bytes  # the PFIF 1.4 document, UTF-8
    persons: int
    notes: int
    fields: tuple[str, ...]  # the PFIF fields written for at least one person


# ---------------------------------------------------------------------------- import


def pfif_import(
    *,
    actor: Membership,
    data: bytes,
    today: date,
    kind: str = RecordKind.DESCRIBED,
    family_role: str | None = None,
    max_bytes: int | None = None,
) -> PfifImportResult:
    """Import a PFIF 1.1-1.4 document into the actor's organisation.

    `kind` says what the records are (people sought, as others describe them, by
    default; or the organisation's clients). `family_role` applies one role to every
    person; left out, a person known to be under 18 is a child, an adult a parent, and
    anyone else another relative.

    Raises Forbidden when the actor may not register people, and Invalid (code
    "pfif_unreadable") when the document as a whole cannot be read: a DTD or entity
    (XXE, billion laughs), malformed XML, not PFIF, too large (`max_bytes`, by default
    the IMPORT_MAX_BYTES setting lists have too), or no record in it (code "pfif_empty").
    Nothing is written then.

    Each person commits on its own (so the good ones land and a long file shows
    progress); an interrupted import is simply run again: records already in are found
    by their PFIF id and left as they are. The summary audit event comes last.
    """
    require(actor, Capability.EDIT_CLIENTS)
    if kind not in RecordKind.values:
        raise Invalid(_("Choose what the records are."), code="kind")
    if family_role is not None and family_role not in FamilyRole.values:
        raise Invalid(_("Choose a family role."), code="family_role")
    scan_upload(actor=actor, data=data, upload="pfif")
    try:
        document = pfif.parse(data, max_bytes=max_bytes or limits.max_bytes())
    except pfif.PfifError as exc:
        reason = _(exc.template) % exc.params if exc.params else _(exc.template)
        raise Invalid(
            _("This PFIF file cannot be imported: %(reason)s") % {"reason": reason},
            code="pfif_unreadable",
        ) from exc
    if not document.persons and not document.notes:
        raise Invalid(
            _("This PFIF file cannot be imported: it holds no PFIF person or note records."),
            code="pfif_empty",
        )

    counts = {"created": 0, "updated": 0, "unchanged": 0, "notes": 0}
    rejected: list[PfifRejection] = []
    people: list[UUID] = []
    by_record_id: dict[str, Person] = {}
    for person_record in document.persons:
        try:
            with transaction.atomic():
                person, outcome = _import_person(
                    actor=actor, data=person_record, today=today, kind=kind, role=family_role
                )
        except (ReuniteError, ValidationError) as exc:
            rejected.append(
                PfifRejection(
                    "person", person_record.person_record_id, person_record.line, _reason(exc)
                )
            )
            continue
        counts[outcome] += 1
        people.append(person.public_id)
        by_record_id[person_record.person_record_id] = person
        counts["notes"] += _import_notes(actor, person, person_record.notes, rejected)
    standalone: dict[int, tuple[Person, list[pfif.PfifNote]]] = {}
    for note in document.notes:
        person = by_record_id.get(note.person_record_id) or _find(actor, note.person_record_id)
        if person is None:
            rejected.append(
                PfifRejection(
                    "note",
                    note.note_record_id,
                    note.line,
                    _("No person with PFIF record id %(id)s in your organisation.")
                    % {"id": note.person_record_id or "-"},
                )
            )
            continue
        standalone.setdefault(person.pk, (person, []))[1].append(note)
    for person, notes in standalone.values():
        counts["notes"] += _import_notes(actor, person, notes, rejected)

    record(
        event_type=EventType.PFIF_IMPORTED,
        actor=actor.user,
        organization=actor.organization,
        data={"version": document.version, **counts, "rejected": len(rejected)},
    )
    return PfifImportResult(
        version=document.version,
        rejected=tuple(rejected),
        people=tuple(people),
        **counts,
    )


def _reason(exc: Exception) -> str:
    """The reason a person can act on, naming the field at fault when one is."""
    if isinstance(exc, ValidationError):
        if hasattr(exc, "error_dict"):
            return "; ".join(f"{name}: {' '.join(m)}" for name, m in exc.message_dict.items())
        return " ".join(exc.messages)
    # Service errors carry the field's name as their code when a field is at fault.
    code = getattr(exc, "code", "")
    generic = {"error", "invalid", "conflict", "not_found", "forbidden"}
    return f"{code}: {exc}" if code and code not in generic else str(exc)


def _own_public_id(record_id: str) -> UUID | None:
    """The public id in a record id this portal wrote ("<domain>/person.<uuid>")."""
    prefix = home_domain() + "/person."
    if not record_id.startswith(prefix):
        return None
    try:
        return UUID(record_id[len(prefix) :])
    except ValueError:
        return None


def _find(actor: Membership, record_id: str) -> Person | None:
    """The organisation's own person this PFIF record id stands for, if any: the person
    this portal wrote it for, or the one that keeps it as a PFIF identifier."""
    if not record_id:
        return None
    people = Person.objects.filter(organization=actor.organization, purged_at__isnull=True)
    own = _own_public_id(record_id)
    if own is not None and (person := people.filter(public_id=own).first()) is not None:
        return person
    try:
        canonical = normalize_identifier(IdentifierKind.PFIF, record_id)
    except Invalid:
        return None
    identifier = (
        Identifier.objects.filter(
            kind=IdentifierKind.PFIF,
            lookup__in=search.identifier_lookups(canonical),
            person__in=people,
        )
        .select_related("person")
        .first()
    )
    return identifier.person if identifier is not None else None


def _import_person(
    *, actor: Membership, data: pfif.PfifPerson, today: date, kind: str, role: str | None
) -> tuple[Person, str]:
    """Create or update one person from its PFIF record; returns the person and what
    happened ("created", "updated" or "unchanged"). Raises on anything invalid."""
    if not data.person_record_id:
        raise Invalid(_("The person has no person_record_id."), code="person_record_id")
    canonical_id = normalize_identifier(IdentifierKind.PFIF, data.person_record_id)
    existing = _find(actor, data.person_record_id)
    values = _person_values(data, existing=existing, today=today, role=role)
    if existing is None:
        person = services.person_create(
            actor=actor, data=services.PersonInput(kind=kind, **values), today=today
        )
        outcome = "created"
    else:
        person = existing
        current = _current_input(person)
        for name, value in values.items():
            setattr(current, name, value)
        changed = services.person_update(actor=actor, person=person, data=current)
        person.refresh_from_db()
        outcome = "updated" if changed else "unchanged"
    has_id = (
        _own_public_id(data.person_record_id) == person.public_id
        or person.identifiers.filter(
            kind=IdentifierKind.PFIF, lookup__in=search.identifier_lookups(canonical_id)
        ).exists()
    )
    if not has_id:
        services.identifier_add(
            actor=actor,
            person=person,
            kind=IdentifierKind.PFIF,
            value=canonical_id,
            source=_source(data),
        )
        outcome = "updated" if outcome == "unchanged" else outcome
    added = _add_other_names(actor, person, data) + _add_address(actor, person, data)
    if added and outcome == "unchanged":
        outcome = "updated"
    return person, outcome


def _source(data: pfif.PfifPerson) -> str:
    return (f"PFIF: {data.source_name}" if data.source_name else "PFIF")[:120]


def _current_input(person: Person) -> services.PersonInput:
    return services.PersonInput(
        family_role=person.family_role,
        kind=person.kind,
        given_names=person.given_names,
        paternal_surname=person.paternal_surname,
        maternal_surname=person.maternal_surname,
        sex=person.sex,
        birth_date=person.birth_date,
        approximate_age=person.approximate_age,
        country_of_birth=person.country_of_birth,
        place_of_birth=person.place_of_birth,
        languages=[code for code in person.languages.split(",") if code],
        needs_interpreter=person.needs_interpreter,
        notes=person.notes,
    )


def _person_values(
    data: pfif.PfifPerson, *, existing: Person | None, today: date, role: str | None
) -> dict:
    """The PersonInput values the record gives (a value it leaves out is not cleared)."""
    values: dict = {}
    given, paternal, maternal = _names(data)
    same_names = existing is not None and (
        normalize_text(existing.given_names) == normalize_text(given)
        and normalize_text(f"{existing.paternal_surname} {existing.maternal_surname}")
        == normalize_text(f"{paternal} {maternal}")
    )
    if not same_names:  # keep how the registry split the same names
        values.update(given_names=given, paternal_surname=paternal, maternal_surname=maternal)
    if data.sex:
        if data.sex not in _SEX_FROM_PFIF:
            raise Invalid(_("sex must be female, male or other."), code="sex")
        values["sex"] = _SEX_FROM_PFIF[data.sex]
    if data.date_of_birth:
        values["birth_date"] = data.date_of_birth
    if data.age:
        values["approximate_age"] = data.age
    if data.description:
        line = _one_line(f"[PFIF description, {data.person_record_id}] {data.description}")
        current = existing.notes if existing is not None else ""
        if line not in current:
            values["notes"] = f"{current} {line}".strip()
    if existing is None:
        values["family_role"] = role or _role_from_age(data, today=today)
    elif role is not None:
        values["family_role"] = role
    return values


def _one_line(text: str) -> str:
    """How the registry keeps notes: whitespace collapsed to single spaces."""
    return " ".join(text.split())


def _role_from_age(data: pfif.PfifPerson, *, today: date) -> str:
    """A child when surely under 18, a parent when possibly adult, another relative
    when the age is unknown."""
    oldest = None
    if match := _AGE.match(data.age):
        oldest = int(match[2] or match[1])
    elif re.match(r"^\d{4}", data.date_of_birth):
        oldest = today.year - int(data.date_of_birth[:4])
    if oldest is None:
        return FamilyRole.RELATIVE
    return FamilyRole.CHILD if oldest < 18 else FamilyRole.PARENT


def _names(data: pfif.PfifPerson) -> tuple[str, str, str]:
    """(given names, paternal surname, maternal surname) from the record."""
    if data.given_name or data.family_name:
        paternal, maternal = _split_surnames(data.family_name)
        return data.given_name, paternal, maternal
    return _split_full_name(data.full_names[0] if data.full_names else "")


def _units(text: str) -> list[str]:
    """Name words, each particle ("de", "de la", "del") kept with the word after it."""
    units, pending = [], []
    for word in text.split():
        pending.append(word)
        if normalize_text(word) not in PARTICLES:
            units.append(" ".join(pending))
            pending = []
    if pending:  # trailing particles stay with the last word
        if units:
            units[-1] = " ".join([units[-1], *pending])
        else:
            units.append(" ".join(pending))
    return units


def _split_surnames(family_name: str) -> tuple[str, str]:
    units = _units(family_name)
    if len(units) <= 1:
        return (units[0] if units else ""), ""
    return units[0], " ".join(units[1:])


def _split_full_name(full_name: str) -> tuple[str, str, str]:
    """Spanish convention: "SURNAMES, GIVEN"; else the last two words are the two
    surnames (one surname with two words, nothing with one)."""
    if "," in full_name:
        surnames, _comma, given = full_name.partition(",")
        return (given.strip(), *_split_surnames(surnames.strip()))
    units = _units(full_name)
    if len(units) <= 1:
        return (units[0] if units else ""), "", ""
    if len(units) == 2:
        return units[0], units[1], ""
    return " ".join(units[:-2]), units[-2], units[-1]


def _name_key(given: str, family: str) -> str:
    return normalize_text(f"{given} {family}")


def _add_other_names(actor: Membership, person: Person, data: pfif.PfifPerson) -> int:
    known = {_name_key(person.given_names, f"{person.paternal_surname} {person.maternal_surname}")}
    known |= {_name_key(n.given_names, n.family_names) for n in person.other_names.all()}
    added = 0
    for text in [*data.full_names, *data.alternate_name_list]:
        given, paternal, maternal = _split_full_name(text)
        family = " ".join(part for part in (paternal, maternal) if part)
        key = _name_key(given, family)
        if not key or key in known:
            continue
        services.name_add(
            actor=actor,
            person=person,
            kind=NameKind.ALIAS,
            given_names=given,
            family_names=family,
            source=_source(data),
        )
        known.add(key)
        added += 1
    return added


def _has_contact(person: Person, kind: str, value: str) -> bool:
    wanted = " ".join(value.split()).casefold()
    return any(
        c.kind == kind and " ".join(c.value.split()).casefold() == wanted
        for c in person.contacts.all()
    )


def _add_contact(actor: Membership, person: Person, kind: str, value: str) -> int:
    if not value.strip() or _has_contact(person, kind, value):
        return 0
    # Nobody here has checked that reaching the person there is safe.
    services.contact_add(actor=actor, person=person, kind=kind, value=value, safe_to_contact=False)
    return 1


def _add_address(actor: Membership, person: Person, data: pfif.PfifPerson) -> int:
    parts = (
        data.home_street,
        data.home_neighborhood,
        data.home_city,
        data.home_state,
        data.home_postal_code,
        data.home_country,
    )
    return _add_contact(actor, person, ContactKind.ADDRESS, ", ".join(p for p in parts if p))


def _import_notes(
    actor: Membership,
    person: Person,
    notes: Iterable[pfif.PfifNote],
    rejected: list[PfifRejection],
) -> int:
    """Record the notes about one person; returns how many were new. A bad note is
    reported and skipped; the others are appended to the person's notes in one change."""
    person.refresh_from_db()
    lines: dict[str, pfif.PfifNote] = {}
    for note in notes:
        try:
            with transaction.atomic():
                line = _import_note(actor, person, note)
        except (ReuniteError, ValidationError) as exc:
            rejected.append(PfifRejection("note", note.note_record_id, note.line, _reason(exc)))
            continue
        if line and line not in person.notes:
            lines.setdefault(line, note)
    if not lines:
        return 0
    data = _current_input(person)
    data.notes = " ".join([person.notes, *lines]).strip()
    try:
        services.person_update(actor=actor, person=person, data=data)
    except (ReuniteError, ValidationError) as exc:
        for note in lines.values():
            rejected.append(PfifRejection("note", note.note_record_id, note.line, _reason(exc)))
        return 0
    return len(lines)


def _import_note(actor: Membership, person: Person, note: pfif.PfifNote) -> str:
    """Record the found person's contacts a note gives; return the line it adds to the
    person's notes ("" when it has nothing else to say, or was recorded before)."""
    if not note.note_record_id:
        raise Invalid(_("The note has no note_record_id."), code="note_record_id")
    if note.status and note.status not in _STATUSES:
        raise Invalid(_("Unknown status %(status)s.") % {"status": note.status}, code="status")
    _add_contact(actor, person, ContactKind.PHONE, note.phone_of_found_person)
    _add_contact(actor, person, ContactKind.EMAIL, note.email_of_found_person)
    marker = f"[PFIF note {note.note_record_id}"
    parts = []
    if note.status:
        parts.append(f"status: {note.status}")
    if note.author_made_contact:
        parts.append(f"author made contact: {note.author_made_contact}")
    if note.last_known_location:
        parts.append(f"last known location: {note.last_known_location}")
    if note.linked_person_record_id:
        parts.append(f"same person as PFIF record {note.linked_person_record_id}")
    if note.text:
        parts.append(note.text)
    if not parts or marker in person.notes:
        return ""
    header = f"{marker}, {note.source_date}]" if note.source_date else f"{marker}]"
    return _one_line(f"{header} {'; '.join(parts)}")


# ---------------------------------------------------------------------------- export


def pfif_export(
    *,
    actor: Membership,
    now: datetime,
    people: Iterable[UUID | str] | None = None,
    include_sensitive: bool = False,
) -> PfifExportResult:
    """PFIF 1.4 of the organisation's own people: those whose public ids are given, or
    all of them (deleted and wiped records excepted).

    `include_sensitive` adds date of birth, other names, the home address and the phone
    and email that are marked safe to contact. Custody, other identifiers, notes,
    consents, family links and separations are never written. Raises Forbidden without
    the export capability and NotFound when a given id is not one of the
    organisation's own, undeleted people.
    """
    require(actor, Capability.EXPORT_DATA)
    chosen = Person.objects.filter(
        organization=actor.organization, deleted_at__isnull=True, purged_at__isnull=True
    ).prefetch_related("identifiers", "other_names", "contacts")
    if people is not None:
        try:
            wanted = {UUID(str(public_id)) for public_id in people}
        except ValueError as exc:
            raise NotFound() from exc
        chosen = chosen.filter(public_id__in=wanted)
        if len(chosen) != len(wanted):
            raise NotFound()
    chosen = sorted(chosen, key=lambda p: p.pk)
    records = [_to_pfif(p, now=now, include_sensitive=include_sensitive) for p in chosen]
    written = sorted(
        {
            f.name
            for r in records
            for f in fields(r)
            if f.name in pfif.PERSON_FIELDS and getattr(r, f.name)
        },
        key=pfif.PERSON_FIELDS.index,
    )
    notes = sum(len(r.notes) for r in records)
    record(
        event_type=EventType.PFIF_EXPORTED,
        actor=actor.user,
        organization=actor.organization,
        fields=written,
        data={"persons": len(records), "notes": notes, "sensitive": include_sensitive},
    )
    return PfifExportResult(
        xml=pfif.write(records), persons=len(records), notes=notes, fields=tuple(written)
    )


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _to_pfif(person: Person, *, now: datetime, include_sensitive: bool) -> pfif.PfifPerson:
    domain = home_domain()
    pfif_ids = [i.value for i in person.identifiers.all() if i.kind == IdentifierKind.PFIF]
    # A person first imported from PFIF keeps that record's id (PFIF's rule for
    # copies); anyone else gets an id under this portal's domain.
    record_id = pfif_ids[0] if pfif_ids else f"{domain}/person.{person.public_id}"
    family = " ".join(p for p in (person.paternal_surname, person.maternal_surname) if p)
    full_name = " ".join(p for p in (person.given_names, family) if p)
    values = {
        "person_record_id": record_id,
        "entry_date": _utc(now),
        "expiry_date": f"{person.retention_until.isoformat()}T00:00:00Z",
        "source_name": SOURCE_NAME,
        "source_date": _utc(person.created_at),
        "full_name": full_name,
        "given_name": person.given_names,
        "family_name": family,
        "sex": _SEX_TO_PFIF.get(person.sex, ""),
        "age": person.approximate_age,
    }
    notes: tuple[pfif.PfifNote, ...] = ()
    if include_sensitive:
        values["date_of_birth"] = person.birth_date
        values["alternate_names"] = "\n".join(
            " ".join(p for p in (n.given_names, n.family_names) if p)
            for n in person.other_names.all()
        )
        contacts = list(person.contacts.all())
        address = [c.value for c in contacts if c.kind == ContactKind.ADDRESS]
        # The registry holds an address as one line; home_street is PFIF's free-form slot.
        values["home_street"] = address[0] if address else ""
        safe = {c.kind: c.value for c in reversed(contacts) if c.safe_to_contact}
        phone = safe.get(ContactKind.PHONE) or safe.get(ContactKind.WHATSAPP, "")
        email = safe.get(ContactKind.EMAIL, "")
        if phone or email:
            notes = (
                pfif.PfifNote(
                    note_record_id=f"{domain}/note.contact-{person.public_id}",
                    author_name=SOURCE_NAME,
                    source_date=_utc(now),
                    phone_of_found_person=phone,
                    email_of_found_person=email,
                ),
            )
    return pfif.PfifPerson(**values, notes=notes)
