"""Reads of the audit log for the audit page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID

from django.db.models import Q, QuerySet

from reunite.audit.models import AuditEvent


@dataclass(frozen=True)
class AuditFilter:
    event_type: str = ""
    actor_id: UUID | None = None
    target_id: str = ""
    since: date | None = None
    until: date | None = None


def audit_events(
    *, organization_id: UUID, member_ids: list[UUID], filters: AuditFilter
) -> QuerySet[AuditEvent]:
    """The organisation's events, plus account events (sign-ins, MFA) of its members."""
    events = AuditEvent.objects.filter(
        Q(organization_id=organization_id)
        | Q(organization_id__isnull=True, actor_id__in=member_ids)
    )
    if filters.event_type:
        events = events.filter(event_type=filters.event_type)
    if filters.actor_id:
        events = events.filter(actor_id=filters.actor_id)
    if filters.target_id:
        events = events.filter(target_id=filters.target_id)
    if filters.since:
        events = events.filter(occurred_at__date__gte=filters.since)
    if filters.until:
        events = events.filter(occurred_at__date__lte=filters.until)
    # Newest first by insert order, not seq: an event is pending (no seq) from its insert
    # until just after its transaction commits, and the log shows it all the same.
    return events.order_by("-id")
