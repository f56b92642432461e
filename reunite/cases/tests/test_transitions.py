"""The transition table, pair by pair, as a table and through the service; the guards;
the history and the audit of every move."""

import itertools

import pytest

from reunite.audit.events import EventType
from reunite.audit.models import AuditEvent
from reunite.cases import services
from reunite.cases.choices import (
    CheckKind,
    CheckResult,
    DecisionChoice,
    DecisionForm,
    FlagCategory,
    FlagSource,
    FlagStatus,
    Outcome,
    Stage,
)
from reunite.cases.models import ReunificationCase
from reunite.cases.tests.conftest import NOW, member, ready_for_everything
from reunite.core.errors import Conflict, Invalid

pytestmark = pytest.mark.django_db

S = Stage
OPEN = [
    S.IDENTIFIED,
    S.LOCATED,
    S.CONTACT_ESTABLISHED,
    S.PARENTAGE_VERIFICATION,
    S.ELIGIBILITY_REVIEW,
    S.PARENT_DECISION,
    S.LOGISTICS,
]
# The workflow written out by hand, independently of the service's table.
ALLOWED = {
    (S.IDENTIFIED, S.LOCATED),
    (S.LOCATED, S.CONTACT_ESTABLISHED),
    (S.CONTACT_ESTABLISHED, S.PARENTAGE_VERIFICATION),
    (S.PARENTAGE_VERIFICATION, S.ELIGIBILITY_REVIEW),
    (S.ELIGIBILITY_REVIEW, S.PARENT_DECISION),
    (S.PARENT_DECISION, S.LOGISTICS),
    (S.LOGISTICS, S.REUNIFIED),
    *((stage, S.CLOSED) for stage in OPEN),  # close from any open stage
    *((S.CLOSED, stage) for stage in OPEN),  # reopen
    *((S.REUNIFIED, stage) for stage in OPEN),
}
PAIRS = list(itertools.product(Stage, Stage))


@pytest.mark.parametrize(("source", "target"), PAIRS, ids=lambda s: s.value)
def test_the_table_allows_exactly_the_workflow(source, target):
    assert (target in services.TRANSITIONS[source]) == ((source, target) in ALLOWED)


def _put_at(case, stage):
    ended = stage in (S.REUNIFIED, S.CLOSED)
    ReunificationCase.objects.filter(pk=case.pk).update(
        stage=stage,
        outcome=(Outcome.REUNIFIED if stage == S.REUNIFIED else Outcome.OTHER) if ended else "",
        closed_at=NOW if ended else None,
    )
    case.refresh_from_db()


@pytest.mark.parametrize(("source", "target"), PAIRS, ids=lambda s: s.value)
def test_the_service_moves_exactly_along_the_table(case, alice, mother, source, target):
    ready_for_everything(case, member(alice), mother)  # every guard satisfied
    _put_at(case, source)
    outcome = Outcome.PARENT_DECLINED if target == S.CLOSED else ""
    if (source, target) in ALLOWED:
        moved = services.case_transition(
            actor=member(alice), case=case, to=target, reason="why", outcome=outcome, now=NOW
        )
        assert moved.stage == target
        last = moved.transitions.last()
        assert (last.from_stage, last.to_stage, last.reason) == (source, target, "why")
        assert AuditEvent.objects.filter(
            event_type=EventType.CASE_TRANSITIONED, target_id=str(case.public_id)
        ).exists()
    else:
        with pytest.raises(Conflict):
            services.case_transition(
                actor=member(alice), case=case, to=target, reason="why", outcome=outcome, now=NOW
            )
        case.refresh_from_db()
        assert case.stage == source


def test_the_whole_way_is_kept_in_history(case, alice, mother):
    ready_for_everything(case, member(alice), mother)
    for stage in [*OPEN[1:], S.REUNIFIED]:
        case = services.case_transition(actor=member(alice), case=case, to=stage, now=NOW)
    assert case.outcome == Outcome.REUNIFIED and case.closed_at == NOW
    assert [t.to_stage for t in case.transitions.all()] == [*OPEN, S.REUNIFIED]
    assert AuditEvent.objects.filter(event_type=EventType.CASE_TRANSITIONED).count() == 7


def test_closing_needs_an_outcome_and_a_reason(case, alice):
    with pytest.raises(Invalid, match="outcome"):
        services.case_transition(actor=member(alice), case=case, to=S.CLOSED, reason="x", now=NOW)
    with pytest.raises(Invalid):  # "reunified" is reached, not declared
        services.case_transition(
            actor=member(alice),
            case=case,
            to=S.CLOSED,
            reason="x",
            outcome=Outcome.REUNIFIED,
            now=NOW,
        )
    with pytest.raises(Invalid):
        services.case_transition(
            actor=member(alice),
            case=case,
            to=S.CLOSED,
            reason=" ",
            outcome=Outcome.AGED_OUT,
            now=NOW,
        )
    closed = services.case_transition(
        actor=member(alice),
        case=case,
        to=S.CLOSED,
        reason="18 today",
        outcome=Outcome.AGED_OUT,
        now=NOW,
    )
    assert (closed.stage, closed.outcome, closed.outcome_reason) == (
        S.CLOSED,
        Outcome.AGED_OUT,
        "18 today",
    )


