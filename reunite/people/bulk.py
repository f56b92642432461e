"""Registering many people at once (imports of lists): the same validation as the
one-by-one services, bulk inserts, and one audit event per batch naming counts only.

`bulk_validate` is pure (no queries): a caller checks every item first and refuses the
invalid ones with their field and reason, then hands the valid ones to `people_bulk_create`,
which saves them all or nothing in the caller's transaction. An item keeps what its
validation returned (`BulkPerson.checked`), so a row is validated once, not twice.

Why raw SQL here: the ORM's `bulk_create` builds every INSERT field by field through
each field's preparation and the query compiler, and instantiates a model per row; for
an import of 100,000 rows that was about half of the run. This module writes the same
rows as plain tuples on explicit column lists (`_insert` checks that every column of the
table is given, since Django's defaults are not database defaults), constants prepared
once per batch, and personal values sealed exactly as EncryptedTextField seals them:
the key ring `crypto.seal` uses, with the field's own associated data
"<db_table>.<column>", so the ORM reads them back and key rotation finds and re-seals
them like any other value.

Primary keys of the new people: on PostgreSQL they are drawn from the table's own
sequence (`nextval`, never handed out twice whoever else inserts) and every table is
written with COPY (psycopg parses a multi-row statement's placeholders in Python, which
cost more than the insert itself). On SQLite, one multi-row `INSERT ... RETURNING id,
public_id` per chunk (SQLite 3.35+), the ids matched to the rows by their fresh public
ids rather than by position; where the database cannot return rows from an insert
(older SQLite), the rows are inserted and their ids read back by public id.
"""

from __future__ import annotations

import sqlite3
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Model
from django.utils.translation import gettext as _

from reunite.accounts.access import require
from reunite.accounts.models import Membership
from reunite.accounts.roles import Capability
from reunite.audit.events import EventType
from reunite.audit.services import record
from reunite.core import crypto
from reunite.core.errors import Invalid
from reunite.matching.normalize import name_tokens
from reunite.people import search
from reunite.people.choices import FamilyRole, LinkStatus, RecordKind
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


@dataclass
class BulkPerson:
    """One client with what a list says about them: identifiers as (kind, value), a
    custody entry, relatives as (PersonInput, relationship of the relative to the child)
    like `intake`, and a tracing consent. `checked` holds the result of `bulk_validate`
    once it ran (an item is not changed after it is validated)."""

    data: PersonInput
    identifiers: list[tuple[str, str]] = field(default_factory=list)
    custody: CustodyInput | None = None
    relatives: list[tuple[PersonInput, str]] = field(default_factory=list)
    consent: ConsentInput | None = None
    checked: _Valid | None = field(default=None, repr=False, compare=False)


@dataclass
class Created:
    client_ids: list[int]  # the clients, in the order given
    person_ids: list[int]  # the clients and the relatives they named


@dataclass
class _Valid:
    values: dict
    identifiers: list[tuple[str, str]]
    relatives: list[tuple[dict, str]]


# The model's own field rules (choices, lengths) for the columns that are not sealed
# text: what `full_clean` checked of a person and a custody entry that `cleaned` does not.
_PERSON_CHECKED = ("kind", "family_role", "sex", "needs_interpreter")
_CUSTODY_CHECKED = ("kind", "source")


_PASSED: dict[tuple[str, str], set] = {}  # values a field's rules accepted already


def _check(model: type[Model], names, values) -> None:
    for name in names:
        value = values[name]
        passed = _PASSED.setdefault((model._meta.label, name), set())
        if value in passed:
            continue  # the rules are the field's and fixed: a value once valid stays so
        try:
            model._meta.get_field(name).clean(value, None)
        except ValidationError as exc:
            raise Invalid("; ".join(exc.messages), code=name) from exc
        if len(passed) < 1000:
            passed.add(value)


def _cleaned(data: PersonInput) -> dict:
    values = data.cleaned()
    _check(Person, _PERSON_CHECKED, values)
    return values


