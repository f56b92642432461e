"""Encryption at rest, proven on the database itself, and data-key rotation.

- A raw copy of the database (the SQLite file, or `pg_dump` on PostgreSQL) holds none of
  the personal values typed in.
- `reunite keys rotate` re-seals every value (all models, MFA secrets too), resumes after
  a crash without redoing rows, and a retired key is no longer needed.
"""

import base64
import datetime
import io
import os
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone

from conftest import totp_now
from reunite.audit.events import EventType
from reunite.audit.models import AuditEvent
from reunite.core import crypto
from reunite.people import keys, services
from reunite.people.choices import (
    ConsentMethod,
    ConsentScope,
    ContactKind,
    CustodyKind,
    FamilyRole,
    IdentifierKind,
    NameKind,
    Relationship,
    Sex,
)
from reunite.people.models import Person
from reunite.people.tests.factories import (
    ConsentFactory,
    ContactChannelFactory,
    CustodyEventFactory,
    IdentifierFactory,
    PersonFactory,
    PersonNameFactory,
    SeparationFactory,
    SeparationMemberFactory,
)

K1 = base64.urlsafe_b64encode(bytes(range(32))).decode()
K2 = base64.urlsafe_b64encode(bytes(range(100, 132))).decode()
RING_K1 = f"k1:{K1}"
RING_K2_K1 = f"k2:{K2},k1:{K1}"
RING_K2 = f"k2:{K2}"

# Distinctive synthetic values, one for every field that identifies or locates a person.
SECRETS = {
    "given_names": "Yolanda Ixchel",
    "paternal_surname": "Tzunún",
    "maternal_surname": "Xiquín de León",
    "birth_date": "1987-11-23",
    "place_of_birth": "Aldea Chuicutama, Cantón Xejuyup",
    "notes": "Privilegiado: teme represalias del coyote Benjamín Quixchán",
    "other_given": "Yolanda Ishel",
    "other_family": "Sunun Chiquín",
    "a_number": "A-123-987-654",
    "a_number_canonical": "A123987654",
    "passport": "GTQX7745193",
    "facility": "Centro Correccional Imaginario Mezquital",
    "city": "Villafalsa del Norte",
    "contact": "+502 4817 9926",
    "holder": "Prima Herlinda Tucubal",
    "consent_by": "Tía Clementina Poróm",
    "child_given": "Josué Anselmo",
    "child_birth": "2013-07-02",
    "separation_place": "Garita ficticia de Tecún Umán",
    "separation_detail": "Agente dijo que no parecía su hijo",
    "reported_by": "Defensora Evangelina Sactic",
}


def _forms(value: str) -> set[str]:
    """The value as typed, lower-cased, accent-stripped; and each distinctive word."""
    stripped = "".join(
        ch for ch in unicodedata.normalize("NFKD", value) if not unicodedata.combining(ch)
    )
    forms = {value, value.lower(), stripped, stripped.lower()}
    for form in list(forms):
        forms |= {word for word in form.replace(",", " ").split() if len(word) >= 6}
    return forms


