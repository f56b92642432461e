"""Match candidates through the API: the disclosure rules of the match page, and reviews
only by the rules of the review service."""

import pytest

from reunite.audit.events import EventType
from reunite.audit.models import AuditEvent
from reunite.tracing.models import CandidateStatus, MatchCandidate

pytestmark = pytest.mark.django_db

MATCHES = "/api/v1/matches/"
JSON = "application/json"


def match_url(match, tail=""):
    return f"{MATCHES}{match.public_id}/{tail}"


def review(client, match, decision, reason=""):
    return client.post(
        match_url(match, "review/"), {"decision": decision, "reason": reason}, content_type=JSON
    )


def test_before_both_confirm_the_other_side_is_only_a_summary(as_user, family, alice):
    _mother, boy = family
    match = MatchCandidate.objects.get(candidate=boy)
    client = as_user(alice, scopes=["read"])
    body = client.get(match_url(match)).json()
    assert body["disclosed"] is False and body["theirs"] is None
    assert body["ours"]["given_names"] == "José Luis"  # her own description
    assert body["summary"]["attorneys"] == [
        {"name": "Charlie Counsel", "email": "charlie@b.example.org"}
    ]
    assert body["summary"]["age_band"]
    text = str(body)
    assert "Luiz" not in text and "Peres" not in text and str(boy.public_id) not in text
    assert body["evidence"] and all(e["text"] for e in body["evidence"])
    listed = client.get(MATCHES).json()["results"]
    row = next(row for row in listed if row["id"] == str(match.public_id))
    assert row["theirs"] is None
    # The list names people as the list page does, and no more.
    assert set(row["ours"]) == {"id", "kind", "given_names", "paternal_surname", "maternal_surname"}
    assert row["theirs_organization"] == {"name": "Familias Unidas Counsel (test B)"}
    assert all(row["theirs"] is None for row in listed if not row["disclosed"])
    assert "Luiz" not in str(listed) and "Lupe" not in str(listed)
    event = AuditEvent.objects.filter(
        event_type=EventType.MATCH_VIEWED, target_id=str(match.public_id)
    ).get()
    assert not any(f.startswith("other.") for f in event.fields)


def test_both_confirm_through_the_api_and_the_details_open(as_user, family, alice, charlie):
    _mother, boy = family
    match = MatchCandidate.objects.get(candidate=boy)
    ours = as_user(alice)
    theirs = as_user(charlie)
    first = review(ours, match, "confirm")
    assert first.status_code == 200, first.json()
    assert first.json()["subject_confirmed_at"] and first.json()["disclosed"] is False
    second = review(theirs, match, "confirm")
    assert second.status_code == 200
    assert second.json()["status"] == CandidateStatus.CONFIRMED
    assert second.json()["theirs"]["given_names"] == "José Luis"  # as the mother described him
    assert [p["given_names"] for p in second.json()["seekers"]] == ["María Guadalupe"]
    opened = ours.get(match_url(match)).json()
    assert opened["disclosed"] is True and opened["summary"] is None
    assert opened["theirs"]["given_names"] == "Jose Luiz"
    assert opened["theirs"]["id"] == str(boy.public_id)
    # The disclosure opened the boy's record to org A, through the person gate.
    assert ours.get(f"/api/v1/people/{boy.public_id}/").status_code == 200
    assert AuditEvent.objects.filter(event_type=EventType.MATCH_DISCLOSED).count() >= 1
    # A confirmed match cannot be confirmed again.
    again = review(ours, match, "confirm")
    assert again.status_code == 409 and again.json()["error"]["code"] == "conflict"


def test_review_needs_the_match_scope(as_user, family, alice):
    match = MatchCandidate.objects.get(candidate=family[1])
    response = review(as_user(alice, scopes=["read", "write"]), match, "confirm")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "insufficient_scope"


def test_only_a_verified_attorney_confirms(as_user, family, bob):
    match = MatchCandidate.objects.get(candidate=family[1])
    response = review(as_user(bob), match, "confirm")
    assert response.status_code == 403
    assert "verified attorney" in response.json()["error"]["message"]
    match.refresh_from_db()
    assert match.subject_confirmed_at is None


def test_a_rejection_needs_a_reason(as_user, family, bob):
    match = MatchCandidate.objects.get(candidate=family[1])
    client = as_user(bob)
    response = review(client, match, "reject")
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"reason": [response.json()["error"]["message"]]}
    done = review(client, match, "reject", "Different mother named on intake")
    assert done.status_code == 200 and done.json()["status"] == CandidateStatus.REJECTED
    mine = done.json()["reviews"][0]
    assert mine["ours"] is True and mine["reason"] == "Different mother named on intake"


def test_the_other_side_sees_a_review_without_reviewer_or_reason(as_user, family, bob, charlie):
    match = MatchCandidate.objects.get(candidate=family[1])
    review(as_user(bob), match, "needs_info", "Ask the shelter for the birth certificate")
    seen = as_user(charlie).get(match_url(match)).json()["reviews"]
    assert seen == [
        {
            "created_at": seen[0]["created_at"],
            "decision": "needs_info",
            "ours": False,
            "reviewer": None,
            "reason": None,
        }
    ]


def test_other_organisations_and_auditors_get_404(as_user, family, dana, org_b):
    from reunite.accounts.roles import Role
    from reunite.accounts.tests.factories import MembershipFactory, OrganizationFactory

    match = MatchCandidate.objects.get(candidate=family[1])
    stranger = MembershipFactory(organization=OrganizationFactory(), role=Role.ATTORNEY).user
    for user in (stranger, dana):
        client = as_user(user)
        assert client.get(match_url(match)).status_code == 404
        assert review(client, match, "reject", "x").status_code == 404
    assert as_user(dana).get(MATCHES).status_code == 403
    assert as_user(stranger).get(MATCHES).json()["results"] == []


def test_filter_by_a_person_goes_through_the_person_gate(as_user, family, alice, charlie):
    mother, boy = family
    assert as_user(charlie).get(MATCHES, {"person": str(mother.public_id)}).status_code == 404
    own = as_user(charlie).get(MATCHES, {"person": str(boy.public_id)}).json()["results"]
    assert len(own) == 1
    assert as_user(alice).get(MATCHES, {"status": "nonsense"}).status_code == 400
