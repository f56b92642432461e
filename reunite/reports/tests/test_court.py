"""The court report's counts against a known history (see history.py)."""

import pytest
import time_machine
from django.utils import timezone

from reunite.cases import services as cases
from reunite.core.errors import Forbidden, Invalid
from reunite.people.choices import FamilyRole
from reunite.people.services import PersonInput, person_create
from reunite.reports import court
from reunite.reports.selectors import court_report
from reunite.reports.tests.history import build_history, moment, record_late_custody

pytestmark = pytest.mark.django_db

ZERO = dict.fromkeys(court.FIGURE_KEYS, 0)


@pytest.fixture
def history(alice):
    return build_history(alice.memberships.get())


def counts(user, as_of):
    return court_report(actor=user.memberships.get(), as_of=as_of, now=timezone.now()).counts


def test_every_category_at_the_end_of_april(history, alice):
    assert counts(alice, moment(4, 30)) == {
        **ZERO,
        "children.identified": 5,
        "children.reunified": 1,
        "children.discharged": 3,
        "children.discharged.parent_declined": 1,
        "children.discharged.other_sponsor": 2,
        "children.in_process": 1,
        "parents.identified": 4,
        "parents.released": 1,  # P1: the release started after the ICE stay
        "parents.removed": 1,
        "parents.usm": 1,
        "parents.state": 1,
        "ineligible.any": 1,
        "ineligible.criminal_history": 1,  # P4's flag was cleared on challenge on 04-25
        "declined.parents": 1,  # P2; P4's decline was revoked
    }


def test_earlier_moments_give_earlier_counts(history, alice):
    assert counts(alice, moment(2, 28)) == ZERO
    assert counts(alice, moment(3, 16, 12)) == {
        **ZERO,
        "children.identified": 4,
        "children.in_process": 4,
        "parents.identified": 3,
        "parents.ice": 1,
        "parents.removed": 1,
        "parents.usm": 1,
        "ineligible.any": 1,
        "ineligible.criminal_history": 1,
    }
    assert counts(alice, moment(4, 17, 12)) == {
        **ZERO,
        "children.identified": 5,
        "children.reunified": 1,
        "children.discharged": 1,
        "children.discharged.parent_declined": 1,
        "children.in_process": 3,
        "parents.identified": 4,
        "parents.released": 1,
        "parents.removed": 1,
        "parents.usm": 1,
        "parents.state": 1,
        "ineligible.any": 2,
        "ineligible.criminal_history": 1,
        "ineligible.not_parent": 1,
        "declined.parents": 2,  # P4's decline stands until 04-19
    }


def test_a_moment_is_counted_to_the_second(history, alice):
    # Case 3 closed at 04-20 10:00:00.
    assert (
        counts(alice, moment(4, 20).replace(second=0) - timezone.timedelta(seconds=1))[
            "children.discharged.other_sponsor"
        ]
        == 0
    )
    assert counts(alice, moment(4, 20))["children.discharged.other_sponsor"] == 2


def test_same_moment_same_counts_and_digest_whatever_is_recorded_later(history, alice):
    actor = alice.memberships.get()
    with time_machine.travel(moment(4, 21), tick=False):
        before = court_report(actor=actor, as_of=moment(4, 20, 12), now=timezone.now())
    assert before.counts["parents.state"] == 1
    record_late_custody(history)  # 05-01: P4 was in ICE from 04-10, entered late
    after = court_report(actor=actor, as_of=moment(4, 20, 12), now=timezone.now())
    assert after.counts == before.counts
    assert after.digest == before.digest
    assert after.generated_at > before.generated_at
    # Asked about a moment after it was entered, the late entry counts.
    assert counts(alice, moment(5, 2))["parents.ice"] == 1
    assert counts(alice, moment(5, 2))["parents.state"] == 0


def test_the_digest_covers_the_moment_and_the_counts(history, alice):
    actor = alice.memberships.get()
    one = court_report(actor=actor, as_of=moment(4, 30), now=timezone.now())
    same_counts = court_report(actor=actor, as_of=moment(4, 30, 11), now=timezone.now())
    assert one.counts == same_counts.counts
    assert one.digest != same_counts.digest  # another moment
    assert len(one.digest) == 64


def test_a_reopened_case_counts_as_open_again(history, alice):
    actor = alice.memberships.get()
    case2 = history["cases"][1]
    with time_machine.travel(moment(5, 3), tick=False):
        cases.case_transition(
            actor=actor,
            case=case2,
            to="located",
            reason="The parent changed their mind.",
            now=moment(5, 3),
        )
    assert counts(alice, moment(5, 2))["children.discharged.parent_declined"] == 1
    later = counts(alice, moment(5, 4))
    assert later["children.discharged.parent_declined"] == 0
    assert later["children.in_process"] == 2


def test_another_organisation_counts_only_its_own(history, charlie):
    assert counts(charlie, moment(4, 30)) == ZERO
    actor = charlie.memberships.get()
    with time_machine.travel(moment(4, 2), tick=False):
        child = person_create(
            actor=actor,
            data=PersonInput(family_role=FamilyRole.CHILD, given_names="Eva"),
            today=moment(4, 2).date(),
        )
        parent = person_create(
            actor=actor,
            data=PersonInput(family_role=FamilyRole.PARENT, given_names="Rut"),
            today=moment(4, 2).date(),
        )
        cases.case_open(actor=actor, children=[child], adults=[parent], now=moment(4, 2))
    theirs = counts(charlie, moment(4, 30))
    assert theirs["children.identified"] == 1
    assert theirs["parents.identified"] == 1
    assert counts(history["clock"].actor.user, moment(4, 30))["children.identified"] == 5


def test_the_future_is_refused(alice):
    with pytest.raises(Invalid):
        court_report(
            actor=alice.memberships.get(),
            as_of=timezone.now() + timezone.timedelta(minutes=1),
            now=timezone.now(),
        )


@pytest.mark.parametrize("who", ["alice", "bob", "ada", "dana"])
def test_every_role_that_sees_clients_or_audits_reads_the_counts(who, request):
    user = request.getfixturevalue(who)
    assert counts(user, timezone.now()) == ZERO


def test_a_finance_officer_reads_the_counts_too(org_a):
    from reunite.accounts.roles import Role
    from reunite.accounts.tests.factories import MembershipFactory

    membership = MembershipFactory(organization=org_a, role=Role.FINANCE_OFFICER)
    report = court_report(actor=membership, as_of=timezone.now(), now=timezone.now())
    assert report.counts == ZERO


def test_an_inactive_membership_reads_nothing(alice):
    membership = alice.memberships.get()
    membership.is_active = False
    with pytest.raises(Forbidden):
        court_report(actor=membership, as_of=timezone.now(), now=timezone.now())
