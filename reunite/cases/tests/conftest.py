"""A family unit for the case tests: a child and a mother, both org A's clients, and the
cross-organisation family of the tracing tests (imported from there)."""

import datetime

import pytest
from django.utils import timezone

from reunite.cases import services
from reunite.cases.choices import CheckKind, CheckResult, DecisionChoice, DecisionForm
from reunite.people.choices import FamilyRole
from reunite.people.tests.factories import PersonFactory
from reunite.tracing.tests.conftest import family  # noqa: F401  (a fixture used here)

NOW = datetime.datetime(2026, 3, 2, 15, 0, tzinfo=datetime.UTC)


def member(user):
    return user.memberships.get()


@pytest.fixture
def child(alice):
    return PersonFactory(organization=member(alice).organization, family_role=FamilyRole.CHILD)


@pytest.fixture
def mother(alice):
    return PersonFactory(organization=member(alice).organization, family_role=FamilyRole.PARENT)


@pytest.fixture
def case(alice, bob, child, mother):
    return services.case_open(
        actor=member(alice),
        children=[child],
        adults=[mother],
        attorney=alice,
        assistant=bob,
        now=NOW,
    )


def ready_for_everything(case, actor, mother):
    """What every guard asks for: a verification and a parent's decision to reunify."""
    services.parentage_check_record(
        actor=actor,
        case=case,
        kind=CheckKind.BIRTH_CERTIFICATE,
        result=CheckResult.CONSISTENT,
        verified_at=NOW,
    )
    services.parent_decision_record(
        actor=actor,
        case=case,
        parent=mother,
        choice=DecisionChoice.REUNIFY_US,
        language="es",
        interpreter_used=True,
        counsel_present=True,
        form=DecisionForm.WRITTEN,
        decided_at=NOW,
    )


@pytest.fixture
def now():
    return timezone.now()
