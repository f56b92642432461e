"""Business rules of the reunification case. Every change is one transaction with one
audit event naming ids and codes, never personal values."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
from datetime import date, datetime

from django.conf import settings
from django.db import transaction
from django.db.models.functions import Length
from django.utils.translation import gettext as _

from reunite.accounts.access import has
from reunite.accounts.models import Membership, Organization, User
from reunite.accounts.roles import Capability, Role
from reunite.accounts.uploads import scan_upload
from reunite.audit.events import EventType
from reunite.audit.services import record
from reunite.cases import uploads
from reunite.cases.access import access_case
from reunite.cases.choices import (
    ChallengeStatus,
    CheckKind,
    DecisionChoice,
    FlagStatus,
    MemberRole,
    Outcome,
    Stage,
)
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
from reunite.core.errors import Conflict, Invalid, NotFound
from reunite.funds import services as funds
from reunite.funds.models import Disbursement, DisbursementKind
from reunite.people.access import access_person
from reunite.people.choices import CustodyKind, FamilyRole
from reunite.people.models import Person
from reunite.people.selectors import current_custody
from reunite.tracing.models import CandidateStatus, MatchCandidate
from reunite.tracing.services import candidate_mark_reunified, clients_of, side_of

OPEN_STAGES = (
    Stage.IDENTIFIED,
    Stage.LOCATED,
    Stage.CONTACT_ESTABLISHED,
    Stage.PARENTAGE_VERIFICATION,
    Stage.ELIGIBILITY_REVIEW,
    Stage.PARENT_DECISION,
    Stage.LOGISTICS,
)

# Who may follow whom. Open stages go one step forward, or close; an ended case
# (reunified or closed) may be reopened, with a reason, at any open stage.
TRANSITIONS: dict[str, frozenset[str]] = {
    **{
        stage: frozenset({following, Stage.CLOSED})
        for stage, following in zip(OPEN_STAGES, (*OPEN_STAGES[1:], Stage.REUNIFIED), strict=True)
    },
    Stage.REUNIFIED: frozenset(OPEN_STAGES),
    Stage.CLOSED: frozenset(OPEN_STAGES),
}
# The outcomes a case may be closed with ("reunified" is reached through the stages).
CLOSING_OUTCOMES = frozenset(Outcome) - {Outcome.REUNIFIED}


def allowed_next(case: ReunificationCase) -> list[str]:
    """The stages the case may move to, in the order of the workflow."""
    return [s for s in Stage if s in TRANSITIONS[case.stage]]


def _writable(actor: Membership, case: ReunificationCase, *, open_only: bool = True):
    """Invariants twice: the view's gate ran; the service asks it again, for writing,
    and locks the row."""
    access_case(actor=actor, public_id=case.public_id, write=True)
    case = ReunificationCase.objects.select_for_update().get(pk=case.pk)
    if open_only and not case.is_open:
        raise Conflict(_("This case has ended: reopen it first."))
    return case


def _member_of(case: ReunificationCase, person: Person, *, role: str | None = None) -> None:
    members = case.members.filter(person=person)
    if role:
        members = members.filter(role=role)
    if not members.exists():
        raise Invalid(_("This person is not a member of the case."), code="person")


def _staff(organization: Organization, user: User | None, roles: set[str], field: str) -> None:
    if user is None:
        return
    ok = Membership.objects.filter(
        organization=organization, user=user, is_active=True, role__in=roles
    ).exists()
    if not ok:
        raise Invalid(_("Choose an active member of the organisation in that role."), code=field)


def _next_reference(organization: Organization, *, now: datetime) -> str:
    # The organisation's row is the lock that serialises numbering within it.
    Organization.objects.select_for_update().filter(pk=organization.pk).first()
    prefix = f"RC-{now.year}-"
    last = (
        ReunificationCase.objects.filter(organization=organization, reference__startswith=prefix)
        .order_by(Length("reference").desc(), "-reference")  # RC-2026-10000 after -9999
        .values_list("reference", flat=True)
        .first()
    )
    number = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{number:04d}"


def _open(
    *,
    actor: Membership,
    children: Sequence[Person],
    adults: Sequence[Person],
    attorney: User | None,
    assistant: User | None,
    match: MatchCandidate | None,
    now: datetime,
) -> ReunificationCase:
    if not children or not adults:
        raise Invalid(_("A case needs at least one child and one adult."), code="members")
    people = [*children, *adults]
    if len({p.pk for p in people}) != len(people):
        raise Invalid(_("A person can be in the case only once."), code="members")
    for person in people:
        access_person(actor=actor, public_id=person.public_id)  # NotFound if not visible
    busy = CaseMember.objects.filter(
        case__organization=actor.organization,
        person__in=people,
        case__stage__in=OPEN_STAGES,
    )
    if busy.exists():
        raise Conflict(_("One of these people is already in an open case."), code="members")
    _staff(actor.organization, attorney, {Role.ATTORNEY}, "attorney")
    _staff(actor.organization, assistant, {Role.LEGAL_ASSISTANT, Role.ATTORNEY}, "assistant")
    case = ReunificationCase(
        organization=actor.organization,
        reference=_next_reference(actor.organization, now=now),
        attorney=attorney,
        assistant=assistant,
        match=match,
        opened_by=actor.user,
        opened_at=now,
        stage_changed_at=now,
    )
    case.full_clean()
    case.save()
    CaseMember.objects.bulk_create(
        [CaseMember(case=case, person=p, role=MemberRole.CHILD) for p in children]
        + [CaseMember(case=case, person=p, role=MemberRole.ADULT) for p in adults]
    )
    CaseTransition.objects.create(
        case=case, from_stage="", to_stage=case.stage, actor=actor.user, at=now
    )
    record(
        event_type=EventType.CASE_OPENED,
        actor=actor.user,
        organization=actor.organization,
        target=case,
        data={
            "match": str(match.public_id) if match else None,
            "children": len(children),
            "adults": len(adults),
        },
    )
    return case


def _default_attorney(actor: Membership) -> User | None:
    return actor.user if actor.role == Role.ATTORNEY else None


@transaction.atomic
def case_open(
    *,
    actor: Membership,
    children: Sequence[Person],
    adults: Sequence[Person],
    attorney: User | None = None,
    assistant: User | None = None,
    now: datetime,
) -> ReunificationCase:
    """Open a case by hand for people the actor's organisation can see."""
    if not has(actor, Capability.EDIT_CLIENTS):
        raise NotFound()
    return _open(
        actor=actor,
        children=children,
        adults=adults,
        attorney=attorney or _default_attorney(actor),
        assistant=assistant,
        match=None,
        now=now,
    )


