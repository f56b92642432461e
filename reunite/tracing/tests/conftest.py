"""A separated family split across two organisations, for the tracing tests."""

import pytest
from django.utils import timezone

from reunite.people.choices import (
    ConsentMethod,
    ConsentScope,
    CustodyKind,
    FamilyRole,
    IdentifierKind,
    Relationship,
)
from reunite.people.services import ConsentInput, CustodyInput, PersonInput, intake

TRACING = ConsentInput(scope=ConsentScope.TRACING, method=ConsentMethod.IN_PERSON, language="es")
SHARING = ConsentInput(scope=ConsentScope.SHARING, method=ConsentMethod.IN_PERSON, language="es")


def member(user):
    return user.memberships.get()


@pytest.fixture
def family(alice, charlie, django_capture_on_commit_callbacks):
    """The mother, a client of org A, describes her son; org B registers the boy as ORR
    spelled him, naming his mother by her nickname."""
    now, today = timezone.now(), timezone.now().date()
    with django_capture_on_commit_callbacks(execute=True):
        mother = intake(
            actor=member(alice),
            client=PersonInput(
                family_role=FamilyRole.PARENT,
                given_names="María Guadalupe",
                paternal_surname="Tzul",
                maternal_surname="Cac",
                sex="F",
                birth_date="1989-02-11",
                country_of_birth="Guatemala",
            ),
            relatives=[
                (
                    PersonInput(
                        family_role=FamilyRole.CHILD,
                        given_names="José Luis",
                        paternal_surname="Pérez",
                        maternal_surname="Tzul",
                        sex="M",
                        birth_date="2012-07-04",
                        country_of_birth="Guatemala",
                    ),
                    Relationship.MOTHER,
                )
            ],
            identifiers=[(IdentifierKind.A_NUMBER, "A208-111-222")],
            custody=CustodyInput(kind=CustodyKind.ICE, facility="Test Processing Center"),
            consents=[TRACING, SHARING],
            today=today,
            now=now,
        )
    with django_capture_on_commit_callbacks(execute=True):
        boy = intake(
            actor=member(charlie),
            client=PersonInput(
                family_role=FamilyRole.CHILD,
                given_names="Jose Luiz",
                paternal_surname="Peres",
                maternal_surname="Tsul",
                sex="M",
                birth_date="2012-04-07",
                country_of_birth="GT",
            ),
            relatives=[
                (
                    PersonInput(
                        family_role=FamilyRole.PARENT,
                        given_names="Lupe",
                        paternal_surname="Tzul",
                        sex="F",
                    ),
                    Relationship.MOTHER,
                )
            ],
            custody=CustodyInput(kind=CustodyKind.ORR, facility="Test Shelter", state="IL"),
            consents=[TRACING, SHARING],
            today=today,
            now=now,
        )
    return mother, boy
