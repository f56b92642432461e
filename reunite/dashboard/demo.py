"""Demo reunification cases for `make run`, so that the dashboard's charts and the court
report have something to show: the demo families of the first organisation, opened over
the last months and walked through the stages (synthetic data only)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Q

from reunite.accounts.models import Membership, User
from reunite.cases import services
from reunite.cases.choices import (
    CheckKind,
    CheckResult,
    DecisionChoice,
    DecisionForm,
    FlagCategory,
    FlagSource,
    FlagStatus,
    MemberRole,
    Outcome,
    Stage,
    TaskKind,
)
from reunite.cases.models import ENDED, ReunificationCase
from reunite.core.errors import Conflict
from reunite.funds import services as funds
from reunite.funds.models import DisbursementKind, DonorKind, Fund
from reunite.people.choices import FamilyRole, RecordKind
from reunite.people.models import Person

WALK = [
    Stage.LOCATED,
    Stage.CONTACT_ESTABLISHED,
    Stage.PARENTAGE_VERIFICATION,
    Stage.ELIGIBILITY_REVIEW,
    Stage.PARENT_DECISION,
    Stage.LOGISTICS,
    Stage.REUNIFIED,
]

# (days ago the case opened, the stage it reaches, days between steps)
PLAN = [
    (170, Stage.REUNIFIED, 12),
    (120, Stage.REUNIFIED, 10),
    (95, Stage.REUNIFIED, 9),
    (60, Stage.REUNIFIED, 7),
    (75, Stage.CLOSED, 6),  # the parent declines
    (50, Stage.ELIGIBILITY_REVIEW, 8),  # a flag upheld
    (40, Stage.LOGISTICS, 5),
    (20, Stage.CONTACT_ESTABLISHED, 4),
    (6, Stage.IDENTIFIED, 2),
]


def _family(parent: Person) -> list[Person]:
    return list(
        Person.objects.filter(
            Q(family_links__relative=parent) | Q(relative_links__person=parent),
            family_role=FamilyRole.CHILD,
        ).distinct()
    )


def load_demo_cases(*, actor: Membership, assistant: User | None, now: datetime) -> int:
    """Open and walk the demo cases; returns how many were opened."""
    parents = Person.objects.filter(
        organization=actor.organization, family_role=FamilyRole.PARENT, kind=RecordKind.CLIENT
    ).order_by("pk")
    opened = 0
    for parent, (days_ago, goal, step) in zip(parents, PLAN, strict=False):
        children = _family(parent)
        if not children:
            continue
        at = now - timedelta(days=days_ago)
        case = services.case_open(
            actor=actor, children=children, adults=[parent], assistant=assistant, now=at
        )
        opened += 1
        if goal == Stage.CLOSED:
            at += timedelta(days=step)
            services.parent_decision_record(
                actor=actor, case=case, parent=parent, choice=DecisionChoice.DECLINE,
                language="es", interpreter_used=True, counsel_present=True,
                form=DecisionForm.RECORDED, decided_at=at,
            )  # fmt: skip
            services.case_transition(
                actor=actor, case=case, to=Stage.CLOSED, outcome=Outcome.PARENT_DECLINED,
                reason="The parent declined, with counsel present.", now=at + timedelta(days=1),
            )  # fmt: skip
            continue
        for stage in WALK[: WALK.index(goal) + 1] if goal != Stage.IDENTIFIED else []:
            at += timedelta(days=step)
            if stage == Stage.ELIGIBILITY_REVIEW:
                services.parentage_check_record(
                    actor=actor, case=case, kind=CheckKind.BIRTH_CERTIFICATE,
                    result=CheckResult.CONSISTENT, person=children[0], verified_at=at,
                )  # fmt: skip
            if stage == Stage.LOGISTICS:
                services.parent_decision_record(
                    actor=actor, case=case, parent=parent, choice=DecisionChoice.REUNIFY_US,
                    language="es", interpreter_used=False, counsel_present=True,
                    form=DecisionForm.WRITTEN, decided_at=at,
                )  # fmt: skip
            case = services.case_transition(actor=actor, case=case, to=stage, now=at)
        if goal == Stage.ELIGIBILITY_REVIEW:
            flag = services.eligibility_flag_raise(
                actor=actor, case=case, person=parent, category=FlagCategory.CRIMINAL_HISTORY,
                evidence="", source=FlagSource.ICE, now=at,
            )  # fmt: skip
            services.eligibility_flag_review(
                actor=actor, flag=flag, status=FlagStatus.UPHELD, now=at + timedelta(days=1)
            )
        if case.is_open:
            services.task_create(
                actor=actor, case=case, title="Call the shelter's case manager",
                kind=TaskKind.CALL, due_on=(now - timedelta(days=2 - days_ago % 5)).date(),
                assignee=actor.user, now=at,
            )  # fmt: skip
    return opened


def load_demo_money(*, attorney: Membership, finance: Membership, now: datetime) -> int:
    """Gifts in (one refused by the exclusion list), and bonds and travel out for the open
    demo cases, paid and one bond refunded: the funds pages and the money chart have
    something to show. Returns how many disbursements were made."""
    today = now.date()
    for name, kind, amount, fund in [
        ("Friends of the Border Fund (demo)", DonorKind.ORGANIZATION, 2_500_000, Fund.BOND),
        ("Community Travel Circle (demo)", DonorKind.ORGANIZATION, 800_000, Fund.TRAVEL),
        ("A. Donor (demo)", DonorKind.INDIVIDUAL, 500_000, Fund.GENERAL),
    ]:
        donor = funds.donor_create(actor=finance, kind=kind, name=name)
        gift = funds.gift_record(
            actor=finance, donor=donor, amount_cents=amount, fund=fund,
            received_on=today - timedelta(days=150),
        )  # fmt: skip
        funds.gift_accept(actor=finance, gift=gift, reason="Screened: clear.", now=now)
    contractor = "Detention Logistics Corp (demo)"
    funds.exclusion_add(actor=finance, name=contractor, agency="ICE")
    donor = funds.donor_create(actor=finance, kind=DonorKind.ORGANIZATION, name=contractor)
    gift = funds.gift_record(
        actor=finance, donor=donor, amount_cents=1_000_000, fund=Fund.GENERAL, received_on=today
    )
    funds.gift_refuse(actor=finance, gift=gift, reason="Holds detention contracts.", now=now)

    made = 0
    open_cases = ReunificationCase.objects.filter(
        organization=attorney.organization,
    ).exclude(stage__in=ENDED).order_by("pk")
    for case in open_cases:
        parent = case.members.filter(role=MemberRole.ADULT).first().person
        try:
            bond = services.case_disbursement_request(
                actor=attorney, case=case, kind=DisbursementKind.BOND, amount_cents=450_000,
                fund=Fund.BOND, parent=parent, facility="Centro de Detención Ficticio",
                obligor="Friends of the Border Fund (demo)", receipt_number=f"I-305-{case.pk:05d}",
            )  # fmt: skip
        except Conflict:  # the parent is not in ICE detention: no bond to post
            continue
        funds.disbursement_approve(actor=finance, disbursement=bond, now=now)
        funds.disbursement_pay(actor=finance, disbursement=bond, paid_on=today, now=now)
        made += 1
        if case.stage != Stage.LOGISTICS:
            funds.disbursement_refund(
                actor=finance, disbursement=bond, refunded_on=today,
                reason="The bond was cancelled after the hearing.", now=now,
            )  # fmt: skip
            continue
        travel = services.case_disbursement_request(
            actor=attorney, case=case, kind=DisbursementKind.TRAVEL, amount_cents=125_000,
            fund=Fund.TRAVEL, details="Bus tickets and an escort for the child",
        )  # fmt: skip
        funds.disbursement_approve(actor=finance, disbursement=travel, now=now)
        funds.disbursement_pay(actor=finance, disbursement=travel, paid_on=today, now=now)
        made += 1
    return made