@transaction.atomic
def case_open_from_match(
    *,
    actor: Membership,
    match: MatchCandidate,
    attorney: User | None = None,
    assistant: User | None = None,
    now: datetime,
) -> ReunificationCase:
    """Open the case of the family a confirmed match found: the registered person it
    found and the client(s) who were looking for them, as children and adults."""
    if not has(actor, Capability.EDIT_CLIENTS):
        raise NotFound()
    match = MatchCandidate.objects.select_for_update().get(pk=match.pk)
    side_of(actor=actor, match=match)  # NotFound for a third organisation
    if match.status != CandidateStatus.CONFIRMED:
        raise Conflict(_("Only a confirmed match opens a case."))
    if ReunificationCase.objects.filter(organization=actor.organization, match=match).exists():
        raise Conflict(_("This match already has a case."))
    family = [match.candidate, *clients_of(match.subject)]
    children = [p for p in family if p.family_role == FamilyRole.CHILD]
    adults = [p for p in family if p.family_role != FamilyRole.CHILD]
    return _open(
        actor=actor,
        children=children,
        adults=adults,
        attorney=attorney or _default_attorney(actor),
        assistant=assistant,
        match=match,
        now=now,
    )


@transaction.atomic
def case_assign(
    *, actor: Membership, case: ReunificationCase, attorney: User | None, assistant: User | None
) -> ReunificationCase:
    case = _writable(actor, case, open_only=False)
    _staff(case.organization, attorney, {Role.ATTORNEY}, "attorney")
    _staff(case.organization, assistant, {Role.LEGAL_ASSISTANT, Role.ATTORNEY}, "assistant")
    case.attorney, case.assistant = attorney, assistant
    case.full_clean()
    case.save(update_fields=["attorney", "assistant", "updated_at"])
    record(
        event_type=EventType.CASE_ASSIGNED,
        actor=actor.user,
        organization=actor.organization,
        target=case,
        fields=["attorney", "assistant"],
    )
    return case


