"""Reads of cases and their work, scoped by the actor."""

from __future__ import annotations

from datetime import date

from django.db.models import Q, QuerySet

from reunite.accounts.models import Membership, User
from reunite.accounts.roles import Role
from reunite.cases.access import visible_cases
from reunite.cases.models import ENDED, CaseMember, ReunificationCase, Task


def case_list(
    *, actor: Membership, mine: bool = False, stage: str = ""
) -> QuerySet[ReunificationCase]:
    """The organisation's cases; `mine`: those the actor is the attorney or assistant of."""
    cases = visible_cases(actor=actor).select_related("attorney", "assistant")
    if mine:
        cases = cases.filter(Q(attorney=actor.user) | Q(assistant=actor.user))
    if stage:
        cases = cases.filter(stage=stage)
    return cases.order_by("-opened_at")


def tasks_overdue(*, actor: Membership, today: date, mine: bool = False) -> QuerySet[Task]:
    """Tasks not done and due before `today`, in the actor's organisation."""
    tasks = Task.objects.filter(
        case__in=visible_cases(actor=actor), done_at__isnull=True, due_on__lt=today
    ).select_related("case", "assignee")
    if mine:
        tasks = tasks.filter(assignee=actor.user)
    return tasks.order_by("due_on", "created_at")


def case_for_page(case: ReunificationCase) -> ReunificationCase:
    """Everything the case page shows, fetched in a fixed number of queries."""
    return (
        ReunificationCase.objects.filter(pk=case.pk)
        .select_related("attorney", "assistant", "match", "opened_by")
        .prefetch_related(
            "members__person",
            "transitions__actor",
            "tasks__assignee",
            "parentage_checks__verified_by",
            "parentage_checks__person",
            "eligibility_flags__person",
            "eligibility_flags__reviewer",
            "decisions__parent",
            "outreach__person",
            "documents__uploaded_by",
        )
        .get()
    )


def case_staff(*, actor: Membership) -> QuerySet[User]:
    """The organisation's active members who can be given case work."""
    return User.objects.filter(
        memberships__organization=actor.organization,
        memberships__is_active=True,
        memberships__role__in=[Role.ATTORNEY, Role.LEGAL_ASSISTANT, Role.ORG_ADMIN],
    ).order_by("full_name")


def case_members(case: ReunificationCase) -> dict[str, object]:
    """The case's people by public id (as forms post them)."""
    return {str(m.person.public_id): m for m in case.members.select_related("person")}


def case_of_match(*, actor: Membership, match) -> ReunificationCase | None:
    return visible_cases(actor=actor).filter(match=match).first()


def visible_cases_for_write(*, actor: Membership, case: ReunificationCase) -> bool:
    """May the actor change the case (for showing its forms)?"""
    return visible_cases(actor=actor, write=True).filter(pk=case.pk).exists()


def people_in_open_cases(*, actor: Membership, people) -> set[int]:
    """Which of `people` (by primary key) are already in one of the organisation's open
    cases (a person is in one open case at a time)."""
    return set(
        CaseMember.objects.filter(case__in=visible_cases(actor=actor), person__in=people)
        .exclude(case__stage__in=ENDED)
        .values_list("person_id", flat=True)
    )
