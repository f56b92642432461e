"""The gate to a match candidate: only the two organisations whose records it pairs."""

from django.db.models import Q

from reunite.accounts.access import has
from reunite.accounts.models import Membership
from reunite.accounts.roles import Capability
from reunite.core.errors import NotFound
from reunite.tracing.models import MatchCandidate


def visible_matches(*, actor: Membership):
    if not has(actor, Capability.VIEW_CLIENTS):
        return MatchCandidate.objects.none()
    organization = actor.organization_id
    return MatchCandidate.objects.filter(
        Q(subject_organization_id=organization) | Q(candidate_organization_id=organization),
        subject__purged_at__isnull=True,
        candidate__purged_at__isnull=True,
    )


def access_match(*, actor: Membership, public_id) -> MatchCandidate:
    match = (
        visible_matches(actor=actor)
        .select_related("subject", "candidate", "subject_organization", "candidate_organization")
        .filter(public_id=public_id)
        .first()
    )
    if match is None:
        raise NotFound()
    return match