def test_reopening_needs_a_reason_and_clears_the_outcome(case, alice):
    _put_at(case, S.CLOSED)
    with pytest.raises(Invalid):
        services.case_transition(actor=member(alice), case=case, to=S.LOCATED, reason="", now=NOW)
    reopened = services.case_transition(
        actor=member(alice), case=case, to=S.LOCATED, reason="found again", now=NOW
    )
    assert (reopened.stage, reopened.outcome, reopened.closed_at) == (S.LOCATED, "", None)


def test_an_outcome_only_goes_with_closing(case, alice):
    with pytest.raises(Invalid):
        services.case_transition(
            actor=member(alice), case=case, to=S.LOCATED, outcome=Outcome.OTHER, now=NOW
        )


# --- Guards -----------------------------------------------------------------------------


def test_eligibility_review_needs_a_verification_record(case, alice):
    _put_at(case, S.PARENTAGE_VERIFICATION)
    with pytest.raises(Conflict) as refused:
        services.case_transition(actor=member(alice), case=case, to=S.ELIGIBILITY_REVIEW, now=NOW)
    assert refused.value.code == "no_verification"
    services.parentage_check_record(
        actor=member(alice),
        case=case,
        kind=CheckKind.INTERVIEW,
        result=CheckResult.INCONCLUSIVE,
        verified_at=NOW,
    )
    assert (
        services.case_transition(
            actor=member(alice), case=case, to=S.ELIGIBILITY_REVIEW, now=NOW
        ).stage
        == S.ELIGIBILITY_REVIEW
    )


def _decide(case, alice, mother, choice):
    return services.parent_decision_record(
        actor=member(alice),
        case=case,
        parent=mother,
        choice=choice,
        language="mam",
        interpreter_used=True,
        counsel_present=False,
        form=DecisionForm.RECORDED,
        decided_at=NOW,
    )


@pytest.mark.parametrize(
    ("choices", "allowed"),
    [
        ([], False),
        ([DecisionChoice.DECLINE], False),
        ([DecisionChoice.REUNIFY_HOME], True),
        ([DecisionChoice.REUNIFY_US, DecisionChoice.DECLINE], False),  # the latest counts
        ([DecisionChoice.DECLINE, DecisionChoice.REUNIFY_US], True),
    ],
)
def test_logistics_need_a_current_decision_to_reunify(case, alice, mother, choices, allowed):
    _put_at(case, S.PARENT_DECISION)
    for choice in choices:
        _decide(case, alice, mother, choice)
    if allowed:
        assert (
            services.case_transition(actor=member(alice), case=case, to=S.LOGISTICS, now=NOW).stage
            == S.LOGISTICS
        )
    else:
        with pytest.raises(Conflict) as refused:
            services.case_transition(actor=member(alice), case=case, to=S.LOGISTICS, now=NOW)
        assert refused.value.code == "no_decision"


def test_a_revoked_decision_no_longer_opens_logistics(case, alice, mother):
    _put_at(case, S.PARENT_DECISION)
    decision = _decide(case, alice, mother, DecisionChoice.REUNIFY_US)
    services.parent_decision_revoke(
        actor=member(alice), decision=decision, reason="changed her mind", now=NOW
    )
    with pytest.raises(Conflict):
        services.case_transition(actor=member(alice), case=case, to=S.LOGISTICS, now=NOW)


@pytest.mark.parametrize(
    ("status", "allowed"),
    [(FlagStatus.RAISED, True), (FlagStatus.CLEARED, True), (FlagStatus.UPHELD, False)],
)
def test_an_upheld_flag_stops_reunification(case, alice, mother, status, allowed):
    flag = services.eligibility_flag_raise(
        actor=member(alice),
        case=case,
        person=mother,
        category=FlagCategory.CRIMINAL_HISTORY,
        evidence="ICE says 2009 conviction",
        source=FlagSource.ICE,
        now=NOW,
    )
    services.eligibility_flag_review(actor=member(alice), flag=flag, status=status, now=NOW)
    _put_at(case, S.LOGISTICS)
    if allowed:
        services.case_transition(actor=member(alice), case=case, to=S.REUNIFIED, now=NOW)
    else:
        with pytest.raises(Conflict) as refused:
            services.case_transition(actor=member(alice), case=case, to=S.REUNIFIED, now=NOW)
        assert refused.value.code == "flag_upheld"


def test_guards_hold_for_a_reopened_case_too(case, alice):
    _put_at(case, S.CLOSED)
    with pytest.raises(Conflict):
        services.case_transition(
            actor=member(alice), case=case, to=S.LOGISTICS, reason="r", now=NOW
        )


def test_the_database_refuses_an_ended_case_without_outcome(case):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        ReunificationCase.objects.filter(pk=case.pk).update(stage=S.CLOSED)
