"""Opening cases (by hand and from a confirmed match), the records of a case, the
overdue queue, the audit of every change, and the wipe."""

import datetime

import pytest
from django.db import connection

from reunite.audit.events import EventType
from reunite.audit.models import AuditEvent
from reunite.cases import selectors, services
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
from reunite.cases.models import (
    EligibilityFlag,
    OutreachAttempt,
    ParentDecision,
    ReunificationCase,
)
from reunite.cases.tests.conftest import NOW, member, ready_for_everything
from reunite.core.errors import Conflict, Invalid, NotFound
from reunite.people.choices import FamilyRole
from reunite.people.retention import person_wipe
from reunite.people.tests.factories import PersonFactory
from reunite.tracing import services as tracing
from reunite.tracing.models import CandidateStatus, Decision, MatchCandidate

pytestmark = pytest.mark.django_db


def events(event_type):
    return AuditEvent.objects.filter(event_type=event_type)


# --- Opening ----------------------------------------------------------------------------


def test_a_case_opened_by_hand_numbers_itself_and_is_audited(case, alice, bob, child, mother):
    assert case.reference == "RC-2026-0001"
    assert (case.stage, case.attorney, case.assistant, case.match) == (
        Stage.IDENTIFIED,
        alice,
        bob,
        None,
    )
    assert {(m.person, m.role) for m in case.members.all()} == {
        (child, MemberRole.CHILD),
        (mother, MemberRole.ADULT),
    }
    event = events(EventType.CASE_OPENED).get()
    assert event.target_id == str(case.public_id)
    assert event.data == {"match": None, "children": 1, "adults": 1}
    second = services.case_open(
        actor=member(alice),
        children=[PersonFactory(organization=case.organization, family_role=FamilyRole.CHILD)],
        adults=[PersonFactory(organization=case.organization)],
        now=NOW,
    )
    assert second.reference == "RC-2026-0002"
    assert second.attorney == alice  # the attorney who opened it, by default


def test_numbering_goes_past_9999_in_a_year(case, alice):
    ReunificationCase.objects.filter(pk=case.pk).update(reference="RC-2026-9999")

    def opened():
        return services.case_open(
            actor=member(alice),
            children=[PersonFactory(organization=case.organization, family_role=FamilyRole.CHILD)],
            adults=[PersonFactory(organization=case.organization)],
            now=NOW,
        )

    assert opened().reference == "RC-2026-10000"
    assert opened().reference == "RC-2026-10001"  # not "10000" again: text order put it first


def test_one_open_case_per_family_member(case, alice, child):
    with pytest.raises(Conflict):
        services.case_open(
            actor=member(alice),
            children=[child],
            adults=[PersonFactory(organization=case.organization)],
            now=NOW,
        )


def test_a_case_needs_a_child_and_an_adult(alice, child):
    with pytest.raises(Invalid):
        services.case_open(actor=member(alice), children=[child], adults=[], now=NOW)


def test_nobody_opens_a_case_for_people_they_cannot_see(alice, charlie, child):
    other = PersonFactory(organization=member(charlie).organization)
    with pytest.raises(NotFound):
        services.case_open(actor=member(alice), children=[child], adults=[other], now=NOW)


def test_staff_must_belong_to_the_organisation_in_their_role(alice, charlie, bob, child, mother):
    with pytest.raises(Invalid):
        services.case_open(
            actor=member(alice), children=[child], adults=[mother], attorney=charlie, now=NOW
        )
    with pytest.raises(Invalid):
        services.case_open(
            actor=member(alice), children=[child], adults=[mother], attorney=bob, now=NOW
        )


def test_an_auditor_opens_no_case(dana, child, mother):
    with pytest.raises(NotFound):
        services.case_open(actor=member(dana), children=[child], adults=[mother], now=NOW)


def _confirm(match, alice, charlie):
    for user in (alice, charlie):
        tracing.candidate_review(
            actor=member(user), match=match, decision=Decision.CONFIRM, reason="", now=NOW
        )
    match.refresh_from_db()
    assert match.status == CandidateStatus.CONFIRMED
    return match