def _register_everything(alice) -> None:
    """Every PII field of every registry model gets a value, through the services."""
    actor = alice.memberships.get()
    today, now = timezone.localdate(), timezone.now()
    parent = services.intake(
        actor=actor,
        client=services.PersonInput(
            family_role=FamilyRole.PARENT,
            given_names=SECRETS["given_names"],
            paternal_surname=SECRETS["paternal_surname"],
            maternal_surname=SECRETS["maternal_surname"],
            sex=Sex.FEMALE,
            birth_date=SECRETS["birth_date"],
            country_of_birth="Guatemala",
            place_of_birth=SECRETS["place_of_birth"],
            languages=["mam", "es"],
            needs_interpreter=True,
            notes=SECRETS["notes"],
        ),
        relatives=[
            (
                services.PersonInput(
                    family_role=FamilyRole.CHILD,
                    given_names=SECRETS["child_given"],
                    paternal_surname=SECRETS["paternal_surname"],
                    birth_date=SECRETS["child_birth"],
                    approximate_age="",
                ),
                Relationship.MOTHER,
            )
        ],
        identifiers=[
            (IdentifierKind.A_NUMBER, SECRETS["a_number"]),
            (IdentifierKind.PASSPORT, SECRETS["passport"]),
        ],
        custody=services.CustodyInput(
            kind=CustodyKind.ICE, facility=SECRETS["facility"], city=SECRETS["city"], state="TX"
        ),
        separation=services.SeparationInput(
            place=SECRETS["separation_place"],
            reason_detail=SECRETS["separation_detail"],
            reported_by=SECRETS["reported_by"],
        ),
        consents=[
            services.ConsentInput(
                scope=ConsentScope.TRACING,
                method=ConsentMethod.IN_PERSON,
                language="mam",
                given_by=SECRETS["consent_by"],
            )
        ],
        today=today,
        now=now,
    )
    services.name_add(
        actor=actor,
        person=parent,
        kind=NameKind.MISSPELLING,
        given_names=SECRETS["other_given"],
        family_names=SECRETS["other_family"],
        source="I-213",
    )
    services.contact_add(
        actor=actor,
        person=parent,
        kind=ContactKind.RELATIVE_PHONE,
        value=SECRETS["contact"],
        holder=SECRETS["holder"],
        safe_to_contact=True,
    )
    services.person_viewed(actor=actor, person=parent, shown=["given_names", "notes"])


def _database_bytes(tmp_path: Path) -> bytes:
    """Everything the database holds, as an attacker with a copy of it would see it."""
    settings_dict = connection.settings_dict
    if connection.vendor == "sqlite":
        name = str(settings_dict["NAME"])
        with connection.cursor() as cursor:
            if connection.is_in_memory_db():
                # The test database lives in memory: write it out to a file first.
                copy = tmp_path / "copy.sqlite3"
                cursor.execute("VACUUM INTO %s", [str(copy)])
                return copy.read_bytes()
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        wal = Path(name + "-wal")
        return Path(name).read_bytes() + (wal.read_bytes() if wal.exists() else b"")
    if connection.vendor == "postgresql":
        if not shutil.which("pg_dump"):
            if os.environ.get("CI"):
                pytest.fail("pg_dump is needed in CI to prove the dump holds no plaintext")
            pytest.skip("pg_dump is not installed on this machine")
        env = {**os.environ}
        if settings_dict.get("PASSWORD"):
            env["PGPASSWORD"] = settings_dict["PASSWORD"]
        command = ["pg_dump", "--no-owner", "-d", settings_dict["NAME"]]
        for flag, key in (("-h", "HOST"), ("-p", "PORT"), ("-U", "USER")):
            if settings_dict.get(key):
                command += [flag, str(settings_dict[key])]
        return subprocess.run(command, env=env, check=True, capture_output=True).stdout
    pytest.skip(f"no raw-dump reader for {connection.vendor}")


def test_a_raw_copy_of_the_database_holds_no_plaintext(transactional_db, alice, tmp_path):
    _register_everything(alice)
    assert Person.objects.count() == 2  # the data really is there...
    dump = _database_bytes(tmp_path)
    assert b"people_person" in dump  # ...and the dump really is of this database
    leaked = sorted(
        form
        for value in [*SECRETS.values(), alice.totp_secret]
        for form in _forms(value)
        if form.encode("utf-8") in dump
    )
    assert leaked == []


# --- Rotation -------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def ring_k1(settings):
    """Everything in these tests starts sealed under k1 (autouse: before the cast enrols)."""
    settings.DATA_KEYS = RING_K1