def _guard(case: ReunificationCase, to: str) -> None:
    """The few things a stage needs before the case may enter it."""
    if to == Stage.ELIGIBILITY_REVIEW and not case.parentage_checks.exists():
        raise Conflict(
            _("Record at least one parentage verification before the eligibility review."),
            code="no_verification",
        )
    if (
        to == Stage.LOGISTICS
        and not case.decisions.filter(
            revoked_at__isnull=True,
            choice__in=[DecisionChoice.REUNIFY_US, DecisionChoice.REUNIFY_HOME],
        ).exists()
    ):
        raise Conflict(
            _("Logistics start only after a parent's recorded decision to reunify."),
            code="no_decision",
        )
    if to == Stage.REUNIFIED and case.eligibility_flags.filter(status=FlagStatus.UPHELD).exists():
        raise Conflict(
            _("An upheld eligibility flag stands in the way of reunification."),
            code="flag_upheld",
        )


@transaction.atomic
def case_transition(
    *,
    actor: Membership,
    case: ReunificationCase,
    to: str,
    reason: str = "",
    outcome: str = "",
    now: datetime,
) -> ReunificationCase:
    """Move the case through the table. Closing needs an outcome and a reason, reopening
    a reason. Reaching "reunified" (or closing as "reunified elsewhere") ends the match
    the case came from the same way."""
    case = _writable(actor, case, open_only=False)
    reason = reason.strip()
    if to not in TRANSITIONS[case.stage]:
        raise Conflict(
            _("A case at %(current)s cannot move to %(new)s.")
            % {
                "current": case.get_stage_display(),
                "new": Stage(to).label if to in Stage.values else to,
            },
            code="transition",
        )
    reopening = not case.is_open
    if to == Stage.CLOSED:
        if outcome not in CLOSING_OUTCOMES:
            raise Invalid(_("Choose the outcome the case closes with."), code="outcome")
        if not reason:
            raise Invalid(_("Say why the case closes."), code="reason")
    elif outcome:
        raise Invalid(_("Only closing takes an outcome."), code="outcome")
    if reopening and not reason:
        raise Invalid(_("Say why the case reopens."), code="reason")
    _guard(case, to)
    from_stage = case.stage
    case.stage, case.stage_changed_at = to, now
    if to == Stage.REUNIFIED:
        case.outcome, case.outcome_reason, case.closed_at = Outcome.REUNIFIED, reason, now
    elif to == Stage.CLOSED:
        case.outcome, case.outcome_reason, case.closed_at = outcome, reason, now
    else:
        case.outcome, case.outcome_reason, case.closed_at = "", "", None
    case.full_clean()
    case.save()
    CaseTransition.objects.create(
        case=case,
        from_stage=from_stage,
        to_stage=to,
        outcome=case.outcome,
        reason=reason,
        actor=actor.user,
        at=now,
    )
    record(
        event_type=EventType.CASE_TRANSITIONED,
        actor=actor.user,
        organization=actor.organization,
        target=case,
        fields=["reason"] if reason else [],
        data={"from": from_stage, "to": to, "outcome": case.outcome},
    )
    if case.match_id and case.match.status == CandidateStatus.CONFIRMED:
        if to == Stage.REUNIFIED:
            candidate_mark_reunified(actor=actor, match=case.match, now=now)
        elif outcome == Outcome.REUNIFIED_ELSEWHERE:
            candidate_mark_reunified(actor=actor, match=case.match, elsewhere=True, now=now)
    return case


# --- Tasks ------------------------------------------------------------------------------


@transaction.atomic
def task_create(
    *,
    actor: Membership,
    case: ReunificationCase,
    title: str,
    kind: str,
    due_on: date | None,
    assignee: User | None,
    now: datetime,
) -> Task:
    case = _writable(actor, case, open_only=False)
    _staff(case.organization, assignee, set(Role) - {Role.AUDITOR}, "assignee")
    task = Task(
        case=case,
        title=" ".join(title.split()),
        kind=kind,
        due_on=due_on,
        assignee=assignee,
        created_by=actor.user,
    )
    task.full_clean()
    task.save()
    record(
        event_type=EventType.TASK_CREATED,
        actor=actor.user,
        organization=actor.organization,
        target=task,
        data={"case": str(case.public_id), "kind": kind},
    )
    return task


