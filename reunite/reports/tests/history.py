"""A known history of org A's families, built through the services at known moments
(the clock travels to each one), for the court report's tests. Synthetic people only.

    case 1  child C1, parent P1  opened 03-01; P1 in ICE from 02-20, released 04-05;
                                 reunified 04-10
    case 2  child C2, parent P2  opened 03-02; P2 removed (01-15); declines 03-20;
                                 closed "parent declined" 04-01
    case 3  children C3, C4,     opened 03-03; P3 in US Marshals custody (02-01);
            parent P3            criminal history flag raised 03-10, upheld 03-15;
                                 closed "released to another sponsor" 04-20 10:00
    case 4  child C5, parent P4  opened 04-15; P4 in county jail (04-01); "not the
                                 parent" flag raised 04-16, upheld 04-17, challenged
                                 04-18, challenge upheld (cleared) 04-25; P4 declines
                                 04-16, revoked 04-19. Open.
    late    05-01: an ICE custody entry for P4 starting 04-10, recorded late.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import time_machine

from reunite.cases import services as cases
from reunite.cases.choices import (
    ChallengeStatus,
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
from reunite.people.choices import CustodyKind, FamilyRole
from reunite.people.services import CustodyInput, PersonInput, custody_record, person_create

YEAR = 2026


def moment(month: int, day: int, hour: int = 10) -> datetime:
    return datetime(YEAR, month, day, hour, tzinfo=UTC)


class Clock:
    """Runs each step with the clock at its moment (so created_at and the audit log's
    times agree with the times the services are given)."""

    def __init__(self, actor):
        self.actor = actor

    def __call__(self, when: datetime, step, **kwargs):
        with time_machine.travel(when, tick=False):
            return step(actor=self.actor, **kwargs)


def _person(actor, role, name, when):
    with time_machine.travel(when, tick=False):
        return person_create(
            actor=actor,
            data=PersonInput(family_role=role, given_names=name, paternal_surname="Prueba"),
            today=when.date(),
        )


def _custody(clock, when, person, kind, start, end=None):
    return clock(
        when,
        custody_record,
        person=person,
        data=CustodyInput(kind=kind, start_date=start, end_date=end),
    )


def _walk(clock, case, to: str, when: datetime):
    """Step the case forward one stage at a time, minutes apart, up to `to`."""
    order = [
        Stage.IDENTIFIED,
        Stage.LOCATED,
        Stage.CONTACT_ESTABLISHED,
        Stage.PARENTAGE_VERIFICATION,
        Stage.ELIGIBILITY_REVIEW,
        Stage.PARENT_DECISION,
        Stage.LOGISTICS,
        Stage.REUNIFIED,
    ]
    for minute, stage in enumerate(order[order.index(case.stage) + 1 : order.index(to) + 1]):
        case = clock(
            when.replace(minute=minute),
            cases.case_transition,
            case=case,
            to=stage,
            now=when.replace(minute=minute),
        )
    return case


def build_history(actor) -> dict:
    clock = Clock(actor)
    p = {}
    for name, role, when in [
        ("C1", FamilyRole.CHILD, moment(3, 1, 9)),
        ("P1", FamilyRole.PARENT, moment(3, 1, 9)),
        ("C2", FamilyRole.CHILD, moment(3, 2, 9)),
        ("P2", FamilyRole.PARENT, moment(3, 2, 9)),
        ("C3", FamilyRole.CHILD, moment(3, 3, 9)),
        ("C4", FamilyRole.CHILD, moment(3, 3, 9)),
        ("P3", FamilyRole.PARENT, moment(3, 3, 9)),
        ("C5", FamilyRole.CHILD, moment(4, 15, 9)),
        ("P4", FamilyRole.PARENT, moment(4, 15, 9)),
    ]:
        p[name] = _person(actor, role, f"Niño {name}" if name[0] == "C" else f"Señora {name}", when)

    # Case 1: reunified.
    t = moment(3, 1)
    case1 = clock(t, cases.case_open, children=[p["C1"]], adults=[p["P1"]], now=t)
    _custody(clock, t, p["P1"], CustodyKind.ICE, date(YEAR, 2, 20))
    case1 = _walk(clock, case1, Stage.PARENTAGE_VERIFICATION, moment(3, 5))
    clock(
        moment(3, 6),
        cases.parentage_check_record,
        case=case1,
        kind=CheckKind.BIRTH_CERTIFICATE,
        result=CheckResult.CONSISTENT,
        verified_at=moment(3, 6),
    )
    case1 = _walk(clock, case1, Stage.PARENT_DECISION, moment(3, 7))
    clock(
        moment(3, 20),
        cases.parent_decision_record,
        case=case1,
        parent=p["P1"],
        choice=DecisionChoice.REUNIFY_US,
        language="es",
        interpreter_used=True,
        counsel_present=True,
        form=DecisionForm.WRITTEN,
        decided_at=moment(3, 20),
    )
    # Released on 04-05: a new entry that starts later than the ICE stay.
    _custody(clock, moment(4, 5), p["P1"], CustodyKind.RELEASED, date(YEAR, 4, 5))
    case1 = _walk(clock, case1, Stage.REUNIFIED, moment(4, 10))

    # Case 2: the parent declines; closed.
    t = moment(3, 2)
    case2 = clock(t, cases.case_open, children=[p["C2"]], adults=[p["P2"]], now=t)
    _custody(clock, t, p["P2"], CustodyKind.REMOVED, date(YEAR, 1, 15))
    clock(
        moment(3, 20),
        cases.parent_decision_record,
        case=case2,
        parent=p["P2"],
        choice=DecisionChoice.DECLINE,
        language="es",
        interpreter_used=False,
        counsel_present=True,
        form=DecisionForm.RECORDED,
        decided_at=moment(3, 20),
    )
    case2 = clock(
        moment(4, 1),
        cases.case_transition,
        case=case2,
        to=Stage.CLOSED,
        outcome=Outcome.PARENT_DECLINED,
        reason="Declined after counsel.",
        now=moment(4, 1),
    )

    # Case 3: two children; a flag upheld; closed to another sponsor.
    t = moment(3, 3)
    case3 = clock(t, cases.case_open, children=[p["C3"], p["C4"]], adults=[p["P3"]], now=t)
    _custody(clock, t, p["P3"], CustodyKind.USM, date(YEAR, 2, 1))
    flag3 = clock(
        moment(3, 10),
        cases.eligibility_flag_raise,
        case=case3,
        person=p["P3"],
        category=FlagCategory.CRIMINAL_HISTORY,
        evidence="",
        source=FlagSource.ICE,
        now=moment(3, 10),
    )
    clock(
        moment(3, 15),
        cases.eligibility_flag_review,
        flag=flag3,
        status=FlagStatus.UPHELD,
        now=moment(3, 15),
    )
    case3 = clock(
        moment(4, 20),
        cases.case_transition,
        case=case3,
        to=Stage.CLOSED,
        outcome=Outcome.OTHER_SPONSOR,
        reason="Released to an aunt.",
        now=moment(4, 20),
    )

    # Case 4: still open; a flag upheld then cleared on challenge; a decline revoked.
    t = moment(4, 15)
    case4 = clock(t, cases.case_open, children=[p["C5"]], adults=[p["P4"]], now=t)
    _custody(clock, t, p["P4"], CustodyKind.JAIL, date(YEAR, 4, 1))
    flag4 = clock(
        moment(4, 16),
        cases.eligibility_flag_raise,
        case=case4,
        person=p["P4"],
        category=FlagCategory.NOT_PARENT,
        evidence="",
        source=FlagSource.ORR,
        now=moment(4, 16),
    )
    decline4 = clock(
        moment(4, 16, 11),
        cases.parent_decision_record,
        case=case4,
        parent=p["P4"],
        choice=DecisionChoice.DECLINE,
        language="es",
        interpreter_used=True,
        counsel_present=False,
        form=DecisionForm.WRITTEN,
        decided_at=moment(4, 16, 11),
    )
    flag4 = clock(
        moment(4, 17),
        cases.eligibility_flag_review,
        flag=flag4,
        status=FlagStatus.UPHELD,
        now=moment(4, 17),
    )
    flag4 = clock(
        moment(4, 18),
        cases.eligibility_flag_challenge,
        flag=flag4,
        challenge_status=ChallengeStatus.CHALLENGED,
        now=moment(4, 18),
    )
    clock(
        moment(4, 19),
        cases.parent_decision_revoke,
        decision=decline4,
        reason="Spoke without an interpreter.",
        now=moment(4, 19),
    )
    clock(
        moment(4, 25),
        cases.eligibility_flag_challenge,
        flag=flag4,
        challenge_status=ChallengeStatus.UPHELD,
        now=moment(4, 25),
    )
    return {"people": p, "cases": [case1, case2, case3, case4], "clock": clock}


def record_late_custody(history) -> None:
    """05-01: an ICE stay of P4 from 04-10, entered after the fact."""
    _custody(
        history["clock"], moment(5, 1), history["people"]["P4"], CustodyKind.ICE, date(YEAR, 4, 10)
    )
