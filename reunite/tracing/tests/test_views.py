"""The match pages show only what each side may see."""

import pytest
from django.urls import reverse

from conftest import signed_in
from reunite.audit.events import EventType
from reunite.audit.models import AuditEvent
from reunite.tracing.models import CandidateStatus, MatchCandidate

pytestmark = pytest.mark.django_db


def detail(client, match):
    return client.get(reverse("tracing:match", kwargs={"public_id": match.public_id}))


def review(client, match, decision, reason=""):
    url = reverse("tracing:match_review", kwargs={"public_id": match.public_id})
    return client.post(url, {"decision": decision, "reason": reason})


def test_before_both_confirm_each_side_sees_only_a_summary(client, family, alice):
    _mother, boy = family
    match = MatchCandidate.objects.get(candidate=boy)
    signed_in(client, alice)
    page = detail(client, match).content.decode()
    assert "Luiz" not in page and "Peres" not in page  # how org B recorded the boy
    assert "Charlie Counsel" in page  # the other attorney's contact
    assert "José Luis" in page  # her own description
    event = AuditEvent.objects.filter(
        event_type=EventType.MATCH_VIEWED, target_id=str(match.public_id)
    ).get()
    assert not any(f.startswith("other.") for f in event.fields)


def test_both_confirm_through_the_pages_and_the_details_open(client, family, alice, charlie):
    from django.test import Client

    _mother, boy = family
    match = MatchCandidate.objects.get(candidate=boy)
    signed_in(client, alice)
    assert review(client, match, "confirm").status_code == 302
    other = signed_in(Client(), charlie)
    assert review(other, match, "confirm").status_code == 302
    match.refresh_from_db()
    assert match.status == CandidateStatus.CONFIRMED
    assert "Luiz" in detail(client, match).content.decode()
    assert "Guadalupe" in detail(other, match).content.decode()


def test_a_rejection_without_reason_keeps_the_form_and_says_why(client, family, alice):
    match = MatchCandidate.objects.get(candidate=family[1])
    signed_in(client, alice)
    response = review(client, match, "reject")
    assert response.status_code == 400
    assert "Say why" in response.content.decode()
    match.refresh_from_db()
    assert match.status == CandidateStatus.POTENTIAL


def test_legal_assistants_cannot_confirm(client, family, bob):
    match = MatchCandidate.objects.get(candidate=family[1])
    signed_in(client, bob)
    response = review(client, match, "confirm")
    assert response.status_code == 400
    assert "verified attorney" in response.content.decode()


def test_notifications_list_and_mark_read(client, family, alice):
    signed_in(client, alice)
    page = client.get(reverse("tracing:notifications")).content.decode()
    assert "strong match candidate" in page
    client.post(reverse("tracing:notifications"))
    home = client.get(reverse("dashboard:home"))
    assert home.context["unread_notifications"] == 0


def test_match_list_shows_the_other_side_as_an_organisation_until_disclosed(client, family, alice):
    signed_in(client, alice)
    page = client.get(reverse("tracing:matches")).content.decode()
    assert "A client of" in page
    assert "Luiz" not in page


def test_candidates_of_one_person(client, family, alice, charlie):
    _mother, boy = family
    described = MatchCandidate.objects.get(candidate=boy).subject
    signed_in(client, alice)
    page = client.get(reverse("tracing:matches"), {"person": described.public_id})
    assert len(page.context["rows"]) == 1
    other = client.get(reverse("tracing:matches"), {"person": boy.public_id})
    assert other.status_code == 404  # org B's boy: not alice's to ask about
