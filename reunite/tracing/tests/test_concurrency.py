"""Two counsel confirming the same candidate at the same moment cannot corrupt it."""

import threading

from django.db import connection
from django.utils import timezone

from reunite.audit.events import EventType
from reunite.audit.models import AuditEvent
from reunite.audit.services import verify
from reunite.people.models import FamilyLink, PersonShare
from reunite.tracing import services
from reunite.tracing.models import CandidateStatus, Decision, MatchCandidate, Review


def test_simultaneous_confirmations_from_both_sides(transactional_db, family, alice, charlie):
    mother, boy = family
    match = MatchCandidate.objects.get(candidate=boy)
    start = threading.Barrier(2)
    errors = []

    def confirm(user):
        try:
            start.wait()
            services.candidate_review(
                actor=user.memberships.get(),
                match=match,
                decision=Decision.CONFIRM,
                reason="",
                now=timezone.now(),
            )
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=confirm, args=(user,)) for user in (alice, charlie)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    match.refresh_from_db()
    assert match.status == CandidateStatus.CONFIRMED
    assert match.subject_confirmed_by == alice and match.candidate_confirmed_by == charlie
    assert Review.objects.filter(match=match).count() == 2
    assert (
        PersonShare.objects.filter(person__in=[mother, boy], revoked_at__isnull=True).count() == 2
    )
    assert AuditEvent.objects.filter(event_type=EventType.MATCH_DISCLOSED).count() == 2
    assert FamilyLink.objects.filter(person=boy, relative=mother).count() == 1
    assert verify().ok  # the audit chain did not fork under concurrent appends