def bulk_validate(item: BulkPerson) -> _Valid:
    """The cleaned values, or Invalid whose `code` names the field (no queries)."""
    values = _cleaned(item.data)
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
    if custody is not None:
        _check(CustodyEvent, _CUSTODY_CHECKED, {"kind": custody.kind, "source": custody.source})
        if custody.start_date and custody.end_date and custody.end_date < custody.start_date:
            raise Invalid(_("Custody cannot end before it starts."), code="end_date")
    relatives = []
    for data, relationship in item.relatives:
        data.kind = RecordKind.DESCRIBED
        relatives.append((_cleaned(data), relationship))
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
    Returns the ids of the clients, in the order given, and of everyone made.

    With `announce`, person_changed is sent for each new person once the transaction
    commits, as the one-by-one services do. A caller registering thousands passes False
    and has their candidate searches run in batches instead (one queued task per batch
    rather than one per person: see reunite.interop.tasks)."""
    require(actor, Capability.EDIT_CLIENTS)
    valid = [item.checked or bulk_validate(item) for item in items]
    rows = _Rows(actor=actor, now=now, retention=_years_after(today, settings.RETENTION_YEARS))

    client_ids = rows.people([v.values for v in valid])
    relatives = [  # (client id, client's family role, relative's values, relationship)
        (client_id, v.values["family_role"], values, rel)
        for client_id, v in zip(client_ids, valid, strict=True)
        for values, rel in v.relatives
    ]
    relative_ids = rows.people([values for _c, _role, values, _rel in relatives])
    links = [  # (child, adult, relationship of the adult to the child)
        (client_id, relative_id, rel) if role == FamilyRole.CHILD else (relative_id, client_id, rel)
        for (client_id, role, _values, rel), relative_id in zip(
            relatives, relative_ids, strict=True
        )
    ]
    identifiers, custody, consents, keys = [], [], [], []
    for client_id, item, v in zip(client_ids, items, valid, strict=True):
        source = (item.custody.source if item.custody else "")[:120]
        for kind, canonical in v.identifiers:
            identifiers.append((client_id, kind, canonical, source))
        if item.custody is not None:
            custody.append((client_id, item.custody))
        if item.consent is not None:
            consents.append((client_id, item.consent))
        digests = rows.name_digests(v.values)
        digests |= {rows.identifier_digest(canonical) for _kind, canonical in v.identifiers}
        keys += [(client_id, d) for d in sorted(digests)]
    for relative_id, (_c, _role, values, _rel) in zip(relative_ids, relatives, strict=True):
        keys += [(relative_id, d) for d in sorted(rows.name_digests(values))]
    rows.family_links(links)
    rows.identifiers(identifiers)
    rows.custody_events(custody)
    rows.consents(consents)
    _insert(SearchKey, ("person_id", "digest"), keys)
    record(
        event_type=EventType.PEOPLE_IMPORTED,
        actor=actor.user,
        organization=actor.organization,
        data={
            **(audit_data or {}),
            "people": len(client_ids),
            "relatives": len(relatives),
            "identifiers": len(identifiers),
            "custody": len(custody),
            "consents": len(consents),
        },
    )
    ids = client_ids + relative_ids
    if announce:
        transaction.on_commit(lambda: _announce(ids))
    return Created(client_ids=client_ids, person_ids=ids)


def _announce(ids: list[int]) -> None:
    for pk in ids:
        person_changed.send(sender=Person, person_id=pk)


# --- The rows, as the database stores them -----------------------------------------------


def _sealer(model: type[Model], name: str, ring: crypto.KeyRing):
    """What EncryptedTextField.get_prep_value does for this column (crypto.seal, with
    the key ring looked up once per batch): "" stays "", None stays None, anything else
    is sealed with "<db_table>.<column>" as associated data."""
    context = model._meta.get_field(name).seal_context

    def seal(value):
        return value if value in (None, "") else ring.seal(value, context=context)

    return seal


_PERSON_SEALED = (
    "given_names",
    "paternal_surname",
    "maternal_surname",
    "birth_date",
    "approximate_age",
    "country_of_birth",
    "place_of_birth",
    "languages",
    "notes",
)


class _Rows:
    """One batch's inserts, with the values every row shares prepared once."""

    def __init__(self, *, actor: Membership, now: datetime, retention: date):
        ops = connection.ops
        self.organization_id = actor.organization_id
        self.user_id = actor.user_id
        self.now = ops.adapt_datetimefield_value(now)
        self.retention = ops.adapt_datefield_value(retention)
        self.date = ops.adapt_datefield_value
        # A UUIDField's database value: the UUID itself, or its 32 hex digits.
        native = connection.features.has_native_uuid_field
        self.uuid = (lambda: uuid.uuid4()) if native else (lambda: uuid.uuid4().hex)
        self.ring = crypto.keyring()
        # Blind indexes computed once per batch (lists repeat the same names and numbers).
        self._tokens: dict[str, tuple[str, str]] = {}
        self._identifiers: dict[str, str] = {}

    def name_digests(self, values: dict) -> set[str]:
        """search.name_digests of the person's names."""
        digests: set[str] = set()
        for name in ("given_names", "paternal_surname", "maternal_surname"):
            for token in name_tokens(values[name] or ""):
                known = self._tokens.get(token)
                if known is None:
                    known = self._tokens[token] = (
                        search.token_digest(token),
                        search.phonetic_digest(token),
                    )
                digests.update(known)
        return digests

    def identifier_digest(self, canonical: str) -> str:
        digest = self._identifiers.get(canonical)
        if digest is None:
            digest = self._identifiers[canonical] = search.identifier_digest(canonical)
        return digest

    def people(self, people: list[dict]) -> list[int]:
        """Insert people (cleaned values); their new ids, in the order given."""
        if not people:
            return []
        seal = {name: _sealer(Person, name, self.ring) for name in _PERSON_SEALED}
        columns = (
            "public_id", "created_at", "updated_at", "organization_id", "created_by_id",
            "retention_until", "deleted_at", "purged_at", "kind", "family_role", "sex",
            "needs_interpreter", *_PERSON_SEALED,
        )  # fmt: skip
        constant = (self.now, self.now, self.organization_id, self.user_id, self.retention)
        rows = [
            (
                self.uuid(),
                *constant,
                None,
                None,
                v["kind"],
                v["family_role"],
                v["sex"],
                v["needs_interpreter"],
                *(seal[name](v[name]) for name in _PERSON_SEALED),
            )
            for v in people
        ]
        return _insert_returning_ids(Person, columns, rows)

    def family_links(self, links: list[tuple[int, int, str]]) -> None:
        columns = (
            "public_id", "created_at", "updated_at", "organization_id", "person_id",
            "relative_id", "relationship", "status", "claimed_by", "verified_by_id",
            "verified_at",
        )  # fmt: skip
        _insert(
            FamilyLink,
            columns,
            [
                (
                    self.uuid(),
                    self.now,
                    self.now,
                    self.organization_id,
                    child,
                    adult,
                    relationship,
                    LinkStatus.CLAIMED,
                    "import",
                    None,
                    None,
                )
                for child, adult, relationship in links
            ],
        )

    def identifiers(self, identifiers: list[tuple[int, str, str, str]]) -> None:
        seal = _sealer(Identifier, "value", self.ring)
        columns = (
            "public_id", "created_at", "updated_at", "person_id", "kind", "value", "lookup",
            "issuing_country", "source",
        )  # fmt: skip
        _insert(
            Identifier,
            columns,
            [
                (
                    self.uuid(),
                    self.now,
                    self.now,
                    person_id,
                    kind,
                    seal(canonical),
                    self.identifier_digest(canonical),
                    "",
                    source,
                )
                for person_id, kind, canonical, source in identifiers
            ],
        )

    def custody_events(self, events: list[tuple[int, CustodyInput]]) -> None:
        seal = {
            name: _sealer(CustodyEvent, name, self.ring)
            for name in ("facility", "city", "state", "country")
        }
        columns = (
            "public_id", "created_at", "updated_at", "person_id", "kind", "facility", "city",
            "state", "country", "start_date", "end_date", "source", "last_verified_on",
        )  # fmt: skip
        _insert(
            CustodyEvent,
            columns,
            [
                (
                    self.uuid(),
                    self.now,
                    self.now,
                    person_id,
                    c.kind,
                    seal["facility"](c.facility),
                    seal["city"](c.city),
                    seal["state"](c.state),
                    seal["country"](c.country),
                    self.date(c.start_date),
                    self.date(c.end_date),
                    c.source,
                    self.date(c.last_verified_on),
                )
                for person_id, c in events
            ],
        )

    def consents(self, consents: list[tuple[int, ConsentInput]]) -> None:
        seal = _sealer(Consent, "given_by", self.ring)
        columns = (
            "public_id", "created_at", "updated_at", "person_id", "scope", "given_by", "method",
            "language", "recorded_by_id", "recorded_at", "withdrawn_at", "withdrawn_by_id",
        )  # fmt: skip
        _insert(
            Consent,
            columns,
            [
                (
                    self.uuid(),
                    self.now,
                    self.now,
                    person_id,
                    c.scope,
                    seal(c.given_by.strip()),
                    c.method,
                    c.language,
                    self.user_id,
                    self.now,
                    None,
                    None,
                )
                for person_id, c in consents
            ],
        )


