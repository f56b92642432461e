"""Money out: the disbursement lifecycle, approvals, payment and bond settlement."""

import itertools
import uuid

import pytest
from django.db import IntegrityError, transaction

from reunite.audit.events import EventType
from reunite.audit.models import AuditEvent
from reunite.core.errors import Conflict, Forbidden, Invalid, NotFound
from reunite.funds import selectors, services
from reunite.funds.access import access_disbursement
from reunite.funds.models import (
    AccountCode,
    Approval,
    Disbursement,
    DisbursementKind,
    DisbursementStatus,
    Fund,
    Transaction,
)
from reunite.funds.services import TRANSITIONS
from reunite.funds.tests.conftest import NOW, TODAY, member

S = DisbursementStatus
ALLOWED = {
    (S.REQUESTED, S.APPROVED),
    (S.REQUESTED, S.REJECTED),
    (S.APPROVED, S.PAID),
    (S.APPROVED, S.REJECTED),
    (S.PAID, S.REFUNDED),
    (S.PAID, S.FORFEITED),
}


@pytest.mark.parametrize(("source", "target"), list(itertools.product(S.values, S.values)))
def test_the_transition_table(source, target):
    assert (target in TRANSITIONS[source]) is ((source, target) in ALLOWED)


def bond(requester, case_id, *, amount_cents=150_000, fund=Fund.BOND):
    return services.disbursement_request(
        actor=member(requester),
        case_id=case_id,
        kind=DisbursementKind.BOND,
        amount_cents=amount_cents,
        fund=fund,
        person_id=uuid.uuid4(),
        facility="Test Processing Center",
        obligor="Marta Obligada",
        receipt_number="BR-0001",
    )


def paid_bond(alice, fiona, case_id, **kwargs):
    request = bond(alice, case_id, **kwargs)
    services.disbursement_approve(actor=member(fiona), disbursement=request, now=NOW)
    return services.disbursement_pay(
        actor=member(fiona), disbursement=request, paid_on=TODAY, now=NOW
    )


def _drive(disbursement, target, alice, fiona):
    """Take a disbursement to `target` along the allowed path."""
    actor = member(fiona)
    if target == S.REQUESTED:
        return disbursement
    if target == S.REJECTED:
        return services.disbursement_reject(
            actor=actor, disbursement=disbursement, reason="", now=NOW
        )
    disbursement = services.disbursement_approve(actor=actor, disbursement=disbursement, now=NOW)
    if target == S.APPROVED:
        return disbursement
    disbursement = services.disbursement_pay(
        actor=actor, disbursement=disbursement, paid_on=TODAY, now=NOW
    )
    if target == S.PAID:
        return disbursement
    settle = services.disbursement_refund if target == S.REFUNDED else services.disbursement_forfeit
    key = "refunded_on" if target == S.REFUNDED else "breached_on"
    return settle(actor=actor, disbursement=disbursement, now=NOW, **{key: TODAY})