def _everything_sealed(org) -> None:
    """A family with a value in every sealed column of the registry."""
    parent = PersonFactory(organization=org, notes="Notas de prueba", place_of_birth="Todos Santos")
    child = PersonFactory(organization=org, family_role=FamilyRole.CHILD, approximate_age="6")
    PersonNameFactory(person=parent)
    IdentifierFactory(person=parent)
    CustodyEventFactory(person=parent, country="GT")
    ContactChannelFactory(person=parent, holder="Hermana Marta Ajú")
    ConsentFactory(person=parent, given_by="Ella misma")
    separation = SeparationFactory(organization=org, reason_detail="sin razón", reported_by="Ella")
    SeparationMemberFactory(separation=separation, person=parent)
    SeparationMemberFactory(separation=separation, person=child, is_child=True)


def _read_all() -> dict:
    """Every sealed value, opened, keyed by (model, pk, field)."""
    return {
        (model._meta.label, obj.pk, f.name): getattr(obj, f.name)
        for model, columns in keys.sealed_fields().items()
        for obj in model.objects.all()
        for f in columns
    }


def _key_ids() -> dict[str, set[str]]:
    return {column.label: set(column.keys) for column in keys.status() if column.total}


def test_sealed_fields_are_discovered_by_introspection():
    found = {f"{m._meta.label}.{f.name}" for m, cols in keys.sealed_fields().items() for f in cols}
    assert {
        "people.Person.given_names",
        "people.Identifier.value",
        "people.Consent.given_by",
    } <= found
    assert all(
        f.seal_context == f"{m._meta.db_table}.{f.column}"
        for m, cols in keys.sealed_fields().items()
        for f in cols
    )


def test_rotation_round_trip(settings, org_a, alice):
    _everything_sealed(org_a)
    recovery_codes = RecoveryCodes.activate(alice).instance.new_codes  # hashed, not sealed
    before = _read_all()
    stamps = dict(Person.objects.values_list("pk", "updated_at"))
    assert set().union(*_key_ids().values()) == {"k1"}

    settings.DATA_KEYS = RING_K2_K1
    assert crypto.keyring().current == "k2"
    out = io.StringIO()
    call_command("keys", "status", stdout=out)
    assert "people.Person.given_names: k1 2 (100%)" in out.getvalue()

    out = io.StringIO()
    call_command("keys", "rotate", "--yes", stdout=out)
    assert "people.Person: 2/2" in out.getvalue()
    assert "mfa.Authenticator: 2/2" in out.getvalue()  # the TOTP secrets of alice and ada

    assert all(ids == {"k2"} for ids in _key_ids().values()), _key_ids()
    out = io.StringIO()
    call_command("keys", "status", stdout=out)
    assert "people.Person.given_names: k2 2 (100%)" in out.getvalue()
    assert "mfa.Authenticator.data: k2 2 (100%)" in out.getvalue()
    assert "Rows still to rotate: 0" in out.getvalue()
    assert _read_all() == before
    assert dict(Person.objects.values_list("pk", "updated_at")) == stamps  # no save(), no churn

    event = AuditEvent.objects.get(event_type=EventType.KEYS_ROTATED)
    assert event.data["key"] == "k2"
    assert event.data["people.Person"] == 2 and event.data["people.Identifier"] == 1
    assert event.data["mfa.Authenticator"] == 2
    assert not any(value in str(event.data) for value in before.values() if len(str(value)) > 3)

    # A second run finds nothing to do and records nothing.
    out = io.StringIO()
    call_command("keys", "rotate", "--yes", stdout=out)
    assert "Nothing to rotate" in out.getvalue()
    assert AuditEvent.objects.filter(event_type=EventType.KEYS_ROTATED).count() == 1

    # k1 retired: everything still opens, and the second factor still works.
    settings.DATA_KEYS = RING_K2
    assert _read_all() == before
    totp = Authenticator.objects.get(user=alice, type="totp")
    assert TOTP(totp).validate_code(totp_now(alice.totp_secret))
    codes = RecoveryCodes(Authenticator.objects.get(user=alice, type="recovery_codes"))
    assert codes.validate_code(recovery_codes[0])


