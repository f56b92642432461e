"""Blind-index key rotation: recompute every stored blind index under the current key.

The operator puts a new key first in BLIND_INDEX_KEYS ("b2:...,b1:...", or "b1:..." next
to the BLIND_INDEX_KEY of earlier versions), restarts every process, and runs
`reunite keys rotate-index`. Stored digests say which key made them ("b2.<hex>"; bare
hex for BLIND_INDEX_KEY, see reunite.core.crypto), so the rows still to do are found in
SQL. While any remain, every lookup matches the digests under every key of the ring,
so search, candidate blocking, identifier lookups and import dedup find everything
mid-rotation; once `keys index-status` shows nothing under the old key, the operator
removes it from the ring and lookups use the current key alone.

A digest cannot be converted from one key to another: it is recomputed from the values
it stands for, opened from their sealed columns. So the rotation needs only the new key
(an old key that leaked or was lost can be rotated away just the same). Each app
registers its tables here, in a `blind_indexes` module (autodiscovered, as `retention`
is: people cannot import the apps above it), with what recomputes a group of rows:
a person's search keys or blocking keys are rebuilt together, an identifier or an
imported record one row at a time. Groups are done in batches by id, each batch its own
transaction, and only groups holding a digest under another key are touched: an
interrupted run continues where it stopped and a finished one does nothing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import models, transaction
from django.db.models import Case, ExpressionWrapper, F, Q, Value, When
from django.db.models.functions import Left, StrIndex, Substr

from reunite.audit.events import EventType
from reunite.audit.services import record
from reunite.core import crypto
from reunite.people import search
from reunite.people.models import Identifier, Person, SearchKey

BATCH_SIZE = 500

Progress = Callable[[str, int, int], None]  # (table label, groups done, groups to do)
# Recompute the rows of these groups (ids of `owner`) under the current key, inside the
# caller's transaction; returns how many groups it did.
Recompute = Callable[[list[int]], int]


@dataclass(frozen=True)
class IndexedTable:
    """A table holding blind indexes, and how to compute them again."""

    model: type[models.Model]
    columns: tuple[str, ...]
    recompute: Recompute
    owner: str = "pk"  # rows sharing this field are recomputed together
    # Rows whose digests cannot be recomputed (their values were never kept): left as
    # they are, and counted apart.
    unrecomputable: Q | None = None
    aliases: dict = field(default_factory=dict)  # what `unrecomputable` refers to

    @property
    def label(self) -> str:
        return self.model._meta.label


_TABLES: dict[str, IndexedTable] = {}


def register(
    model: type[models.Model],
    *,
    columns: tuple[str, ...],
    recompute: Recompute,
    owner: str = "pk",
    unrecomputable: Q | None = None,
    aliases: dict | None = None,
) -> None:
    """Declare a table of blind indexes (from an app's `blind_indexes` module)."""
    table = IndexedTable(model, columns, recompute, owner, unrecomputable, aliases or {})
    _TABLES[table.label] = table


def tables() -> list[IndexedTable]:
    return list(_TABLES.values())


def _under(column: str, key_id: str) -> tuple[dict, Q]:
    """(aliases, condition): `column` holds a digest made by `key_id`. The key id is
    compared with `=` on a prefix rather than LIKE, which SQLite matches without case."""
    if key_id == crypto.LEGACY_INDEX_KEY:
        return {}, ~Q(**{f"{column}__contains": "."})
    prefix = f"{key_id}."
    head = f"head_{column}"
    return {head: Left(column, len(prefix))}, Q(**{head: prefix})


def _stale(table: IndexedTable, current: str) -> models.QuerySet:
    """Rows with a digest under another key than `current` that can be recomputed."""
    aliases, stale = dict(table.aliases), Q()
    for column in table.columns:
        heads, under = _under(column, current)
        aliases |= heads
        stale |= Q(**{f"{column}__gt": ""}) & ~under
    rows = table.model._base_manager.alias(**aliases).filter(stale)
    return rows.exclude(table.unrecomputable) if table.unrecomputable is not None else rows


def _pending(table: IndexedTable, current: str) -> models.QuerySet:
    """Ids of the groups still to do, ascending."""
    return (
        _stale(table, current).values_list(table.owner, flat=True).order_by(table.owner).distinct()
    )


@dataclass
class IndexRotationResult:
    key_id: str
    groups: dict[str, int] = field(default_factory=dict)  # label -> groups recomputed
    left: dict[str, int] = field(default_factory=dict)  # label -> groups still to do
    unrecomputable: dict[str, int] = field(default_factory=dict)  # label -> rows

    @property
    def total(self) -> int:
        return sum(self.groups.values())

    @property
    def complete(self) -> bool:
        """Nothing is left under another key (the older keys can leave the ring)."""
        return not any(self.left.values()) and not any(self.unrecomputable.values())


def _rotate_table(
    table: IndexedTable,
    current: str,
    *,
    batch_size: int,
    max_batches: int | None,
    progress: Progress | None,
) -> int:
    pending = _pending(table, current)
    to_do = pending.count()
    done, batches, last = 0, 0, None
    while max_batches is None or batches < max_batches:
        with transaction.atomic():
            batch = pending if last is None else pending.filter(**{f"{table.owner}__gt": last})
            ids = list(batch[:batch_size])
            if not ids:
                break
            done += table.recompute(ids)
            last = ids[-1]
        batches += 1
        if progress:
            progress(table.label, done, to_do)
    return done


def rotate(
    *,
    batch_size: int = BATCH_SIZE,
    max_batches: int | None = None,
    progress: Progress | None = None,
) -> IndexRotationResult:
    """Recompute every blind index not under the current key. Resumable; idempotent.
    `max_batches` bounds the batches per table (a run in a short maintenance window).

    Records one KEYS_ROTATED audit event (the key id and counts per table, never values)
    when the run recomputed anything."""
    current = crypto.index_keyring().current
    result = IndexRotationResult(key_id=current)
    for table in tables():
        result.groups[table.label] = _rotate_table(
            table, current, batch_size=batch_size, max_batches=max_batches, progress=progress
        )
    result.left = groups_to_rotate()
    result.unrecomputable = unrecomputable_rows()
    if result.total:
        record(
            event_type=EventType.KEYS_ROTATED,
            data={
                "blind_index_key": key_label(current),
                "complete": result.complete,
                **result.groups,
            },
        )
    return result


def groups_to_rotate() -> dict[str, int]:
    """How many groups (people, or rows) of each table still hold a digest under
    another key than the current one, and can be recomputed."""
    current = crypto.index_keyring().current
    return {t.label: _pending(t, current).count() for t in tables()}


def unrecomputable_rows() -> dict[str, int]:
    """Rows under another key than the current one that the rotation cannot recompute."""
    current = crypto.index_keyring().current
    found = {}
    for table in tables():
        if table.unrecomputable is None:
            continue
        aliases, stale = dict(table.aliases), Q()
        for column in table.columns:
            heads, under = _under(column, current)
            aliases |= heads
            stale |= Q(**{f"{column}__gt": ""}) & ~under
        rows = table.model._base_manager.alias(**aliases).filter(stale & table.unrecomputable)
        found[table.label] = rows.count()
    return found


def key_label(key_id: str) -> str:
    """How a key id is shown: BLIND_INDEX_KEY has none."""
    return key_id or "BLIND_INDEX_KEY"


@dataclass
class ColumnStatus:
    label: str  # "people.SearchKey.digest"
    keys: Counter  # key id -> non-empty digests

    @property
    def total(self) -> int:
        return sum(self.keys.values())


def status() -> list[ColumnStatus]:
    """For each blind-index column, how many digests each key made (counted in SQL)."""
    found = []
    for table in tables():
        for column in table.columns:
            key_id = Case(
                When(
                    **{f"{column}__contains": "."},
                    then=Substr(column, 1, StrIndex(column, Value(".")) - 1),
                ),
                default=Value(crypto.LEGACY_INDEX_KEY),
                output_field=models.CharField(),
            )
            counts = (
                table.model._base_manager.filter(**{f"{column}__gt": ""})
                .annotate(index_key=key_id)
                .values("index_key")
                .annotate(n=models.Count("pk"))
                .order_by()
            )
            found.append(
                ColumnStatus(
                    label=f"{table.label}.{column}",
                    keys=Counter({row["index_key"]: row["n"] for row in counts}),
                )
            )
    return found


# --- The registry's own tables -----------------------------------------------------------


def _people(ids: list[int]) -> list[Person]:
    """The people, locked (an edit re-keying them waits, or is waited for), with what
    their keys are computed from."""
    return list(
        Person._base_manager.select_for_update()
        .filter(pk__in=ids)
        .order_by("pk")
        .prefetch_related("other_names", "identifiers")
    )


def _recompute_search_keys(ids: list[int]) -> int:
    from reunite.people.services import search_keys_of

    people = _people(ids)
    SearchKey.objects.filter(person_id__in=ids).delete()
    # An edit that does not lock the person (adding a name) may have re-keyed them under
    # the current key meanwhile: its keys are right, and stay.
    SearchKey.objects.bulk_create(
        (
            SearchKey(person_id=person.pk, digest=d)
            for person in people
            for d in sorted(search_keys_of(person))
        ),
        ignore_conflicts=True,
    )
    return len(people)


def raw(name: str) -> ExpressionWrapper:
    """A sealed column as stored (the token), not opened: to test it for emptiness."""
    return ExpressionWrapper(F(name), output_field=models.TextField())


def update_column(model, column: str, new: dict[int, str]) -> None:
    """Set `column` of the rows {pk: value} in one statement."""
    if new:
        whens = [When(pk=pk, then=Value(value)) for pk, value in new.items()]
        model._base_manager.filter(pk__in=list(new)).update(
            **{column: Case(*whens, default=F(column), output_field=models.CharField())}
        )


def _recompute_identifiers(ids: list[int]) -> int:
    rows = list(
        Identifier._base_manager.select_for_update().filter(pk__in=ids).values_list("pk", "value")
    )
    update_column(Identifier, "lookup", {pk: search.identifier_digest(value) for pk, value in rows})
    return len(rows)


register(SearchKey, columns=("digest",), owner="person", recompute=_recompute_search_keys)
register(Identifier, columns=("lookup",), recompute=_recompute_identifiers)
