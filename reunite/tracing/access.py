"""The gate to a match candidate: only the two organisations whose records it pairs."""

from django.db.models import Exists, OuterRef, Q

from reunite.accounts.access import has
from reunite.accounts.models import Membership
from reunite.accounts.roles import Capability
from reunite.core.errors import NotFound
from reunite.people.models import Person
from reunite.tracing.models import MatchCandidate


def visible_matches(*, actor: Membership):
    """The organisation's candidates, except those of a purged person.

    "Not purged" is asked as "no purged person is on either side": an anti-join against
    the handful of purged people (a partial index holds them), where joining every
    candidate to both its people made counting 20,000 candidates cost 150 ms at 100,000
    people (the dashboard counts them on every visit)."""
    if not has(actor, Capability.VIEW_CLIENTS):
        return MatchCandidate.objects.none()
    organization = actor.organization_id
    purged = Person.objects.filter(purged_at__isnull=False)
    return MatchCandidate.objects.filter(
        Q(subject_organization_id=organization) | Q(candidate_organization_id=organization),
        ~Exists(purged.filter(pk=OuterRef("subject_id"))),
        ~Exists(purged.filter(pk=OuterRef("candidate_id"))),
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
