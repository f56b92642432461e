"""The gate to a person's record.

It lives here rather than in accounts/access.py because accounts sits below people in
the layers: accounts cannot know the Person model. The rule is the same: a missing
record and a forbidden one both raise NotFound (a 404).
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from reunite.accounts.access import has
from reunite.accounts.models import Membership
from reunite.accounts.roles import Capability
from reunite.core.errors import NotFound
from reunite.people.choices import ShareLevel
from reunite.people.models import Person, PersonShare


def visible_people(*, actor: Membership, write: bool = False) -> QuerySet[Person]:
    """People the actor's organisation owns or has been shared (with write access when
    `write`), excluding wiped tombstones. Soft-deleted records are visible to the owner
    only (they can still be restored)."""
    capability = Capability.EDIT_CLIENTS if write else Capability.VIEW_CLIENTS
    if not has(actor, capability):
        return Person.objects.none()
    # The ids shared with the organisation are few: fetch them first, so the list query
    # stays a plain filter the indexes serve (a correlated EXISTS made it scan).
    shares = PersonShare.objects.filter(organization=actor.organization, revoked_at__isnull=True)
    if write:
        shares = shares.filter(level=ShareLevel.WRITE)
    visible = Q(organization=actor.organization)
    shared_ids = list(shares.values_list("person_id", flat=True))
    if shared_ids:
        visible |= Q(pk__in=shared_ids, deleted_at__isnull=True)
    return Person.objects.filter(visible, purged_at__isnull=True)


def access_person(*, actor: Membership, public_id, write: bool = False) -> Person:
    """The one gate to a person: owned by the actor's organisation, or shared with it."""
    person = visible_people(actor=actor, write=write).filter(public_id=public_id).first()
    if person is None:
        raise NotFound()
    return person


def is_owner(*, actor: Membership, person: Person) -> bool:
    return person.organization_id == actor.organization_id


def access_person_history(*, actor: Membership, public_id) -> Person:
    """The gate to a person's access history: the owner organisation's members with the
    audit capability (admins, auditors), who need not see the record itself. Anyone
    else, and any other organisation, gets NotFound."""
    if not has(actor, Capability.VIEW_AUDIT):
        raise NotFound()
    person = Person.objects.filter(
        organization=actor.organization, public_id=public_id, purged_at__isnull=True
    ).first()
    if person is None:
        raise NotFound()
    return person
