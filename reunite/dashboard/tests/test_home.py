import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import signed_in
from reunite.people.choices import FamilyRole, RecordKind
from reunite.people.services import PersonInput, person_create
from reunite.tracing.models import MatchCandidate

pytestmark = pytest.mark.django_db


def test_home_counts_the_candidates_waiting_for_review(client, alice, charlie):
    today = timezone.localdate()
    sought = person_create(
        actor=alice.memberships.get(),
        data=PersonInput(
            family_role=FamilyRole.CHILD, kind=RecordKind.DESCRIBED, given_names="Ana"
        ),
        today=today,
    )
    found = person_create(
        actor=charlie.memberships.get(),
        data=PersonInput(family_role=FamilyRole.CHILD, given_names="Ana"),
        today=today,
    )
    MatchCandidate.objects.create(
        subject=sought,
        candidate=found,
        subject_organization=sought.organization,
        candidate_organization=found.organization,
        match_probability=0.8,
        match_weight=5,
        model_version="test",
    )
    signed_in(client, alice)
    page = client.get(reverse("dashboard:home"))
    assert page.context["waiting"] == {"potential": 1, "needs_info": 0}
    assert "1 possible match to review" in page.content.decode()


def test_roles_without_client_access_see_no_candidate_counts(client, dana):
    signed_in(client, dana)
    assert client.get(reverse("dashboard:home")).context["waiting"] is None
