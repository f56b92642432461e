"""The append-only, hash-chained audit log."""

from django.db import models
from django.db.models import Q

from reunite.audit.events import EventType


class AuditEvent(models.Model):
    """One thing that happened. Never deleted, and never updated except to be sealed once
    (database triggers refuse everything else).

    record() inserts an event *pending*: its content fixed, its place in the chain (seq,
    prev_hash, hash) empty, inside the caller's transaction. The sealer gives committed
    pending events their place, in insert order, shortly after commit. Each sealed event's
    hash covers its own content, its seq and the previous event's hash, so changing or
    removing any sealed event breaks the chain after it. Holds ids and field names, never
    the values of personal data.
    """

    seq = models.PositiveBigIntegerField(unique=True, null=True, blank=True)
    occurred_at = models.DateTimeField(db_index=True)
    # No `choices` here: the enum grows with every capability and is enforced by record();
    # keeping it out of the schema spares a migration per new event type.
    event_type = models.CharField(max_length=64, db_index=True)
    actor_id = models.UUIDField(null=True, blank=True, db_index=True)
    organization_id = models.UUIDField(null=True, blank=True, db_index=True)
    target_type = models.CharField(max_length=64, blank=True)
    target_id = models.CharField(max_length=64, blank=True, db_index=True)
    fields = models.JSONField(default=list, blank=True)
    data = models.JSONField(default=dict, blank=True)
    source_ip = models.GenericIPAddressField(null=True, blank=True)
    prev_hash = models.CharField(max_length=64, unique=True, null=True, blank=True)
    hash = models.CharField(max_length=64, unique=True, null=True, blank=True)

    class Meta:
        # Insert order: it holds for pending events too, and is the order the sealer
        # chains them in (seq can differ from it only between concurrent transactions).
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["organization_id", "-id"], name="audit_org_newest_idx"),
            # The sealer's work list: tiny, as events are pending only until just after commit.
            models.Index(fields=["id"], condition=Q(seq__isnull=True), name="audit_pending_idx"),
        ]
        constraints = [
            # Sealed is all three of seq, prev_hash and hash; pending is none of them.
            models.CheckConstraint(
                condition=Q(seq__isnull=True, prev_hash__isnull=True, hash__isnull=True)
                | Q(seq__isnull=False, prev_hash__isnull=False, hash__isnull=False),
                name="audit_sealed_whole_or_pending",
            ),
        ]

    def __str__(self):
        place = f"#{self.seq}" if self.seq is not None else f"pending {self.pk}"
        return f"audit {place} {self.event_type}"

    @property
    def sealed(self) -> bool:
        return self.seq is not None

    def get_event_type_display(self) -> str:
        try:
            return EventType(self.event_type).label
        except ValueError:
            return self.event_type
