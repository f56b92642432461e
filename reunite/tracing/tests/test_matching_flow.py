"""A parent's description in org A finds the child registered by org B; both counsel
confirm before anything crosses; the disclosure is audited."""

import pytest
from django.utils import timezone

from reunite.audit.events import EventType
from reunite.audit.models import AuditEvent
from reunite.core.errors import Conflict, Forbidden, Invalid, NotFound
from reunite.people.access import access_person
from reunite.people.choices import (
    ConsentMethod,
    ConsentScope,
    FamilyRole,
    Relationship,
)
from reunite.people.services import ConsentInput, PersonInput, intake
from reunite.tracing import services
from reunite.tracing.models import CandidateStatus, Decision, MatchCandidate, Notification

pytestmark = pytest.mark.django_db
TRACING = ConsentInput(scope=ConsentScope.TRACING, method=ConsentMethod.IN_PERSON, language="es")
SHARING = ConsentInput(scope=ConsentScope.SHARING, method=ConsentMethod.IN_PERSON, language="es")


def member(user):
    return user.memberships.get()


def test_the_description_finds_the_registered_child_with_an_explanation(family):
    mother, boy = family
    match = MatchCandidate.objects.get(candidate=boy)
    assert match.subject.family_links.get().relative == mother  # the description she gave
    assert match.match_probability >= 0.9
    assert match.is_cross_organization
    explained = {c["field"]: c for c in match.contributions}
    assert explained["birth_date"]["weight"] > 0  # day and month swapped still agrees
    assert all(c["text"] for c in match.contributions)
    assert AuditEvent.objects.filter(
        event_type=EventType.MATCH_FOUND, target_id=str(match.public_id)
    ).exists()


def test_both_attorneys_are_notified_of_a_strong_candidate(family, alice, charlie):
    assert Notification.objects.filter(user=alice).exists()
    assert Notification.objects.filter(user=charlie).exists()


def test_nothing_crosses_until_both_sides_confirm(family, alice, charlie):
    mother, boy = family
    match = MatchCandidate.objects.get(candidate=boy)
    with pytest.raises(NotFound):
        access_person(actor=member(alice), public_id=boy.public_id)
    assert not services.is_disclosed(actor=member(alice), match=match)
    services.candidate_review(
        actor=member(alice), match=match, decision=Decision.CONFIRM, reason="", now=timezone.now()
    )
    match.refresh_from_db()
    assert match.status == CandidateStatus.POTENTIAL
    with pytest.raises(NotFound):
        access_person(actor=member(alice), public_id=boy.public_id)
    services.candidate_review(
        actor=member(charlie), match=match, decision=Decision.CONFIRM, reason="", now=timezone.now()
    )
    match.refresh_from_db()
    assert match.status == CandidateStatus.CONFIRMED
    assert access_person(actor=member(alice), public_id=boy.public_id) == boy
    assert access_person(actor=member(charlie), public_id=mother.public_id) == mother
    assert AuditEvent.objects.filter(event_type=EventType.MATCH_DISCLOSED).count() == 2
    assert boy.family_links.filter(relative=mother, relationship=Relationship.MOTHER).exists()


def test_only_verified_attorneys_confirm(family, bob):
    match = MatchCandidate.objects.get(candidate=family[1])
    with pytest.raises(Forbidden):
        services.candidate_review(
            actor=member(bob), match=match, decision=Decision.CONFIRM, reason="", now=timezone.now()
        )


def test_a_third_organisation_knows_nothing_of_the_match(family, org_b):
    from reunite.accounts.tests.factories import MembershipFactory

    outsider = MembershipFactory(role="attorney")
    match = MatchCandidate.objects.get(candidate=family[1])
    with pytest.raises(NotFound):
        services.side_of(actor=outsider, match=match)


def test_rejecting_needs_a_reason_and_ends_the_review(family, alice, charlie):
    match = MatchCandidate.objects.get(candidate=family[1])
    with pytest.raises(Invalid):
        services.candidate_review(
            actor=member(alice),
            match=match,
            decision=Decision.REJECT,
            reason=" ",
            now=timezone.now(),
        )
    services.candidate_review(
        actor=member(alice),
        match=match,
        decision=Decision.REJECT,
        reason="different mother",
        now=timezone.now(),
    )
    with pytest.raises(Conflict):
        services.candidate_review(
            actor=member(charlie),
            match=match,
            decision=Decision.CONFIRM,
            reason="",
            now=timezone.now(),
        )


def test_no_search_without_consent_to_tracing(alice, charlie, django_capture_on_commit_callbacks):
    now, today = timezone.now(), timezone.now().date()
    with django_capture_on_commit_callbacks(execute=True):
        intake(
            actor=member(alice),
            client=PersonInput(
                family_role=FamilyRole.PARENT, given_names="Ana", paternal_surname="Xol"
            ),
            relatives=[
                (
                    PersonInput(
                        family_role=FamilyRole.CHILD,
                        given_names="Eva",
                        paternal_surname="Xol",
                        birth_date="2013",
                    ),
                    Relationship.MOTHER,
                )
            ],
            today=today,
            now=now,
        )
        intake(
            actor=member(charlie),
            client=PersonInput(
                family_role=FamilyRole.CHILD,
                given_names="Eva",
                paternal_surname="Xol",
                birth_date="2013",
            ),
            relatives=[],
            consents=[TRACING],
            today=today,
            now=now,
        )
    assert not MatchCandidate.objects.exists()


@pytest.mark.parametrize(
    ("current", "new", "allowed"),
    [
        (CandidateStatus.POTENTIAL, CandidateStatus.CONFIRMED, True),
        (CandidateStatus.CONFIRMED, CandidateStatus.REUNIFIED, True),
        (CandidateStatus.REJECTED, CandidateStatus.CONFIRMED, False),
        (CandidateStatus.REUNIFIED, CandidateStatus.POTENTIAL, False),
        (CandidateStatus.CONFIRMED, CandidateStatus.REJECTED, False),
    ],
)
def test_transition_table(current, new, allowed):
    match = MatchCandidate(status=current)
    if allowed:
        services._move(match, new)
        assert match.status == new
    else:
        with pytest.raises(Conflict):
            services._move(match, new)