def test_a_confirmed_match_opens_the_case_and_reunification_ends_the_match(
    family, alice, charlie, bob
):
    mother, boy = family
    match = MatchCandidate.objects.get(candidate=boy)
    with pytest.raises(Conflict):  # not confirmed yet
        services.case_open_from_match(actor=member(alice), match=match, now=NOW)
    _confirm(match, alice, charlie)
    case = services.case_open_from_match(actor=member(alice), match=match, assistant=bob, now=NOW)
    assert case.match == match and case.attorney == alice
    assert {(m.person, m.role) for m in case.members.all()} == {
        (boy, MemberRole.CHILD),
        (mother, MemberRole.ADULT),
    }
    with pytest.raises(Conflict):
        services.case_open_from_match(actor=member(alice), match=match, now=NOW)
    ready_for_everything(case, member(alice), mother)
    for stage in [
        Stage.LOCATED,
        Stage.CONTACT_ESTABLISHED,
        Stage.PARENTAGE_VERIFICATION,
        Stage.ELIGIBILITY_REVIEW,
        Stage.PARENT_DECISION,
        Stage.LOGISTICS,
    ]:
        case = services.case_transition(actor=member(alice), case=case, to=stage, now=NOW)
        match.refresh_from_db()
        assert match.status == CandidateStatus.CONFIRMED
    services.case_transition(actor=member(alice), case=case, to=Stage.REUNIFIED, now=NOW)
    match.refresh_from_db()
    assert match.status == CandidateStatus.REUNIFIED
    assert events(EventType.MATCH_OUTCOME).get().target_id == str(match.public_id)


def test_closing_as_reunified_elsewhere_ends_the_match_so(family, alice, charlie):
    match = _confirm(MatchCandidate.objects.get(candidate=family[1]), alice, charlie)
    # The other side (org B, the boy's counsel) runs its own case of the same family.
    case = services.case_open_from_match(actor=member(charlie), match=match, now=NOW)
    services.case_transition(
        actor=member(charlie),
        case=case,
        to=Stage.CLOSED,
        outcome=Outcome.REUNIFIED_ELSEWHERE,
        reason="with an aunt in Texas",
        now=NOW,
    )
    match.refresh_from_db()
    assert match.status == CandidateStatus.REUNITED_ELSEWHERE


def test_a_third_organisation_opens_no_case_from_the_match(family, alice, charlie, org_a):
    from reunite.accounts.tests.factories import MembershipFactory, OrganizationFactory

    match = _confirm(MatchCandidate.objects.get(candidate=family[1]), alice, charlie)
    stranger = MembershipFactory(organization=OrganizationFactory())
    with pytest.raises(NotFound):
        services.case_open_from_match(actor=stranger, match=match, now=NOW)


# --- Tasks ------------------------------------------------------------------------------


def test_overdue_tasks_are_those_not_done_and_due_before_today(case, alice, bob, charlie):
    today = datetime.date(2026, 3, 10)
    task = lambda title, due, **kw: services.task_create(  # noqa: E731
        actor=member(alice),
        case=case,
        title=title,
        kind=TaskKind.COURT_DEADLINE,
        due_on=due,
        assignee=kw.get("assignee", bob),
        now=NOW,
    )
    late = task("File the declaration", today - datetime.timedelta(days=1))
    done = task("Call the shelter", today - datetime.timedelta(days=3))
    task("Due today", today)
    task("No date", None)
    mine = task("Alice's", today - datetime.timedelta(days=2), assignee=alice)
    services.task_complete(actor=member(bob), task=done, now=NOW)
    assert list(selectors.tasks_overdue(actor=member(alice), today=today)) == [mine, late]
    assert list(selectors.tasks_overdue(actor=member(alice), today=today, mine=True)) == [mine]
    assert list(selectors.tasks_overdue(actor=member(charlie), today=today)) == []
    assert events(EventType.TASK_CREATED).count() == 5
    assert events(EventType.TASK_DONE).get().target_id == str(done.public_id)
    with pytest.raises(Conflict):
        services.task_complete(actor=member(bob), task=done, now=NOW)


