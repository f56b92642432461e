"""Rotating the blind-index key: search by name, by sound and by number, candidate
blocking and import dedup find everything before, during (half the rows recomputed) and
after a rotation; the rotation is resumable and idempotent; and without it, a ring that
lost the old key finds nothing old (the rotation is needed, and it is really done).

The interop tests are the highest layer that sees all four tables (people's search keys
and identifiers, tracing's blocking keys, interop's imported records)."""

import base64
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from reunite.audit.events import EventType
from reunite.audit.models import AuditEvent
from reunite.core import crypto
from reunite.interop.models import ImportedRecord
from reunite.people import blind_indexes, selectors
from reunite.people.models import Identifier, Person, SearchKey
from reunite.tracing.models import BlockKey, MatchCandidate
from reunite.tracing.services import candidates_refresh

from .conftest import member

pytestmark = pytest.mark.django_db

OLD = "legacy-blind-index-key-for-tests"  # a BLIND_INDEX_KEY of earlier versions
NEW = "b2:" + base64.urlsafe_b64encode(bytes(range(32))).decode()
TABLES_APPS = {"people", "tracing", "interop"}
TABLES = {"people.SearchKey", "people.Identifier", "tracing.BlockKey", "interop.ImportedRecord"}

PARENTS = (
    "id,given_names,paternal_surname,maternal_surname,sex,date_of_birth,a_number,related_names\n"
    "p1,Rosa,Peña,López,F,1988-03-02,A012345678,Mateo Pérez Peña\n"
    "p2,Marta,Ajú,Coc,F,1979,,\n"
    "p3,Wilmer,Xiloj,Batz,M,1985-01-02,A087654321,\n"
    "p4,Edwin,Cux,Tzoc,M,1990,,\n"
).encode()
CHILDREN = (
    "nombre,apellido paterno,apellido materno,sex,dob,mother_name\n"
    "Mateo,Perez,Pena,M,2016-05-01,Rosa Peña\n"
).encode()
COURT = b"nombre,apellidos\nIxchel,Chumil Quiej\nBrayan,Tzoc\n"  # no id column


@pytest.fixture
def old_ring(settings):
    settings.BLIND_INDEX_KEYS = ""
    settings.BLIND_INDEX_KEY = OLD
    return settings


@pytest.fixture
def registry(old_ring, alice, charlie, run_list):
    """Both sides of a family and a list without ids, imported under the old key."""
    run_list(alice, PARENTS, options={"consent": True, "language": "es"})
    run_list(alice, COURT, source="Court list")
    run_list(charlie, CHILDREN, kind="children", options={"consent": True})
    assert MatchCandidate.objects.exists()
    return old_ring


def _ids(actor, query) -> set[int]:
    return {p.pk for p in selectors.person_list(actor=actor, query=query)}


def found(alice, charlie, run_list) -> dict:
    """Everything the four kinds of lookup find (the candidates are searched again, and
    the lists imported again: both look up stored blind indexes)."""
    a = member(alice)
    MatchCandidate.objects.all().delete()
    for pk in Person.objects.order_by("pk").values_list("pk", flat=True):
        candidates_refresh(person_id=pk, now=timezone.now())
    imports = [
        run_list(alice, PARENTS, options={"consent": True, "language": "es"}),
        run_list(alice, COURT, source="Court list"),
        run_list(charlie, CHILDREN, kind="children", options={"consent": True}),
    ]
    return {
        "by name": _ids(a, "Rosa Peña"),
        "by sound": _ids(a, "Roza Lopes"),
        "by number": _ids(a, "A012345678") | _ids(a, "A087654321"),
        "by name, no id column": _ids(a, "Ixchel Chumil"),
        "candidates": set(MatchCandidate.objects.values_list("subject", "candidate")),
        "imports": [(j.created_count, j.updated_count, j.unchanged_count) for j in imports],
        "people": Person.objects.count(),
    }


def _key_ids() -> dict[str, set[str]]:
    """Which keys made the digests of each column."""
    return {c.label: {k for k, n in c.keys.items() if n} for c in blind_indexes.status()}


def test_every_table_of_blind_indexes_is_registered():
    assert {t.label for t in blind_indexes.tables()} == TABLES


def test_search_blocking_and_dedup_hold_before_during_and_after(registry, alice, charlie, run_list):
    before = found(alice, charlie, run_list)
    # Everything is there to be found, and nothing was imported twice.
    assert before["by name"] and before["by sound"] and before["candidates"]
    assert len(before["by number"]) == 2 and before["by name, no id column"]
    assert before["imports"] == [(0, 0, 4), (0, 0, 2), (0, 0, 1)]

    registry.BLIND_INDEX_KEYS = NEW  # the old key stays, as the ring's oldest
    assert crypto.index_keyring().current == "b2"
    result = blind_indexes.rotate(batch_size=1, max_batches=1)
    assert set(result.groups.values()) == {1} and not result.complete
    # Half-way: every table holds digests under both keys.
    for column, keys in _key_ids().items():
        assert keys == {"b2", crypto.LEGACY_INDEX_KEY}, column
    assert found(alice, charlie, run_list) == before

    result = blind_indexes.rotate(batch_size=2)
    assert result.complete and not any(result.left.values())
    assert set().union(*_key_ids().values()) == {"b2"}
    assert found(alice, charlie, run_list) == before

    registry.BLIND_INDEX_KEY = ""  # the rotation is done: the old key leaves the ring
    assert list(crypto.index_keyring().keys) == ["b2"]
    assert found(alice, charlie, run_list) == before