# --- Inserting ----------------------------------------------------------------------------


def roomy_page_cache() -> None:
    """On SQLite, let this connection cache 64 MB of pages instead of the default 2 MB:
    the indexes an import writes into (public ids, search keys) take random inserts, and
    past a few tens of thousands of people each batch re-read its pages from the file."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size = -65536")


def _max_params() -> int:
    if connection.vendor == "sqlite":
        # Django assumes SQLite's historical 999; ask the library for its real limit.
        connection.ensure_connection()
        try:
            return connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
        except AttributeError:  # Python < 3.11
            return connection.features.max_query_params
    return connection.features.max_query_params or 65535


def _statement(model: type[Model], columns) -> str:
    """INSERT INTO table (columns) VALUES, refusing a column list that leaves out one of
    the table's columns (a Django default is not a database default)."""
    meta = model._meta
    expected = {f.column for f in meta.concrete_fields if not f.primary_key}
    expected |= {meta.pk.column} & set(columns)  # an id given explicitly
    if set(columns) != expected or len(columns) != len(expected):
        raise ValueError(f"{meta.db_table}: columns {sorted(set(columns) ^ expected)} differ.")
    quote = connection.ops.quote_name
    names = ", ".join(quote(c) for c in columns)
    return f"INSERT INTO {quote(meta.db_table)} ({names}) VALUES "  # noqa: S608 - our names