def test_a_task_title_is_sealed(case, alice):
    services.task_create(
        actor=member(alice),
        case=case,
        title="Call María",
        kind=TaskKind.CALL,
        due_on=None,
        assignee=None,
        now=NOW,
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT title FROM cases_task")
        assert "María" not in cursor.fetchone()[0]


# --- Verification, eligibility, decision, outreach -------------------------------------


def test_a_dna_result_needs_its_consent_and_custody_references(case, alice, child):
    record = lambda **kw: services.parentage_check_record(  # noqa: E731
        actor=member(alice),
        case=case,
        kind=CheckKind.DNA_TEST,
        result=CheckResult.CONSISTENT,
        person=child,
        verified_at=NOW,
        **kw,
    )
    with pytest.raises(Invalid):
        record(consent_reference="CF-12")
    check = record(consent_reference="CF-12", custody_reference="COC-99", notes="lab: 99.9%")
    assert (check.verified_by, check.result) == (alice, CheckResult.CONSISTENT)
    event = events(EventType.PARENTAGE_CHECKED).get()
    assert event.data["kind"] == CheckKind.DNA_TEST and "CF-12" not in str(event.data)
    with pytest.raises(Invalid):
        services.parentage_check_record(
            actor=member(alice),
            case=case,
            kind=CheckKind.INTERVIEW,
            result=CheckResult.CONSISTENT,
            consent_reference="CF-12",
            verified_at=NOW,
        )


def test_a_flag_is_reviewed_and_challenged_forward_only(case, alice, mother):
    flag = services.eligibility_flag_raise(
        actor=member(alice),
        case=case,
        person=mother,
        category=FlagCategory.NOT_PARENT,
        evidence="ORR note",
        source=FlagSource.ORR,
        now=NOW,
    )
    flag = services.eligibility_flag_review(
        actor=member(alice), flag=flag, status=FlagStatus.UPHELD, now=NOW
    )
    assert (flag.status, flag.reviewer) == (FlagStatus.UPHELD, alice)
    with pytest.raises(Conflict):
        services.eligibility_flag_challenge(
            actor=member(alice), flag=flag, challenge_status=ChallengeStatus.UPHELD, now=NOW
        )
    services.eligibility_flag_challenge(
        actor=member(alice), flag=flag, challenge_status=ChallengeStatus.CHALLENGED, now=NOW
    )
    flag = services.eligibility_flag_challenge(
        actor=member(alice), flag=flag, challenge_status=ChallengeStatus.UPHELD, now=NOW
    )
    assert (flag.status, flag.challenge_status) == (FlagStatus.CLEARED, ChallengeStatus.UPHELD)
    assert events(EventType.ELIGIBILITY_FLAG_RAISED).count() == 1
    assert events(EventType.ELIGIBILITY_FLAG_REVIEWED).count() == 1
    assert events(EventType.ELIGIBILITY_FLAG_CHALLENGED).count() == 2


def test_flags_decisions_and_outreach_concern_members_only(case, alice):
    stranger = PersonFactory(organization=case.organization)
    with pytest.raises(Invalid):
        services.eligibility_flag_raise(
            actor=member(alice),
            case=case,
            person=stranger,
            category=FlagCategory.ABUSE,
            evidence="",
            source=FlagSource.COUNSEL,
            now=NOW,
        )
    with pytest.raises(Invalid):
        services.outreach_attempt_record(
            actor=member(alice),
            case=case,
            person=stranger,
            channel=Channel.RADIO,
            outcome=OutreachOutcome.UNREACHABLE,
            at=NOW,
        )


def test_a_child_takes_no_parents_decision(case, alice, child):
    with pytest.raises(Invalid):
        services.parent_decision_record(
            actor=member(alice),
            case=case,
            parent=child,
            choice=DecisionChoice.DECLINE,
            language="es",
            interpreter_used=False,
            counsel_present=True,
            form=DecisionForm.WRITTEN,
            decided_at=NOW,
        )


def test_a_new_decision_revokes_the_earlier_and_both_are_audited(case, alice, mother):
    decide = lambda choice: services.parent_decision_record(  # noqa: E731
        actor=member(alice),
        case=case,
        parent=mother,
        choice=choice,
        language="es",
        interpreter_used=False,
        counsel_present=True,
        form=DecisionForm.WRITTEN,
        decided_at=NOW,
    )
    first = decide(DecisionChoice.DECLINE)
    second = decide(DecisionChoice.REUNIFY_HOME)
    first.refresh_from_db()
    assert first.revoked_at == NOW and second.revoked_at is None
    services.parent_decision_revoke(
        actor=member(alice), decision=second, reason="wants time", now=NOW
    )
    with pytest.raises(Conflict):
        services.parent_decision_revoke(
            actor=member(alice), decision=second, reason="again", now=NOW
        )
    assert events(EventType.PARENT_DECISION_RECORDED).count() == 2
    assert events(EventType.PARENT_DECISION_REVOKED).count() == 1


def test_outreach_is_recorded_with_its_place_sealed(case, alice, mother):
    attempt = services.outreach_attempt_record(
        actor=member(alice),
        case=case,
        person=mother,
        channel=Channel.WHATSAPP,
        outcome=OutreachOutcome.WANTS_REUNIFICATION,
        at=NOW,
        country="gt",
        department="Huehuetenango",
        municipality="San Mateo Ixtatán",
        language="chj",
    )
    assert attempt.country == "GT"
    assert events(EventType.OUTREACH_RECORDED).get().data["outcome"] == "wants_reunification"
    with connection.cursor() as cursor:
        cursor.execute("SELECT municipality FROM cases_outreachattempt")
        assert "Ixtat" not in cursor.fetchone()[0]


def test_an_ended_case_takes_no_new_records_until_reopened(case, alice, mother):
    services.case_transition(
        actor=member(alice),
        case=case,
        to=Stage.CLOSED,
        outcome=Outcome.PARENT_DECLINED,
        reason="declined",
        now=NOW,
    )
    with pytest.raises(Conflict):
        services.outreach_attempt_record(
            actor=member(alice),
            case=case,
            person=mother,
            channel=Channel.PHONE,
            outcome=OutreachOutcome.CONTACTED,
            at=NOW,
        )


def test_only_editors_change_a_case(case, dana, charlie, mother):
    for actor in (member(dana), member(charlie)):
        with pytest.raises(NotFound):
            services.case_transition(actor=actor, case=case, to=Stage.LOCATED, now=NOW)


def test_assignment_is_audited(case, alice, ada):
    services.case_assign(actor=member(ada), case=case, attorney=alice, assistant=None)
    case.refresh_from_db()
    assert case.assistant is None
    assert events(EventType.CASE_ASSIGNED).get().fields == ["assistant", "attorney"]


# --- Lists and wipe ---------------------------------------------------------------------


def test_case_list_mine_and_by_stage(case, alice, bob, ada, charlie):
    assert list(selectors.case_list(actor=member(bob), mine=True)) == [case]
    assert list(selectors.case_list(actor=member(ada), mine=True)) == []
    assert list(selectors.case_list(actor=member(ada), stage=Stage.IDENTIFIED)) == [case]
    assert list(selectors.case_list(actor=member(ada), stage=Stage.LOCATED)) == []
    assert list(selectors.case_list(actor=member(charlie))) == []


def test_wiping_a_member_blanks_what_concerns_them_and_at_last_the_case(case, alice, mother, child):
    services.eligibility_flag_raise(
        actor=member(alice),
        case=case,
        person=mother,
        category=FlagCategory.ABUSE,
        evidence="report",
        source=FlagSource.ORR,
        now=NOW,
    )
    services.outreach_attempt_record(
        actor=member(alice),
        case=case,
        person=mother,
        channel=Channel.SMS,
        outcome=OutreachOutcome.CONTACTED,
        at=NOW,
        municipality="Nebaj",
        notes="sister's phone",
    )
    decision = services.parent_decision_record(
        actor=member(alice),
        case=case,
        parent=mother,
        choice=DecisionChoice.REUNIFY_US,
        language="es",
        interpreter_used=False,
        counsel_present=True,
        form=DecisionForm.WRITTEN,
        decided_at=NOW,
    )
    services.parent_decision_revoke(actor=member(alice), decision=decision, reason="x", now=NOW)
    services.task_create(
        actor=member(alice),
        case=case,
        title="Call Nebaj",
        kind=TaskKind.CALL,
        due_on=None,
        assignee=None,
        now=NOW,
    )
    person_wipe(person=mother, now=NOW)
    assert EligibilityFlag.objects.get().evidence == ""
    assert ParentDecision.objects.get().revocation_reason == ""
    attempt = OutreachAttempt.objects.get()
    assert (attempt.municipality, attempt.notes) == ("", "")
    assert case.tasks.get().title == "Call Nebaj"  # the child's record still stands
    person_wipe(person=child, now=NOW)
    assert case.tasks.get().title == ""