@transaction.atomic
def task_complete(*, actor: Membership, task: Task, now: datetime) -> Task:
    _writable(actor, task.case, open_only=False)
    task = Task.objects.select_for_update().get(pk=task.pk)
    if task.done_at is not None:
        raise Conflict(_("This task is already done."))
    task.done_at = now
    task.save(update_fields=["done_at", "updated_at"])
    record(
        event_type=EventType.TASK_DONE,
        actor=actor.user,
        organization=actor.organization,
        target=task,
        data={"case": str(task.case.public_id)},
    )
    return task


# --- Parentage verification -------------------------------------------------------------


@transaction.atomic
def parentage_check_record(
    *,
    actor: Membership,
    case: ReunificationCase,
    kind: str,
    result: str,
    person: Person | None = None,
    consent_reference: str = "",
    custody_reference: str = "",
    verified_at: datetime,
    notes: str = "",
) -> ParentageCheck:
    """One entry of the ledger. A DNA test is recorded only with its consent and
    chain-of-custody references, and only its result: never genetic data."""
    case = _writable(actor, case)
    if person is not None:
        _member_of(case, person)
    consent_reference, custody_reference = consent_reference.strip(), custody_reference.strip()
    if kind == CheckKind.DNA_TEST and not (consent_reference and custody_reference):
        raise Invalid(
            _("A DNA result needs its consent reference and its chain-of-custody reference."),
            code="consent_reference",
        )
    if kind != CheckKind.DNA_TEST and (consent_reference or custody_reference):
        raise Invalid(_("Consent and custody references belong to DNA tests."), code="kind")
    check = ParentageCheck(
        case=case,
        person=person,
        kind=kind,
        result=result,
        consent_reference=consent_reference,
        custody_reference=custody_reference,
        verified_by=actor.user,
        verified_at=verified_at,
        notes=notes.strip(),
    )
    check.full_clean()
    check.save()
    record(
        event_type=EventType.PARENTAGE_CHECKED,
        actor=actor.user,
        organization=actor.organization,
        target=case,
        data={"check": str(check.public_id), "kind": kind, "result": result},
    )
    return check


# --- Eligibility ------------------------------------------------------------------------


@transaction.atomic
def eligibility_flag_raise(
    *,
    actor: Membership,
    case: ReunificationCase,
    person: Person,
    category: str,
    evidence: str,
    source: str,
    now: datetime,
) -> EligibilityFlag:
    case = _writable(actor, case)
    _member_of(case, person)
    flag = EligibilityFlag(
        case=case,
        person=person,
        category=category,
        evidence=evidence.strip(),
        source=source,
        raised_by=actor.user,
        raised_at=now,
    )
    flag.full_clean()
    flag.save()
    record(
        event_type=EventType.ELIGIBILITY_FLAG_RAISED,
        actor=actor.user,
        organization=actor.organization,
        target=flag,
        fields=["evidence"] if flag.evidence else [],
        data={"case": str(case.public_id), "category": category, "source": source},
    )
    return flag


@transaction.atomic
def eligibility_flag_review(
    *, actor: Membership, flag: EligibilityFlag, status: str, now: datetime
) -> EligibilityFlag:
    """A reviewer clears or upholds the flag (or sets it back to raised)."""
    _writable(actor, flag.case)
    flag = EligibilityFlag.objects.select_for_update().get(pk=flag.pk)
    if status not in FlagStatus.values:
        raise Invalid(_("Choose a status."), code="status")
    flag.status, flag.reviewer, flag.reviewed_at = status, actor.user, now
    flag.full_clean()
    flag.save()
    record(
        event_type=EventType.ELIGIBILITY_FLAG_REVIEWED,
        actor=actor.user,
        organization=actor.organization,
        target=flag,
        data={"status": status},
    )
    return flag


# The challenge moves forward only: none -> challenged -> upheld | denied.
CHALLENGES: dict[str, frozenset[str]] = {
    ChallengeStatus.NONE: frozenset({ChallengeStatus.CHALLENGED}),
    ChallengeStatus.CHALLENGED: frozenset({ChallengeStatus.UPHELD, ChallengeStatus.DENIED}),
    ChallengeStatus.UPHELD: frozenset(),
    ChallengeStatus.DENIED: frozenset(),
}


