"""Two cases opened at the same moment in one organisation get distinct references."""

import threading

from django.db import connection

from reunite.audit.services import verify
from reunite.cases import services
from reunite.cases.models import ReunificationCase
from reunite.cases.tests.conftest import NOW, member
from reunite.people.choices import FamilyRole
from reunite.people.tests.factories import PersonFactory


def test_simultaneous_openings_number_cases_apart(transactional_db, alice, bob):
    organization = member(alice).organization
    families = [
        (
            PersonFactory(organization=organization, family_role=FamilyRole.CHILD),
            PersonFactory(organization=organization),
        )
        for _ in range(2)
    ]
    start = threading.Barrier(2)
    errors = []

    def open_case(user, family):
        try:
            start.wait()
            services.case_open(
                actor=member(user), children=[family[0]], adults=[family[1]], now=NOW
            )
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=open_case, args=(user, family))
        for user, family in zip((alice, bob), families, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    references = sorted(ReunificationCase.objects.values_list("reference", flat=True))
    assert references == ["RC-2026-0001", "RC-2026-0002"]
    assert verify().ok
