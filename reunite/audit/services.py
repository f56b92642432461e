"""The audit log's only writer, its sealer, and the walk that proves it untouched."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from reunite.audit.events import EventType
from reunite.audit.models import AuditEvent

GENESIS = "0" * 64
logger = logging.getLogger(__name__)
_LOCK_KEY = 0x52_45_55_4E  # "REUN": PostgreSQL advisory lock serialising the sealers
SEAL_BATCH = 500  # events sealed per transaction: a backlog never holds the lock for long


def _public_id(obj: Any) -> UUID | None:
    if obj is None or isinstance(obj, UUID):
        return obj
    return obj.public_id


def _digest(event: AuditEvent) -> str:
    payload = {
        "seq": event.seq,
        "occurred_at": event.occurred_at.isoformat(),
        "event_type": event.event_type,
        "actor_id": str(event.actor_id) if event.actor_id else None,
        "organization_id": str(event.organization_id) if event.organization_id else None,
        "target_type": event.target_type,
        "target_id": event.target_id,
        "fields": list(event.fields),
        "data": event.data,
        "source_ip": event.source_ip,
        "prev_hash": event.prev_hash,
    }
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()


@transaction.atomic
def record(
    *,
    event_type: EventType,
    actor: Any = None,
    organization: Any = None,
    target: Any = None,
    fields: Iterable[str] = (),
    data: dict[str, str | int | bool | None] | None = None,
    source_ip: str | None = None,
    at: datetime | None = None,
) -> AuditEvent:
    """Insert one event, pending, inside the caller's transaction; it is sealed into the
    chain just after that transaction commits (and vanishes with it if it rolls back).

    No lock is taken here: the caller's transaction may stay open as long as it needs
    without holding up anyone else's audit events. `target` is a model instance with a
    `public_id` (or None); `fields` names the fields shown or changed, never their values;
    `data` holds ids, codes and counts only.
    """
    if not isinstance(event_type, EventType):
        raise TypeError("event_type must be an EventType")
    event = AuditEvent(
        occurred_at=(at or timezone.now()).astimezone(UTC),  # as read back: same digest
        event_type=event_type,
        actor_id=_public_id(actor),
        organization_id=_public_id(organization),
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.public_id) if target is not None else "",
        fields=sorted(set(fields)),
        data=data or {},
        source_ip=source_ip,
    )
    event.save(force_insert=True)
    _seal_after_commit()
    return event


def _seal_after_commit() -> None:
    """Have the pending events sealed once the outermost transaction commits: one sealer
    per transaction, however many events it records.

    (In a test's transaction, which never commits, nothing is sealed; and
    captureOnCommitCallbacks(execute=True) runs only the callbacks queued inside it, so an
    event recorded after a sealer was queued earlier in the test stays pending there:
    call seal_pending() to seal it.)
    """
    # Django keeps the callbacks as (savepoint ids, func, robust); one already queued
    # survives unless a savepoint around it rolls back, and that would take this
    # transaction's events with it. (A private attribute, read only, stable since 4.2.)
    if any(func is _seal_committed for _, func, _ in connection.run_on_commit):
        return
    # robust: whatever a sealer raises is logged, never turned into an error of a request
    # whose work is committed (database errors are handled in _seal_committed).
    transaction.on_commit(_seal_committed, robust=True)


def _seal_committed() -> None:
    try:
        seal_pending()
    except DatabaseError as exc:
        # The events are committed all the same and stay pending: the next sealer (any
        # audited commit) or the sweep (`reunite schedule`, `reunite audit`) seals them.
        # As the API's outage log does, name the driver's error class, never its text.
        cause = exc.__cause__ or exc.__context__
        logger.warning(
            "audit: events left pending, sealing after commit failed: %s (%s)",
            type(exc).__name__,
            type(cause).__name__ if cause else "-",
        )


def seal_pending(*, batch_size: int = SEAL_BATCH) -> int:
    """Give every pending event committed so far its place in the chain, in insert order;
    return how many were sealed.

    Each batch is one short transaction of its own holding the chain's lock (PostgreSQL's
    advisory lock; on SQLite the IMMEDIATE transaction's write lock), so two sealers never
    hand out the same seq: the second one waits, then reads the head the first one left.
    The unique seq and prev_hash columns would refuse a fork even if that lock failed.
    One pass is enough after a commit: every committed event has a sealer of its own
    coming, so a sealer never keeps sealing what commits after it took the lock.
    Call it outside any transaction: inside one it would hold the lock until that commits.
    """
    sealed = 0
    # A cheap look without the lock first: often another sealer was quicker.
    while AuditEvent.objects.filter(seq__isnull=True).exists():
        with transaction.atomic():
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
            batch = list(AuditEvent.objects.filter(seq__isnull=True).order_by("id")[:batch_size])
            if batch:
                _chain(batch)
        sealed += len(batch)
        if len(batch) < batch_size:  # all that was pending when the lock was taken
            break
    return sealed


def _chain(batch: list[AuditEvent]) -> None:
    """Seal `batch` after the chain's head (the caller holds the lock)."""
    head = AuditEvent.objects.filter(seq__isnull=False).order_by("-seq").only("seq", "hash").first()
    seq, prev_hash = (head.seq, head.hash) if head else (0, GENESIS)
    for event in batch:
        event.seq, event.prev_hash = seq + 1, prev_hash
        event.hash = _digest(event)
        seq, prev_hash = event.seq, event.hash
    AuditEvent.objects.bulk_update(batch, ["seq", "prev_hash", "hash"])