def test_without_the_old_key_nothing_opens_before_rotation(settings, org_a):
    PersonFactory(organization=org_a)
    settings.DATA_KEYS = RING_K2
    with pytest.raises(crypto.DecryptionError):
        list(Person.objects.all())
    out = io.StringIO()
    call_command("keys", "status", stdout=out)
    assert "people.Person.given_names: k1 1 (100%) NOT IN DATA_KEYS" in out.getvalue()
    with pytest.raises(CommandError, match=r"people.Person pk=\d+ \w+: the value does not open"):
        call_command("keys", "rotate", "--yes", stdout=io.StringIO())


def test_rotation_needs_confirmation(settings, org_a):
    PersonFactory(organization=org_a)
    settings.DATA_KEYS = RING_K2_K1
    with pytest.raises(CommandError, match="--yes"):
        call_command("keys", "rotate", stdout=io.StringIO())
    assert _key_ids()["people.Person.given_names"] == {"k1"}


def test_a_crashed_rotation_resumes_without_redoing_rows(settings, org_a, monkeypatch):
    people = PersonFactory.create_batch(7, organization=org_a)
    before = _read_all()
    settings.DATA_KEYS = RING_K2_K1

    real, calls = keys.rotate_batch, []

    def crash_on_second_batch(*args, **kwargs):
        calls.append(args[2])
        if len(calls) == 2:
            raise RuntimeError("power cut")
        return real(*args, **kwargs)

    monkeypatch.setattr(keys, "rotate_batch", crash_on_second_batch)
    with pytest.raises(RuntimeError, match="power cut"):
        keys.rotate(batch_size=2)
    monkeypatch.undo()

    def tokens():
        raw = keys._raw("given_names")
        return dict(Person.objects.annotate(raw=raw).values_list("pk", "raw"))

    after_crash = tokens()
    first_batch = sorted(p.pk for p in people)[:2]
    assert {pk for pk, t in after_crash.items() if crypto.key_id_of(t) == "k2"} == set(first_batch)
    assert {crypto.key_id_of(t) for pk, t in after_crash.items() if pk not in first_batch} == {"k1"}
    assert _read_all() == before  # half-rotated, everything reads
    assert not AuditEvent.objects.filter(event_type=EventType.KEYS_ROTATED).exists()

    result = keys.rotate(batch_size=2)
    assert result.rows["people.Person"] == 5  # the two done before the crash are not redone
    finished = tokens()
    assert all(finished[pk] == after_crash[pk] for pk in first_batch)
    assert {crypto.key_id_of(t) for t in finished.values()} == {"k2"}
    assert _read_all() == before
    assert AuditEvent.objects.get(event_type=EventType.KEYS_ROTATED).data["people.Person"] == 5
    assert keys.rotate(batch_size=2).total == 0


def test_rotation_reseals_with_the_same_associated_data(settings, org_a):
    person = PersonFactory(organization=org_a, notes="Nota")
    settings.DATA_KEYS = RING_K2_K1
    keys.rotate()
    token = (
        Person.objects.annotate(raw=keys._raw("notes"))
        .values_list("raw", flat=True)
        .get(pk=person.pk)
    )
    ring = crypto.keyring()
    assert ring.open(token, context="people_person.notes") == "Nota"
    with pytest.raises(crypto.DecryptionError):
        ring.open(token, context="people_person.given_names")


def test_the_mfa_secret_still_validates_after_rotation(settings, alice):
    settings.DATA_KEYS = RING_K2_K1
    result = keys.rotate()
    assert result.rows["mfa.Authenticator"] == 2  # alice and ada (the admin who verified her)
    settings.DATA_KEYS = RING_K2
    totp = Authenticator.objects.get(user=alice, type="totp")
    assert crypto.key_id_of(totp.data["secret"]) == "k2"
    assert TOTP(totp).validate_code(totp_now(alice.totp_secret, at=timezone.now().timestamp()))
    assert not TOTP(totp).validate_code(
        totp_now(alice.totp_secret, at=(timezone.now() - datetime.timedelta(hours=1)).timestamp())
    )
