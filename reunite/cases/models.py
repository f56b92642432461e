"""The reunification case: one family unit (one or more children, one or more adults)
from a confirmed match, or opened by hand, to reunification or another outcome.

Everything a person could be recognised by is an EncryptedTextField. `__str__` never
shows a name or a reference a reader could tie to a family (it ends up in logs).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from reunite.accounts.models import Organization
from reunite.cases.choices import (
    ChallengeStatus,
    Channel,
    CheckKind,
    CheckResult,
    DecisionChoice,
    DecisionForm,
    FlagCategory,
    FlagSource,
    FlagStatus,
    MemberRole,
    Outcome,
    OutreachOutcome,
    Stage,
    TaskKind,
)
from reunite.core.fields import EncryptedTextField
from reunite.core.models import PublicModel
from reunite.people.models import Person
from reunite.tracing.models import MatchCandidate

ENDED = (Stage.REUNIFIED, Stage.CLOSED)


class ReunificationCase(PublicModel):
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    # "RC-2026-0007": what staff say on the phone; unique within the organisation.
    reference = models.CharField(_("reference"), max_length=20)
    stage = models.CharField(max_length=24, choices=Stage.choices, default=Stage.IDENTIFIED)
    outcome = models.CharField(max_length=24, choices=Outcome.choices, blank=True)
    outcome_reason = EncryptedTextField(blank=True)
    attorney = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    assistant = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    match = models.ForeignKey(
        MatchCandidate, null=True, blank=True, on_delete=models.PROTECT, related_name="cases"
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    opened_at = models.DateTimeField()
    stage_changed_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    people = models.ManyToManyField(Person, through="CaseMember", related_name="cases")

    class Meta:
        ordering = ["-opened_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "reference"], name="one_case_reference_per_org"
            ),
            models.UniqueConstraint(
                fields=["organization", "match"],
                condition=Q(match__isnull=False),
                name="one_case_per_match_per_org",
            ),
            # Ended cases carry an outcome and an end time; open ones neither.
            models.CheckConstraint(
                condition=(Q(stage__in=ENDED, closed_at__isnull=False) & ~Q(outcome=""))
                | (~Q(stage__in=ENDED) & Q(closed_at__isnull=True, outcome="")),
                name="case_outcome_iff_ended",
            ),
        ]
        indexes = [models.Index(fields=["organization", "stage", "-opened_at"])]

    def __str__(self):
        return f"case {self.public_id} ({self.stage})"

    @property
    def is_open(self) -> bool:
        return self.stage not in ENDED


class CaseMember(models.Model):
    case = models.ForeignKey(ReunificationCase, on_delete=models.CASCADE, related_name="members")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=8, choices=MemberRole.choices)

    class Meta:
        ordering = ["role", "id"]
        constraints = [models.UniqueConstraint(fields=["case", "person"], name="once_per_case")]

    def __str__(self):
        return f"case member {self.pk} ({self.role})"


class CaseTransition(PublicModel):
    """One step of the case's history (append-only)."""

    case = models.ForeignKey(
        ReunificationCase, on_delete=models.CASCADE, related_name="transitions"
    )
    from_stage = models.CharField(max_length=24, choices=Stage.choices, blank=True)
    to_stage = models.CharField(max_length=24, choices=Stage.choices)
    outcome = models.CharField(max_length=24, choices=Outcome.choices, blank=True)
    reason = EncryptedTextField(blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"transition {self.public_id} ({self.from_stage} -> {self.to_stage})"


class Task(PublicModel):
    case = models.ForeignKey(ReunificationCase, on_delete=models.CASCADE, related_name="tasks")
    title = EncryptedTextField()
    kind = models.CharField(max_length=16, choices=TaskKind.choices)
    due_on = models.DateField(null=True, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["done_at", "due_on", "created_at"]
        indexes = [models.Index(fields=["done_at", "due_on"])]

    def __str__(self):
        return f"task {self.public_id} ({self.kind})"


class ParentageCheck(PublicModel):
    """One entry of the parentage verification ledger. For DNA: the result and the
    references to the consent and chain-of-custody papers only, never genetic data."""

    case = models.ForeignKey(
        ReunificationCase, on_delete=models.CASCADE, related_name="parentage_checks"
    )
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=24, choices=CheckKind.choices)
    result = models.CharField(max_length=16, choices=CheckResult.choices)
    consent_reference = EncryptedTextField(blank=True)
    custody_reference = EncryptedTextField(blank=True)  # chain of custody
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    verified_at = models.DateTimeField()
    notes = EncryptedTextField(blank=True)

    class Meta:
        ordering = ["verified_at", "id"]

    def __str__(self):
        return f"parentage check {self.public_id} ({self.kind}: {self.result})"


class EligibilityFlag(PublicModel):
    case = models.ForeignKey(
        ReunificationCase, on_delete=models.CASCADE, related_name="eligibility_flags"
    )
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    category = models.CharField(max_length=24, choices=FlagCategory.choices)
    evidence = EncryptedTextField(blank=True)
    source = models.CharField(max_length=16, choices=FlagSource.choices)
    status = models.CharField(max_length=8, choices=FlagStatus.choices, default=FlagStatus.RAISED)
    challenge_status = models.CharField(
        max_length=24, choices=ChallengeStatus.choices, default=ChallengeStatus.NONE
    )
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    raised_at = models.DateTimeField()
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["raised_at", "id"]

    def __str__(self):
        return f"eligibility flag {self.public_id} ({self.category}: {self.status})"


class ParentDecision(PublicModel):
    case = models.ForeignKey(ReunificationCase, on_delete=models.CASCADE, related_name="decisions")
    parent = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    choice = models.CharField(max_length=16, choices=DecisionChoice.choices)
    language = models.CharField(max_length=8)
    interpreter_used = models.BooleanField(default=False)
    counsel_present = models.BooleanField(default=False)
    form = models.CharField(max_length=8, choices=DecisionForm.choices)
    decided_at = models.DateTimeField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    revocation_reason = EncryptedTextField(blank=True)

    class Meta:
        ordering = ["decided_at", "id"]

    def __str__(self):
        return f"parent decision {self.public_id} ({self.choice})"


class OutreachAttempt(PublicModel):
    """One attempt to reach a (usually deported) parent."""

    case = models.ForeignKey(ReunificationCase, on_delete=models.CASCADE, related_name="outreach")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(max_length=16, choices=Channel.choices)
    country = models.CharField(max_length=2, blank=True)  # ISO 3166 code
    department = EncryptedTextField(blank=True)
    municipality = EncryptedTextField(blank=True)
    language = models.CharField(max_length=8, blank=True)
    outcome = models.CharField(max_length=24, choices=OutreachOutcome.choices)
    at = models.DateTimeField()
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    notes = EncryptedTextField(blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"outreach {self.public_id} ({self.channel}: {self.outcome})"


class CaseDocument(PublicModel):
    """An uploaded file's description. Its bytes live apart (CaseDocumentContent), so
    that listing documents never reads, decrypts or holds them."""

    case = models.ForeignKey(ReunificationCase, on_delete=models.CASCADE, related_name="documents")
    file_name = EncryptedTextField()  # names often carry a person's name
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField()

    class Meta:
        ordering = ["-uploaded_at", "-id"]

    def __str__(self):
        return f"document {self.public_id} ({self.content_type})"


class CaseDocumentContent(models.Model):
    """The bytes, base64-encoded then sealed with AES-256-GCM like every other personal
    value (so key rotation and the wipe reach them with no special case)."""

    document = models.OneToOneField(CaseDocument, on_delete=models.CASCADE, related_name="content")
    data = EncryptedTextField(blank=True)

    def __str__(self):
        return f"document content {self.pk}"
