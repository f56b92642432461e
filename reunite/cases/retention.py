"""The cases' part of the registry's retention (see reunite.people.retention.register).

Rows about one person (flags, decisions, outreach, checks) lose their sealed details when
that person is wiped. What belongs to the whole case (task titles, reasons, documents)
goes when the last of its members is wiped, as a separation's details do."""

from reunite.cases.models import (
    CaseDocument,
    CaseDocumentContent,
    CaseMember,
    CaseTransition,
    EligibilityFlag,
    OutreachAttempt,
    ParentageCheck,
    ParentDecision,
    ReunificationCase,
    Task,
)
from reunite.people import retention
from reunite.people.models import Person

_BOOKKEEPING = ("id", "public_id", "created_at", "updated_at")


def wipe_person(person: Person) -> None:
    EligibilityFlag.objects.filter(person=person).update(evidence="")
    ParentDecision.objects.filter(parent=person).update(revocation_reason="")
    OutreachAttempt.objects.filter(person=person).update(department="", municipality="", notes="")
    ParentageCheck.objects.filter(person=person).update(
        consent_reference="", custody_reference="", notes=""
    )
    for case in ReunificationCase.objects.filter(members__person=person):
        if CaseMember.objects.filter(case=case, person__purged_at__isnull=True).exists():
            continue
        ReunificationCase.objects.filter(pk=case.pk).update(outcome_reason="")
        CaseTransition.objects.filter(case=case).update(reason="")
        Task.objects.filter(case=case).update(title="")
        ParentageCheck.objects.filter(case=case).update(
            consent_reference="", custody_reference="", notes=""
        )
        EligibilityFlag.objects.filter(case=case).update(evidence="")
        ParentDecision.objects.filter(case=case).update(revocation_reason="")
        OutreachAttempt.objects.filter(case=case).update(department="", municipality="", notes="")
        CaseDocument.objects.filter(case=case).update(file_name="")
        CaseDocumentContent.objects.filter(document__case=case).update(data="")


retention.register(
    ReunificationCase,
    pii=("outcome_reason",),
    not_pii=(
        *_BOOKKEEPING,
        "organization",
        "reference",
        "stage",
        "outcome",
        "attorney",
        "assistant",
        "match",
        "opened_by",
        "opened_at",
        "stage_changed_at",
        "closed_at",
    ),
    wipe=wipe_person,
)
retention.register(CaseMember, not_pii=("id", "case", "person", "role"))
retention.register(
    CaseTransition,
    pii=("reason",),
    not_pii=(*_BOOKKEEPING, "case", "from_stage", "to_stage", "outcome", "actor", "at"),
)
retention.register(
    Task,
    pii=("title",),
    not_pii=(*_BOOKKEEPING, "case", "kind", "due_on", "assignee", "created_by", "done_at"),
)
retention.register(
    ParentageCheck,
    pii=("consent_reference", "custody_reference", "notes"),
    not_pii=(*_BOOKKEEPING, "case", "person", "kind", "result", "verified_by", "verified_at"),
)
retention.register(
    EligibilityFlag,
    pii=("evidence",),
    not_pii=(
        *_BOOKKEEPING,
        "case",
        "person",
        "category",
        "source",
        "status",
        "challenge_status",
        "raised_by",
        "raised_at",
        "reviewer",
        "reviewed_at",
    ),
)
retention.register(
    ParentDecision,
    pii=("revocation_reason",),
    not_pii=(
        *_BOOKKEEPING,
        "case",
        "parent",
        "choice",
        "language",
        "interpreter_used",
        "counsel_present",
        "form",
        "decided_at",
        "recorded_by",
        "revoked_at",
        "revoked_by",
    ),
)
retention.register(
    OutreachAttempt,
    pii=("department", "municipality", "notes"),
    not_pii=(
        *_BOOKKEEPING,
        "case",
        "person",
        "channel",
        "country",
        "language",
        "outcome",
        "at",
        "made_by",
    ),
)
retention.register(
    CaseDocument,
    pii=("file_name",),
    not_pii=(
        *_BOOKKEEPING,
        "case",
        "content_type",
        "size",
        "sha256",
        "uploaded_by",
        "uploaded_at",
    ),
)
retention.register(CaseDocumentContent, pii=("data",), not_pii=("id", "document"))
