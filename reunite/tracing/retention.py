"""Tracing's part of the registry's retention: what it holds about a person, and how
the wipe removes it (see reunite.people.retention.register)."""

from django.db.models import Q

from reunite.people import retention
from reunite.people.models import Person
from reunite.tracing.models import BlockKey, MatchCandidate, Review

_BOOKKEEPING = ("id", "public_id", "created_at", "updated_at")


def wipe_person(person: Person) -> None:
    """Blocking keys are blind indexes of the person's names and dates: deleted. Review
    reasons may name people: blanked. Candidates hold only scores and level names, and
    stay (with the tombstone) so that counts and the audit trail add up."""
    BlockKey.objects.filter(person=person).delete()
    Review.objects.filter(Q(match__subject=person) | Q(match__candidate=person)).update(reason="")


retention.register(BlockKey, pii=("digest",), not_pii=("id", "person"), wipe=wipe_person)
retention.register(
    MatchCandidate,
    not_pii=(
        *_BOOKKEEPING,
        "subject",
        "candidate",
        "subject_organization",
        "candidate_organization",
        "match_probability",
        "match_weight",
        "contributions",
        "model_version",
        "status",
        "subject_confirmed_by",
        "subject_confirmed_at",
        "candidate_confirmed_by",
        "candidate_confirmed_at",
        "disclosed_at",
    ),
)
retention.register(
    Review,
    pii=("reason",),
    not_pii=(*_BOOKKEEPING, "match", "organization", "reviewer", "decision"),
)