ACTIONS = {
    S.APPROVED: lambda d, a: services.disbursement_approve(actor=a, disbursement=d, now=NOW),
    S.REJECTED: lambda d, a: services.disbursement_reject(
        actor=a, disbursement=d, reason="", now=NOW
    ),
    S.PAID: lambda d, a: services.disbursement_pay(actor=a, disbursement=d, paid_on=TODAY, now=NOW),
    S.REFUNDED: lambda d, a: services.disbursement_refund(
        actor=a, disbursement=d, refunded_on=TODAY, now=NOW
    ),
    S.FORFEITED: lambda d, a: services.disbursement_forfeit(
        actor=a, disbursement=d, breached_on=TODAY, now=NOW
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("source", "target"),
    [(s, t) for s in S.values for t in ACTIONS if (s, t) not in ALLOWED and s != t],
)
def test_the_services_refuse_every_other_move(alice, fiona, felix, funded, case_id, source, target):
    disbursement = _drive(bond(alice, case_id), source, alice, fiona)
    with pytest.raises(Conflict):
        ACTIONS[target](disbursement, member(felix))
    assert Disbursement.objects.get(pk=disbursement.pk).status == source


@pytest.mark.django_db
def test_a_bond_paid_then_refunded(alice, fiona, funded, case_id):
    disbursement = paid_bond(alice, fiona, case_id)
    balances = selectors.fund_balances(actor=member(fiona))[Fund.BOND]
    assert balances.cash == 2_000_000 - 150_000 and balances.bonds_outstanding == 150_000
    money = selectors.case_balances(actor=member(fiona), case_id=case_id)
    assert (money.paid_out, money.bonds_outstanding, money.returned) == (150_000, 150_000, 0)
    services.disbursement_refund(
        actor=member(fiona), disbursement=disbursement, refunded_on=TODAY, now=NOW
    )
    balances = selectors.fund_balances(actor=member(fiona))[Fund.BOND]
    assert balances.cash == 2_000_000 and balances.bonds_outstanding == 0
    money = selectors.case_balances(actor=member(fiona), case_id=case_id)
    assert (money.paid_out, money.returned, money.net_cost) == (150_000, 150_000, 0)
    kinds = [e.event_type for e in AuditEvent.objects.order_by("id")]
    assert kinds[-4:] == [
        EventType.DISBURSEMENT_REQUESTED,
        EventType.DISBURSEMENT_APPROVAL,
        EventType.DISBURSEMENT_PAID,
        EventType.BOND_REFUNDED,
    ]
    for event in AuditEvent.objects.all():
        assert "Marta" not in str(event.data) and "BR-0001" not in str(event.data)
    assert selectors.ledger_reconcile(actor=member(fiona)).ok


@pytest.mark.django_db
def test_a_breached_bond_is_written_off(alice, fiona, funded, case_id):
    disbursement = paid_bond(alice, fiona, case_id)
    services.disbursement_forfeit(
        actor=member(fiona), disbursement=disbursement, breached_on=TODAY, now=NOW
    )
    balances = selectors.fund_balances(actor=member(fiona))[Fund.BOND]
    assert balances.bonds_outstanding == 0
    assert balances.accounts[AccountCode.BOND_FORFEITURES] == 150_000
    assert selectors.case_balances(actor=member(fiona), case_id=case_id).forfeited == 150_000


@pytest.mark.django_db
def test_travel_is_expensed_and_cannot_be_refunded(alice, fiona, funded, case_id):
    request = services.disbursement_request(
        actor=member(alice), case_id=case_id, kind=DisbursementKind.TRAVEL,
        amount_cents=45_000, fund=Fund.TRAVEL, details="two tickets and an escort",
    )  # fmt: skip
    services.disbursement_approve(actor=member(fiona), disbursement=request, now=NOW)
    paid = services.disbursement_pay(
        actor=member(fiona), disbursement=request, paid_on=TODAY, now=NOW
    )
    balances = selectors.fund_balances(actor=member(fiona))[Fund.TRAVEL]
    assert balances.accounts[AccountCode.PROGRAM_EXPENSE] == 45_000
    with pytest.raises(Conflict):
        services.disbursement_refund(
            actor=member(fiona), disbursement=paid, refunded_on=TODAY, now=NOW
        )


@pytest.mark.django_db
def test_nobody_approves_their_own_request(fiona, felix, funded, case_id):
    request = bond(fiona, case_id)
    with pytest.raises(Forbidden) as refused:
        services.disbursement_approve(actor=member(fiona), disbursement=request, now=NOW)
    assert refused.value.code == "self_approval"
    assert not Approval.objects.exists()
    # ...and the database refuses it too, whatever code writes the row.
    with pytest.raises(IntegrityError), transaction.atomic():
        Approval.objects.create(disbursement=request, approver=member(fiona), at=NOW)
    services.disbursement_approve(actor=member(felix), disbursement=request, now=NOW)


@pytest.mark.django_db
def test_a_second_approver_is_needed_above_the_threshold(
    settings, alice, fiona, felix, funded, case_id
):
    settings.SECOND_APPROVAL_CENTS = 500_000
    small = bond(alice, case_id, amount_cents=500_000)
    large = bond(alice, case_id, amount_cents=500_001)
    assert (small.approvals_required, large.approvals_required) == (1, 2)
    assert (
        services.disbursement_approve(actor=member(fiona), disbursement=small, now=NOW).status
        == S.APPROVED
    )
    first = services.disbursement_approve(actor=member(fiona), disbursement=large, now=NOW)
    assert first.status == S.REQUESTED
    with pytest.raises(Conflict):
        services.disbursement_pay(actor=member(fiona), disbursement=large, paid_on=TODAY, now=NOW)
    with pytest.raises(Conflict) as twice:
        services.disbursement_approve(actor=member(fiona), disbursement=large, now=NOW)
    assert twice.value.code == "already_approved"
    second = services.disbursement_approve(actor=member(felix), disbursement=large, now=NOW)
    assert second.status == S.APPROVED and second.approvals.count() == 2
    event = (
        AuditEvent.objects.filter(event_type=EventType.DISBURSEMENT_APPROVAL)
        .order_by("-id")
        .first()
    )
    assert event.data == {"approvals": 2, "approvals_required": 2, "status": "approved"}


@pytest.mark.django_db
def test_only_finance_officers_approve_and_pay(alice, bob, dana, fiona, funded, case_id):
    request = bond(alice, case_id)
    for user in (alice, bob, dana):
        with pytest.raises(Forbidden):
            services.disbursement_approve(actor=member(user), disbursement=request, now=NOW)
    services.disbursement_approve(actor=member(fiona), disbursement=request, now=NOW)
    with pytest.raises(Forbidden):
        services.disbursement_pay(actor=member(alice), disbursement=request, paid_on=TODAY, now=NOW)


@pytest.mark.django_db
def test_another_organisation_cannot_touch_a_disbursement(
    alice, fiona, frank, charlie, funded, case_id
):
    request = bond(alice, case_id)
    with pytest.raises(NotFound):
        services.disbursement_approve(actor=member(frank), disbursement=request, now=NOW)
    for user in (frank, charlie):
        with pytest.raises(NotFound):
            access_disbursement(actor=member(user), public_id=request.public_id)
    assert access_disbursement(actor=member(alice), public_id=request.public_id) == request


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kind", "fund"),
    [
        (DisbursementKind.TRAVEL, Fund.BOND),
        (DisbursementKind.PHONE_OR_COMMISSARY, Fund.BOND),
        (DisbursementKind.BOND, Fund.TRAVEL),
        (DisbursementKind.PHONE_OR_COMMISSARY, Fund.TRAVEL),
    ],
)
def test_restricted_money_pays_only_for_its_purpose(alice, kind, fund, case_id):
    with pytest.raises(Conflict) as refused:
        services.disbursement_request(
            actor=member(alice), case_id=case_id, kind=kind, amount_cents=100, fund=fund,
            person_id=uuid.uuid4(),
        )  # fmt: skip
    assert refused.value.code == "restricted_fund"
    with pytest.raises(IntegrityError), transaction.atomic():
        Disbursement.objects.create(
            organization=member(alice).organization, case_id=case_id, person_id=uuid.uuid4(),
            kind=kind, amount_cents=100, fund=fund, requested_by=member(alice),
        )  # fmt: skip