@transaction.atomic
def eligibility_flag_challenge(
    *, actor: Membership, flag: EligibilityFlag, challenge_status: str, now: datetime
) -> EligibilityFlag:
    """Record the challenge to a flag and its result; a successful challenge clears it."""
    _writable(actor, flag.case)
    flag = EligibilityFlag.objects.select_for_update().get(pk=flag.pk)
    if challenge_status not in CHALLENGES[flag.challenge_status]:
        raise Conflict(_("The challenge cannot move that way."), code="challenge")
    flag.challenge_status = challenge_status
    if challenge_status == ChallengeStatus.UPHELD:
        flag.status, flag.reviewed_at = FlagStatus.CLEARED, now
    flag.full_clean()
    flag.save()
    record(
        event_type=EventType.ELIGIBILITY_FLAG_CHALLENGED,
        actor=actor.user,
        organization=actor.organization,
        target=flag,
        data={"challenge": challenge_status, "status": flag.status},
    )
    return flag


# --- The parent's decision --------------------------------------------------------------


@transaction.atomic
def parent_decision_record(
    *,
    actor: Membership,
    case: ReunificationCase,
    parent: Person,
    choice: str,
    language: str,
    interpreter_used: bool,
    counsel_present: bool,
    form: str,
    decided_at: datetime,
) -> ParentDecision:
    """A parent's decision; a new one stands in for the parent's earlier ones, which are
    revoked with it (so at most one decision per parent is current)."""
    case = _writable(actor, case)
    _member_of(case, parent, role=MemberRole.ADULT)
    decision = ParentDecision(
        case=case,
        parent=parent,
        choice=choice,
        language=language,
        interpreter_used=interpreter_used,
        counsel_present=counsel_present,
        form=form,
        decided_at=decided_at,
        recorded_by=actor.user,
    )
    decision.full_clean()
    ParentDecision.objects.filter(case=case, parent=parent, revoked_at__isnull=True).update(
        revoked_at=decided_at, revoked_by=actor.user
    )
    decision.save()
    record(
        event_type=EventType.PARENT_DECISION_RECORDED,
        actor=actor.user,
        organization=actor.organization,
        target=decision,
        data={"case": str(case.public_id), "choice": choice, "counsel_present": counsel_present},
    )
    return decision


@transaction.atomic
def parent_decision_revoke(
    *, actor: Membership, decision: ParentDecision, reason: str, now: datetime
) -> ParentDecision:
    _writable(actor, decision.case)
    decision = ParentDecision.objects.select_for_update().get(pk=decision.pk)
    if decision.revoked_at is not None:
        raise Conflict(_("This decision is already revoked."))
    if not reason.strip():
        raise Invalid(_("Say why the decision is revoked."), code="reason")
    decision.revoked_at, decision.revoked_by = now, actor.user
    decision.revocation_reason = reason.strip()
    decision.full_clean()
    decision.save()
    record(
        event_type=EventType.PARENT_DECISION_REVOKED,
        actor=actor.user,
        organization=actor.organization,
        target=decision,
        fields=["revocation_reason"],
    )
    return decision


# --- Outreach ---------------------------------------------------------------------------


@transaction.atomic
def outreach_attempt_record(
    *,
    actor: Membership,
    case: ReunificationCase,
    person: Person,
    channel: str,
    outcome: str,
    at: datetime,
    country: str = "",
    department: str = "",
    municipality: str = "",
    language: str = "",
    notes: str = "",
) -> OutreachAttempt:
    case = _writable(actor, case)
    _member_of(case, person)
    attempt = OutreachAttempt(
        case=case,
        person=person,
        channel=channel,
        outcome=outcome,
        at=at,
        country=country.strip().upper(),
        department=department.strip(),
        municipality=municipality.strip(),
        language=language,
        notes=notes.strip(),
        made_by=actor.user,
    )
    attempt.full_clean()
    attempt.save()
    record(
        event_type=EventType.OUTREACH_RECORDED,
        actor=actor.user,
        organization=actor.organization,
        target=attempt,
        data={"case": str(case.public_id), "channel": channel, "outcome": outcome},
    )
    return attempt


