"""Two finance officers (or one, clicking twice) at the same moment cannot approve twice
or pay a disbursement twice."""

import uuid

import pytest

from conftest import race
from reunite.audit.events import EventType
from reunite.audit.models import AuditEvent
from reunite.audit.services import verify
from reunite.core.errors import Conflict
from reunite.funds import selectors, services
from reunite.funds.models import Approval, Disbursement, DisbursementStatus, Fund, Transaction
from reunite.funds.tests.conftest import NOW, TODAY, give, member


@pytest.fixture
def request_for_two(transactional_db, settings, alice, fiona, felix):
    settings.SECOND_APPROVAL_CENTS = 100_000
    give(fiona, amount_cents=1_000_000, fund=Fund.BOND)
    return services.disbursement_request(
        actor=member(alice), case_id=uuid.uuid4(), kind="bond", amount_cents=300_000,
        fund=Fund.BOND, person_id=uuid.uuid4(),
    )  # fmt: skip


def test_one_officer_approving_twice_at_once_approves_once(request_for_two, fiona):
    def approve():
        services.disbursement_approve(actor=member(fiona), disbursement=request_for_two, now=NOW)

    outcomes = race(approve, approve)
    assert sorted(type(o).__name__ for o in outcomes) == ["Conflict", "NoneType"]
    assert Approval.objects.filter(disbursement=request_for_two).count() == 1
    assert Disbursement.objects.get(pk=request_for_two.pk).status == DisbursementStatus.REQUESTED


def test_two_officers_approving_at_once_both_count_and_it_is_paid_once(
    request_for_two, fiona, felix
):
    outcomes = race(
        lambda: services.disbursement_approve(actor=member(fiona), disbursement=request_for_two, now=NOW),
        lambda: services.disbursement_approve(actor=member(felix), disbursement=request_for_two, now=NOW),
    )  # fmt: skip
    assert outcomes == [None, None]
    assert Disbursement.objects.get(pk=request_for_two.pk).status == DisbursementStatus.APPROVED

    def pay(officer):
        def call():
            services.disbursement_pay(
                actor=member(officer), disbursement=request_for_two, paid_on=TODAY, now=NOW
            )

        return call

    outcomes = race(pay(fiona), pay(felix))
    assert sum(o is None for o in outcomes) == 1
    assert all(o is None or isinstance(o, Conflict) for o in outcomes)
    assert Transaction.objects.filter(kind="payment").count() == 1
    assert AuditEvent.objects.filter(event_type=EventType.DISBURSEMENT_PAID).count() == 1
    balances = selectors.fund_balances(actor=member(fiona))[Fund.BOND]
    assert balances.cash == 700_000 and balances.bonds_outstanding == 300_000
    assert selectors.ledger_reconcile(actor=member(fiona)).ok
    assert verify().ok