@pytest.mark.django_db
def test_the_general_fund_pays_for_anything(alice, fiona, funded, case_id):
    request = services.disbursement_request(
        actor=member(alice), case_id=case_id, kind=DisbursementKind.PHONE_OR_COMMISSARY,
        amount_cents=2_500, fund=Fund.GENERAL,
    )  # fmt: skip
    services.disbursement_approve(actor=member(fiona), disbursement=request, now=NOW)
    services.disbursement_pay(actor=member(fiona), disbursement=request, paid_on=TODAY, now=NOW)
    assert selectors.fund_balances(actor=member(fiona))[Fund.GENERAL].cash == 300_000 - 2_500


@pytest.mark.django_db
def test_a_fund_cannot_pay_more_than_it_holds(alice, fiona, funded, case_id):
    request = bond(alice, case_id, amount_cents=2_000_001)
    request.approvals_required = 1  # (one approver for the test's sake)
    request.save()
    services.disbursement_approve(actor=member(fiona), disbursement=request, now=NOW)
    with pytest.raises(Conflict) as refused:
        services.disbursement_pay(actor=member(fiona), disbursement=request, paid_on=TODAY, now=NOW)
    assert refused.value.code == "insufficient_funds"
    assert Disbursement.objects.get(pk=request.pk).status == S.APPROVED
    assert not Transaction.objects.filter(kind="payment").exists()


@pytest.mark.django_db
def test_a_bond_names_the_detained_parent(alice, case_id):
    with pytest.raises(Invalid):
        services.disbursement_request(
            actor=member(alice), case_id=case_id, kind=DisbursementKind.BOND,
            amount_cents=100, fund=Fund.BOND,
        )  # fmt: skip


@pytest.mark.django_db
def test_a_disbursement_is_paid_once_even_past_the_service(alice, fiona, funded, case_id):
    paid = paid_bond(alice, fiona, case_id)
    # A second payment transaction for the same disbursement meets the settlement key.
    with pytest.raises(IntegrityError), transaction.atomic():
        Transaction.objects.create(
            organization=paid.organization, kind="payment", occurred_on=TODAY,
            key=f"disbursement:{paid.public_id}:payment",
        )  # fmt: skip


@pytest.mark.django_db
def test_bond_details_are_sealed_and_wiped_with_the_person(alice, fiona, funded, case_id):
    from django.db import connection

    from reunite.funds.retention import wipe_person

    paid = paid_bond(alice, fiona, case_id)
    with connection.cursor() as cursor:
        cursor.execute("SELECT obligor, receipt_number FROM funds_disbursement")
        row = cursor.fetchone()
    assert "Marta" not in row[0] and "BR-0001" not in row[1]

    class Person:  # the registry's Person, as the wipe sees it (only its public id)
        public_id = paid.person_id

    wipe_person(Person())
    paid.refresh_from_db()
    assert (paid.obligor, paid.receipt_number, paid.facility) == ("", "", "")
    assert paid.status == S.PAID and selectors.ledger_reconcile(actor=member(fiona)).ok


@pytest.mark.django_db
def test_case_money_counts_what_is_waiting(alice, fiona, funded, case_id):
    bond(alice, case_id, amount_cents=10_000)
    paid_bond(alice, fiona, case_id, amount_cents=20_000)
    money = selectors.case_balances(actor=member(fiona), case_id=case_id)
    assert (money.requested, money.paid_out, money.bonds_outstanding) == (10_000, 20_000, 20_000)
    listed = selectors.disbursement_list(actor=member(alice), case_id=case_id)
    assert len(listed) == 2
    assert selectors.case_balances(actor=member(fiona), case_id=uuid.uuid4()).paid_out == 0
