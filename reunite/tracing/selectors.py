"""Reads of candidates and notifications, scoped by the actor."""

from django.db.models import Q, QuerySet

from reunite.accounts.models import Membership, User
from reunite.tracing.access import visible_matches
from reunite.tracing.models import MatchCandidate, Notification


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


def matches_for_person(*, actor: Membership, person) -> QuerySet[MatchCandidate]:
    return match_list(actor=actor).filter(Q(subject=person) | Q(candidate=person))


def unread_notifications(*, user: User, organization_id: int) -> QuerySet[Notification]:
    return Notification.objects.filter(
        user=user, organization_id=organization_id, read_at__isnull=True
    )


def notification_list(*, user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(user=user).select_related("match", "organization")[:100]
