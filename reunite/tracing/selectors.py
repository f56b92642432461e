"""Reads of candidates and notifications, scoped by the actor."""

from django.db.models import Count, Q, QuerySet

from reunite.accounts.models import Membership, User
from reunite.tracing.access import visible_matches
from reunite.tracing.models import CandidateStatus, MatchCandidate, Notification


def match_list(*, actor: Membership, status: str = "") -> QuerySet[MatchCandidate]:
    matches = visible_matches(actor=actor).select_related(
        "subject__organization",
        "candidate__organization",
        "subject_organization",
        "candidate_organization",
    )
    if status:
        matches = matches.filter(status=status)
    return matches.order_by("-match_probability", "-created_at")


def waiting_counts(*, actor: Membership) -> dict[str, int]:
    """How many visible candidates wait for review and for more information: one pass."""
    waiting = (CandidateStatus.POTENTIAL, CandidateStatus.NEEDS_INFO)
    counts = visible_matches(actor=actor).aggregate(
        **{status: Count("id", filter=Q(status=status)) for status in waiting}
    )
    return {status: counts[status] or 0 for status in waiting}


def matches_for_person(*, actor: Membership, person) -> QuerySet[MatchCandidate]:
    return match_list(actor=actor).filter(Q(subject=person) | Q(candidate=person))


def unread_notifications(*, user: User, organization_id: int) -> QuerySet[Notification]:
    return Notification.objects.filter(
        user=user, organization_id=organization_id, read_at__isnull=True
    )


def notification_list(*, user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(user=user).select_related("match", "organization")[:100]