def test_a_ring_without_the_old_key_finds_nothing_old_until_the_rotation(
    registry, alice, charlie, run_list
):
    a = member(alice)
    people = Person.objects.count()
    registry.BLIND_INDEX_KEYS, registry.BLIND_INDEX_KEY = NEW, ""
    assert not _ids(a, "Rosa Peña") and not _ids(a, "Roza Lopes") and not _ids(a, "A012345678")
    # The rotation recomputes from the sealed values: it needs the new key only.
    blind_indexes.rotate()
    assert _ids(a, "Rosa Peña") and _ids(a, "Roza Lopes") and _ids(a, "A012345678")
    again = run_list(alice, PARENTS, options={"consent": True, "language": "es"})
    assert (again.created_count, Person.objects.count()) == (0, people)


def test_without_the_rotation_a_reimport_duplicates_what_the_old_key_stored(
    registry, alice, run_list
):
    registry.BLIND_INDEX_KEYS, registry.BLIND_INDEX_KEY = NEW, ""
    again = run_list(alice, PARENTS, options={"consent": True, "language": "es"})
    assert again.created_count == 4


def test_an_identifier_under_the_old_key_is_still_a_duplicate(registry, alice):
    from reunite.core.errors import Conflict
    from reunite.people import services
    from reunite.people.choices import IdentifierKind

    registry.BLIND_INDEX_KEYS = NEW
    rosa = Identifier.objects.get(
        lookup__in=crypto.blind_indexes("A012345678", purpose="identifier")
    ).person
    with pytest.raises(Conflict):
        services.identifier_add(
            actor=member(alice), person=rosa, kind=IdentifierKind.A_NUMBER, value="A012345678"
        )


def test_an_interrupted_rotation_resumes_and_a_finished_one_does_nothing(registry):
    registry.BLIND_INDEX_KEYS = NEW
    pending = blind_indexes.groups_to_rotate()
    assert all(pending[label] >= 2 for label in TABLES)

    class Killed(Exception):
        pass

    def die_after_the_first_batch(label, done, to_do):
        raise Killed

    with pytest.raises(Killed):
        blind_indexes.rotate(batch_size=1, progress=die_after_the_first_batch)
    left = blind_indexes.groups_to_rotate()
    first = next(iter(pending))
    assert left == {**pending, first: pending[first] - 1}  # one batch done, and kept

    resumed = blind_indexes.rotate(batch_size=1)
    assert resumed.groups == left and resumed.complete
    events = AuditEvent.objects.filter(event_type=EventType.KEYS_ROTATED)
    assert events.count() == 1
    assert events.get().data == {"blind_index_key": "b2", "complete": True, **left}

    assert blind_indexes.rotate().total == 0
    assert events.count() == 1  # nothing done, nothing recorded


def test_records_imported_before_their_row_was_kept_are_counted_then_rekeyed_on_import(
    registry, alice, run_list
):
    registry.BLIND_INDEX_KEYS = NEW
    ImportedRecord.objects.filter(pk=ImportedRecord.objects.order_by("pk")[0].pk).update(
        row_content=""
    )
    result = blind_indexes.rotate()
    assert result.unrecomputable == {"interop.ImportedRecord": 1} and not result.complete
    again = run_list(alice, PARENTS, options={"consent": True, "language": "es"})
    assert (again.created_count, again.unchanged_count) == (0, 4)  # found under the old key
    assert blind_indexes.unrecomputable_rows() == {"interop.ImportedRecord": 0}
    assert _key_ids()["interop.ImportedRecord.row_key"] == {"b2"}


def test_digests_name_their_key_and_fit_the_columns(registry):
    registry.BLIND_INDEX_KEYS = NEW
    blind_indexes.rotate()
    digests = [
        *SearchKey.objects.values_list("digest", flat=True),
        *Identifier.objects.values_list("lookup", flat=True),
        *BlockKey.objects.values_list("digest", flat=True),
        *ImportedRecord.objects.values_list("row_key", flat=True),
    ]
    assert digests and all(d.startswith("b2.") and len(d) == 32 for d in digests)
    # The sealed row holds no plaintext.
    with connection.cursor() as cursor:
        cursor.execute("SELECT row_content FROM interop_importedrecord")
        assert all(row[0].startswith("v1:") and "rosa" not in row[0] for row in cursor.fetchall())


def test_the_command_shows_the_keys_rotates_and_tells_what_is_left(registry):
    registry.BLIND_INDEX_KEYS = NEW
    out = StringIO()
    call_command("keys", "index-status", stdout=out)
    status = out.getvalue()
    assert "Current blind-index key: b2 (the ring holds b2, BLIND_INDEX_KEY)" in status
    assert (
        "people.SearchKey.digest: BLIND_INDEX_KEY" in status and "Still to rotate: 0" not in status
    )

    out = StringIO()
    call_command("keys", "rotate-index", "--yes", "--batch-size", "2", stdout=out)
    text = out.getvalue()
    assert "people.SearchKey: 2/" in text  # progress
    assert "Recomputed" in text and "Still to rotate: 0" in text
    assert "remove BLIND_INDEX_KEY from the ring" in text

    out = StringIO()
    call_command("keys", "rotate-index", "--yes", stdout=out)
    assert "Nothing to rotate: every blind index is under b2." in out.getvalue()
    out = StringIO()
    call_command("keys", "index-status", stdout=out)
    columns = [line for line in out.getvalue().splitlines() if line.split(".")[0] in TABLES_APPS]
    assert len(columns) == 5 and all("b2 " in line for line in columns)
    assert not any("BLIND_INDEX_KEY" in line for line in columns)
