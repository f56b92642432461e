"""The audit log's only writer, and the walk that proves it untouched."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

from django.db import connection, transaction
from django.utils import timezone

from reunite.audit.events import EventType
from reunite.audit.models import AuditEvent

GENESIS = "0" * 64
_LOCK_KEY = 0x52_45_55_4E  # "REUN": PostgreSQL advisory lock serialising appends


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
    """Append one event to the chain, inside the caller's transaction.

    `target` is a model instance with a `public_id` (or None); `fields` names the fields
    shown or changed, never their values; `data` holds ids, codes and counts only.
    """
    if not isinstance(event_type, EventType):
        raise TypeError("event_type must be an EventType")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
    last = AuditEvent.objects.order_by("-seq").only("seq", "hash").first()
    event = AuditEvent(
        seq=(last.seq + 1) if last else 1,
        occurred_at=(at or timezone.now()).astimezone(UTC),  # as read back: same digest
        event_type=event_type,
        actor_id=_public_id(actor),
        organization_id=_public_id(organization),
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.public_id) if target is not None else "",
        fields=sorted(set(fields)),
        data=data or {},
        source_ip=source_ip,
        prev_hash=last.hash if last else GENESIS,
    )
    event.hash = _digest(event)
    event.save(force_insert=True)
    return event


@dataclass(frozen=True)
class Verification:
    checked: int
    first_bad_seq: int | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.first_bad_seq is None


def verify(*, anchor_path: Path | None = None) -> Verification:
    """Walk the whole chain; report the first event whose content or link was altered,
    and any anchored event that is no longer there (the newest events deleted)."""
    expected_prev, expected_seq, checked = GENESIS, 1, 0
    hashes_by_seq: dict[int, str] = {}
    for event in AuditEvent.objects.order_by("seq").iterator(chunk_size=2000):
        if event.seq != expected_seq:
            return Verification(checked, expected_seq, f"event #{expected_seq} is missing")
        if event.prev_hash != expected_prev:
            return Verification(checked, event.seq, "its link to the previous event is broken")
        if _digest(event) != event.hash:
            return Verification(checked, event.seq, "its content does not match its hash")
        hashes_by_seq[event.seq] = event.hash
        expected_prev, expected_seq, checked = event.hash, event.seq + 1, checked + 1
    for anchor in read_anchors(anchor_path):
        seq, digest = anchor["seq"], anchor["hash"]
        if hashes_by_seq.get(seq) != digest:
            return Verification(
                checked, seq, f"event #{seq}, anchored at {anchor['at']}, is missing or altered"
            )
    return Verification(checked)


def read_anchors(path: Path | None) -> list[dict]:
    if path is None or not path.exists():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def anchor(*, path: Path, at: datetime) -> dict | None:
    """Append the chain's latest position and hash to a file outside the database."""
    last = AuditEvent.objects.order_by("-seq").only("seq", "hash").first()
    if last is None:
        return None
    entry = {"at": at.isoformat(), "seq": last.seq, "hash": last.hash}
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(entry, sort_keys=True) + "\n")
    return entry
