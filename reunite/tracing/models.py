"""Match candidates between a sought person (as a client described them) and the people
other organisations, or the same one, registered; and the reviews that confirm them.

Blocking keys are stored as keyed blind indexes (BlockKey), so that finding candidates
needs no plaintext in the database.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from reunite.accounts.models import Organization
from reunite.core.fields import EncryptedTextField
from reunite.core.models import PublicModel
from reunite.people.models import Person


class CandidateStatus(models.TextChoices):
    POTENTIAL = "potential", _("Potential match")
    NEEDS_INFO = "needs_info", _("Needs more information")
    CONFIRMED = "confirmed", _("Confirmed")
    REJECTED = "rejected", _("Rejected")
    REUNIFIED = "reunified", _("Reunified")
    REUNITED_ELSEWHERE = "reunited_elsewhere", _("Reunited elsewhere")


class Decision(models.TextChoices):
    CONFIRM = "confirm", _("Confirm")
    REJECT = "reject", _("Reject")
    NEEDS_INFO = "needs_info", _("Needs more information")


class BlockKey(models.Model):
    """One blocking key of a person (a blind index of the engine's key string)."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="block_keys")
    digest = models.CharField(max_length=32)

    class Meta:
        indexes = [models.Index(fields=["digest", "person"])]
        constraints = [models.UniqueConstraint(fields=["person", "digest"], name="one_block_key")]

    def __str__(self):
        return f"block key {self.pk}"


class MatchCandidate(PublicModel):
    """`subject` (a sought person as described) may be `candidate` (a registered client).

    Each side confirms through a verified attorney of the organisation that owns it; until
    both have, neither sees the other's client beyond a non-identifying summary.
    """

    subject = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="candidates")
    candidate = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="candidate_for")
    subject_organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="+"
    )
    candidate_organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="+"
    )
    match_probability = models.FloatField()
    match_weight = models.FloatField()
    # [{"field", "level", "weight", "text"}]: the engine's explanation, no personal values.
    contributions = models.JSONField(default=list)
    model_version = models.CharField(max_length=32)
    status = models.CharField(
        max_length=24, choices=CandidateStatus.choices, default=CandidateStatus.POTENTIAL
    )
    subject_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    subject_confirmed_at = models.DateTimeField(null=True, blank=True)
    candidate_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    candidate_confirmed_at = models.DateTimeField(null=True, blank=True)
    disclosed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-match_probability"]
        constraints = [
            models.UniqueConstraint(fields=["subject", "candidate"], name="one_candidate_per_pair"),
            models.CheckConstraint(condition=~Q(subject=models.F("candidate")), name="not_oneself"),
            models.CheckConstraint(
                condition=Q(match_probability__gte=0) & Q(match_probability__lte=1),
                name="probability_in_unit_interval",
            ),
        ]
        indexes = [
            models.Index(fields=["subject_organization", "status", "-match_probability"]),
            models.Index(fields=["candidate_organization", "status", "-match_probability"]),
        ]

    def __str__(self):
        return f"candidate {self.public_id} ({self.status})"

    @property
    def is_cross_organization(self) -> bool:
        return self.subject_organization_id != self.candidate_organization_id


class Review(PublicModel):
    """One reviewer's decision on a candidate, with the reason."""

    match = models.ForeignKey(MatchCandidate, on_delete=models.CASCADE, related_name="reviews")
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decision = models.CharField(max_length=16, choices=Decision.choices)
    reason = EncryptedTextField(blank=True)  # may well name people

    class Meta:
        ordering = ["created_at"]

    def __str__(self):
        return f"review {self.public_id} ({self.decision})"


class NotificationKind(models.TextChoices):
    NEW_CANDIDATE = "new_candidate", _("A new strong match candidate")
    # Bulk exports (interop) need a second person: the possible approvers are told of a
    # request, the requester of the decision.
    EXPORT_REQUESTED = "export_requested", _("An export waits for a second person")
    EXPORT_APPROVED = "export_approved", _("Your export was approved")
    EXPORT_REFUSED = "export_refused", _("Your export was refused")


class Notification(PublicModel):
    """An in-app notice to a user (and the email sent with it). No personal data. Stored
    as a kind and a number, worded when shown, in the reader's language."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    match = models.ForeignKey(
        MatchCandidate, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=24, choices=NotificationKind.choices)
    percent = models.PositiveSmallIntegerField(default=0)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self):
        return f"notification {self.public_id}"

    @property
    def message(self) -> str:
        if self.kind == NotificationKind.EXPORT_REQUESTED:
            return _(
                "A bulk export of your organisation's data waits for a second person's approval."
            )
        if self.kind == NotificationKind.EXPORT_APPROVED:
            return _("Your export was approved: you can download it once, for a short while.")
        if self.kind == NotificationKind.EXPORT_REFUSED:
            return _("Your export was refused; the page of the request says why.")
        return _("A new strong match candidate (%(percent)d%%) is waiting for review.") % {
            "percent": self.percent
        }

    @property
    def is_export(self) -> bool:
        return self.kind in {
            NotificationKind.EXPORT_REQUESTED,
            NotificationKind.EXPORT_APPROVED,
            NotificationKind.EXPORT_REFUSED,
        }
