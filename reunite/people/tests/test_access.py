"""The one gate to a person's record, with the named cast: who reads, who writes, and
everyone else gets NotFound (the same as a record that does not exist)."""

import uuid

import pytest
from django.utils import timezone

from reunite.accounts.roles import CAPABILITIES, Capability, Role
from reunite.accounts.tests.factories import MembershipFactory
from reunite.core.errors import NotFound
from reunite.people import selectors
from reunite.people.access import access_person
from reunite.people.choices import ShareLevel
from reunite.people.tests.factories import PersonFactory, PersonShareFactory

pytestmark = pytest.mark.django_db

ALLOWED, HIDDEN = "allowed", "not found"


def _finance(org_a):
    return MembershipFactory(organization=org_a, role=Role.FINANCE_OFFICER).user


def _inactive(org_a):
    membership = MembershipFactory(organization=org_a, role=Role.ATTORNEY, is_active=False)
    return membership.user


def _share(level):
    def apply(person, org_b, alice):
        PersonShareFactory(person=person, organization=org_b, level=level, granted_by=alice)

    return apply


def _revoked(person, org_b, alice):
    PersonShareFactory(
        person=person,
        organization=org_b,
        level=ShareLevel.WRITE,
        granted_by=alice,
        revoked_at=timezone.now(),
        revoked_by=alice,
    )


def _deleted_and_shared(person, org_b, alice):
    _share(ShareLevel.WRITE)(person, org_b, alice)
    person.deleted_at = timezone.now()
    person.save()


def _purged(person, org_b, alice):
    _share(ShareLevel.WRITE)(person, org_b, alice)
    person.deleted_at = person.purged_at = timezone.now()
    person.save()


def _nothing(person, org_b, alice):
    pass


FINANCE_READS = Capability.VIEW_CLIENTS in CAPABILITIES[Role.FINANCE_OFFICER]
FINANCE_WRITES = Capability.EDIT_CLIENTS in CAPABILITIES[Role.FINANCE_OFFICER]

# (state of org A's person, who asks, write?, outcome)
CASES = [
    ("owned", _nothing, "alice", False, ALLOWED),
    ("owned", _nothing, "alice", True, ALLOWED),
    ("owned", _nothing, "bob", False, ALLOWED),
    ("owned", _nothing, "bob", True, ALLOWED),  # a legal assistant edits clients
    ("owned", _nothing, "ada", False, ALLOWED),
    ("owned", _nothing, "ada", True, ALLOWED),
    ("owned", _nothing, "charlie", False, HIDDEN),  # another organisation
    ("owned", _nothing, "charlie", True, HIDDEN),
    ("owned", _nothing, "dana", False, HIDDEN),  # auditors have no view_clients
    ("owned", _nothing, "dana", True, HIDDEN),
    ("owned", _nothing, "finance", False, ALLOWED if FINANCE_READS else HIDDEN),
    ("owned", _nothing, "finance", True, ALLOWED if FINANCE_WRITES else HIDDEN),
    ("owned", _nothing, "inactive", False, HIDDEN),  # a deactivated member
    ("shared read", _share(ShareLevel.READ), "charlie", False, ALLOWED),
    ("shared read", _share(ShareLevel.READ), "charlie", True, HIDDEN),
    ("shared write", _share(ShareLevel.WRITE), "charlie", False, ALLOWED),
    ("shared write", _share(ShareLevel.WRITE), "charlie", True, ALLOWED),
    ("revoked share", _revoked, "charlie", False, HIDDEN),
    ("revoked share", _revoked, "charlie", True, HIDDEN),
    ("soft-deleted", _deleted_and_shared, "alice", False, ALLOWED),  # the owner may restore
    ("soft-deleted", _deleted_and_shared, "alice", True, ALLOWED),
    ("soft-deleted", _deleted_and_shared, "charlie", False, HIDDEN),  # the sharee may not
    ("soft-deleted", _deleted_and_shared, "charlie", True, HIDDEN),
    ("purged", _purged, "alice", False, HIDDEN),  # nobody sees a tombstone
    ("purged", _purged, "ada", False, HIDDEN),
    ("purged", _purged, "charlie", False, HIDDEN),
]


@pytest.mark.parametrize(
    ("state", "arrange", "who", "write", "outcome"),
    CASES,
    ids=[f"{c[0]}-{c[2]}-{'write' if c[3] else 'read'}" for c in CASES],
)
def test_access_person(request, org_a, org_b, alice, state, arrange, who, write, outcome):
    person = PersonFactory(organization=org_a)
    arrange(person, org_b, alice)
    if who == "finance":
        user = _finance(org_a)
    elif who == "inactive":
        user = _inactive(org_a)
    else:
        user = request.getfixturevalue(who)
    actor = user.memberships.get()

    if outcome == ALLOWED:
        assert access_person(actor=actor, public_id=person.public_id, write=write) == person
    else:
        with pytest.raises(NotFound):
            access_person(actor=actor, public_id=person.public_id, write=write)
    if not write:
        # The list agrees with the gate, and never shows deleted records, even to the owner.
        listed = person in selectors.person_list(actor=actor)
        assert listed == (outcome == ALLOWED and state != "soft-deleted")


def test_an_unknown_id_is_not_found_like_a_forbidden_one(alice):
    with pytest.raises(NotFound):
        access_person(actor=alice.memberships.get(), public_id=uuid.uuid4())