def _chunks(columns, rows: list[tuple]):
    """(VALUES (...), (...) text, flat parameters) per chunk within the parameter limit."""
    per = max(1, _max_params() // len(columns))
    one = "(" + ", ".join(["%s"] * len(columns)) + ")"
    for start in range(0, len(rows), per):
        chunk = rows[start : start + per]
        yield ", ".join([one] * len(chunk)), [value for row in chunk for value in row]


def _insert(model: type[Model], columns, rows: list[tuple]) -> None:
    """Insert rows (tuples in `columns` order). PostgreSQL: COPY (psycopg parses a
    multi-row statement's placeholders in Python, which cost more than the insert);
    elsewhere multi-row VALUES, as few statements as the parameter limit allows."""
    if not rows:
        return
    head = _statement(model, columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            quote = connection.ops.quote_name
            names = ", ".join(quote(c) for c in columns)
            copy_sql = f"COPY {quote(model._meta.db_table)} ({names}) FROM STDIN"
            with cursor.copy(copy_sql) as copy:
                for row in rows:
                    copy.write_row(row)
            return
        for values, params in _chunks(columns, rows):
            # nosemgrep: reunite.raw-sql-formatting (quoted model names, %s marks; values are parameters)
            cursor.execute(head + values, params)


insert_rows = _insert  # for the importer's own tables (reunite.interop.services)


def _insert_returning_ids(model: type[Model], columns, rows: list[tuple]) -> list[int]:
    """Insert rows whose first column is a fresh public_id; their ids, in row order."""
    if not rows:
        return []
    if columns[0] != "public_id":
        raise ValueError("The first column must be the fresh public id.")
    if connection.vendor == "postgresql":
        # Ids from the table's own sequence (never handed out twice, whoever else
        # inserts), then one COPY with them.
        table = model._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [table, len(rows)],
            )
            new_ids = [pk for (pk,) in cursor.fetchall()]
        _insert(
            model, ("id", *columns), [(pk, *row) for pk, row in zip(new_ids, rows, strict=True)]
        )
        return new_ids
    head = _statement(model, columns)
    ids: dict = {}
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        if connection.features.can_return_rows_from_bulk_insert:
            for values, params in _chunks(columns, rows):
                # nosemgrep: reunite.raw-sql-formatting (quoted model names, %s marks; values are parameters)
                cursor.execute(
                    f"{head}{values} RETURNING {quote('id')}, {quote('public_id')}", params
                )
                ids.update((_uuid_key(public_id), pk) for pk, public_id in cursor.fetchall())
        else:
            for values, params in _chunks(columns, rows):
                # nosemgrep: reunite.raw-sql-formatting (quoted model names, %s marks; values are parameters)
                cursor.execute(head + values, params)
            table, public = quote(model._meta.db_table), [row[0] for row in rows]
            per = _max_params()
            for start in range(0, len(public), per):
                chunk = public[start : start + per]
                marks = ", ".join(["%s"] * len(chunk))
                # nosemgrep: reunite.raw-sql-formatting (quoted model names, %s marks; values are parameters)
                cursor.execute(
                    f"SELECT id, public_id FROM {table} WHERE public_id IN ({marks})",  # noqa: S608 - our table
                    chunk,
                )
                ids.update((_uuid_key(public_id), pk) for pk, public_id in cursor.fetchall())
    return [ids[_uuid_key(row[0])] for row in rows]


def _uuid_key(value) -> str:
    """A public id as 32 hex digits, whether the driver gives a UUID or a string."""
    return value.hex if isinstance(value, uuid.UUID) else str(value).replace("-", "")
