"""A member's upload, scanned before anything reads or keeps it."""

from __future__ import annotations

from typing import Any

from reunite.accounts.models import Membership
from reunite.audit.events import EventType
from reunite.audit.services import record
from reunite.core import antivirus


def scan_upload(*, actor: Membership, data: bytes, upload: str, target: Any = None) -> None:
    """core.antivirus.scan_upload, recording an infected file as an `upload.infected`
    event of the member (`upload` names the kind of file; the signature, never the
    content, goes in the event). Call it outside the transaction that would keep the
    file, so that the event stays when the upload is refused."""
    antivirus.scan_upload(
        data,
        on_infected=lambda signature: record(
            event_type=EventType.UPLOAD_INFECTED,
            actor=actor.user,
            organization=actor.organization,
            target=target,
            data={"upload": upload, "signature": signature, "size": len(data)},
        ),
    )