@dataclass(frozen=True)
class Verification:
    checked: int
    first_bad_seq: int | None = None
    reason: str = ""
    pending: int = 0  # committed but not yet sealed: not in the chain, so not checked

    @property
    def ok(self) -> bool:
        return self.first_bad_seq is None


def verify(*, anchor_path: Path | None = None) -> Verification:
    """Walk the sealed chain; report the first event whose content or link was altered,
    any anchored event that is no longer there (the newest events deleted), and how many
    events are still pending (a chain with pending events is not broken: they are simply
    not in it yet; `seal_pending()` first to have none)."""
    pending = AuditEvent.objects.filter(seq__isnull=True).count()
    expected_prev, expected_seq, checked = GENESIS, 1, 0
    hashes_by_seq: dict[int, str] = {}
    sealed = AuditEvent.objects.filter(seq__isnull=False).order_by("seq")
    for event in sealed.iterator(chunk_size=2000):
        if event.seq != expected_seq:
            return Verification(checked, expected_seq, f"event #{expected_seq} is missing", pending)
        if event.prev_hash != expected_prev:
            return Verification(
                checked, event.seq, "its link to the previous event is broken", pending
            )
        if _digest(event) != event.hash:
            return Verification(checked, event.seq, "its content does not match its hash", pending)
        hashes_by_seq[event.seq] = event.hash
        expected_prev, expected_seq, checked = event.hash, event.seq + 1, checked + 1
    for anchor in read_anchors(anchor_path):
        seq, digest = anchor["seq"], anchor["hash"]
        if hashes_by_seq.get(seq) != digest:
            return Verification(
                checked,
                seq,
                f"event #{seq}, anchored at {anchor['at']}, is missing or altered",
                pending,
            )
    return Verification(checked, pending=pending)


def read_anchors(path: Path | None) -> list[dict]:
    if path is None or not path.exists():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def anchor(*, path: Path, at: datetime) -> dict | None:
    """Append the sealed chain's latest position and hash to a file outside the database
    (pending events have no position yet: seal first to anchor them too)."""
    last = AuditEvent.objects.filter(seq__isnull=False).order_by("-seq").only("seq", "hash").first()
    if last is None:
        return None
    entry = {"at": at.isoformat(), "seq": last.seq, "hash": last.hash}
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(entry, sort_keys=True) + "\n")
    return entry