# --- Documents --------------------------------------------------------------------------


def case_document_upload(
    *, actor: Membership, case: ReunificationCase, file_name: str, data: bytes, now: datetime
) -> CaseDocument:
    """Keep a file on the case: its size limited, its bytes scanned for viruses, its type
    read from its bytes (and agreeing with its name), its name cleaned, its bytes sealed,
    its digest kept. The scan runs outside the transaction that keeps the file, so the
    audit event of an infected file survives the refusal."""
    access_case(actor=actor, public_id=case.public_id, write=True)
    if len(data) > settings.CASE_DOCUMENT_MAX_BYTES:
        raise Invalid(
            _("The file is larger than %(mb)d MB.")
            % {"mb": settings.CASE_DOCUMENT_MAX_BYTES // (1024 * 1024)},
            code="too_large",
        )
    scan_upload(actor=actor, data=data, upload="case_document", target=case)
    return _case_document_keep(actor=actor, case=case, file_name=file_name, data=data, now=now)


@transaction.atomic
def _case_document_keep(
    *, actor: Membership, case: ReunificationCase, file_name: str, data: bytes, now: datetime
) -> CaseDocument:
    case = _writable(actor, case, open_only=False)
    try:
        sniffed = uploads.check(file_name, data)
    except uploads.Rejected as exc:
        raise Invalid(
            _(
                "Only PDF, PNG, JPEG and plain text files are accepted, and the file name must "
                "say what the file really is."
            ),
            code=exc.reason,
        ) from exc
    document = CaseDocument(
        case=case,
        file_name=sniffed.file_name,
        content_type=sniffed.content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        uploaded_by=actor.user,
        uploaded_at=now,
    )
    document.full_clean()
    document.save()
    CaseDocumentContent.objects.create(document=document, data=base64.b64encode(data).decode())
    record(
        event_type=EventType.DOCUMENT_UPLOADED,
        actor=actor.user,
        organization=actor.organization,
        target=document,
        data={"case": str(case.public_id), "type": sniffed.content_type, "size": len(data)},
    )
    return document


@transaction.atomic
def case_document_open(*, actor: Membership, document: CaseDocument) -> bytes:
    """The document's bytes, for the actor who passed its gate; the reading is audited.
    The digest is checked, so bytes swapped in the database are never served."""
    access_case(actor=actor, public_id=document.case.public_id)
    content = CaseDocumentContent.objects.get(document=document)
    data = base64.b64decode(content.data)
    if hashlib.sha256(data).hexdigest() != document.sha256:
        raise Conflict(_("This document is damaged and cannot be served."), code="integrity")
    record(
        event_type=EventType.DOCUMENT_DOWNLOADED,
        actor=actor.user,
        organization=actor.organization,
        target=document,
        data={"case": str(document.case.public_id)},
    )
    return data


# --- Money --------------------------------------------------------------------------------


@transaction.atomic
def case_disbursement_request(
    *,
    actor: Membership,
    case: ReunificationCase,
    kind: str,
    amount_cents: int,
    fund: str,
    parent: Person | None = None,
    facility: str = "",
    obligor: str = "",
    receipt_number: str = "",
    details: str = "",
) -> Disbursement:
    """Ask the funds for money for an open case. An immigration bond is for one of the
    case's adults who is in ICE detention now; the funds app records and audits the
    request and its approvals."""
    case = _writable(actor, case)
    person_id = None
    if kind == DisbursementKind.BOND:
        if parent is None:
            raise Invalid(_("A bond names the detained parent it is for."), code="person")
        _member_of(case, parent, role=MemberRole.ADULT)
        # Where the parent is now, as the person page shows it.
        custody = current_custody(parent)
        if custody is None or custody.end_date is not None or custody.kind != CustodyKind.ICE:
            raise Conflict(
                _("An immigration bond is for a parent in ICE detention now; record their custody first."),
                code="not_detained",
            )  # fmt: skip
        person_id = parent.public_id
    return funds.disbursement_request(
        actor=actor,
        case_id=case.public_id,
        kind=kind,
        amount_cents=amount_cents,
        fund=fund,
        person_id=person_id,
        facility=facility,
        obligor=obligor,
        receipt_number=receipt_number,
        details=details,
    )
