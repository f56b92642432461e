"""The append-only, hash-chained audit log."""

from django.db import models

from reunite.audit.events import EventType


class AuditEvent(models.Model):
    """One thing that happened. Never updated, never deleted (database triggers refuse).

    Each event's hash covers its own content and the previous event's hash, so changing
    or removing any event breaks the chain after it. Holds ids and field names, never the
    values of personal data.
    """

    seq = models.PositiveBigIntegerField(unique=True)
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
    prev_hash = models.CharField(max_length=64, unique=True)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["-seq"]
        indexes = [models.Index(fields=["organization_id", "-seq"])]

    def __str__(self):
        return f"audit #{self.seq} {self.event_type}"

    def get_event_type_display(self) -> str:
        try:
            return EventType(self.event_type).label
        except ValueError:
            return self.event_type
