"""The ledger's invariants, held by the services and again by the database itself."""

import pytest
from django.db import IntegrityError, connection, transaction

from reunite.audit.events import EventType
from reunite.audit.models import AuditEvent
from reunite.core.errors import Conflict, Forbidden, Invalid
from reunite.funds import selectors, services
from reunite.funds.models import (
    AccountCode,
    Entry,
    Fund,
    Transaction,
    TransactionKind,
)
from reunite.funds.services import Leg
from reunite.funds.tests.conftest import NOW, TODAY, give, member

# Both databases report a guard's refusal as an integrity error (PostgreSQL's guards raise
# check_violation).
REFUSED = IntegrityError


def _unposted(fiona, *amounts):
    """A transaction with legs written straight through the ORM, past every service."""
    org = member(fiona).organization
    cash = services.account_get(organization=org, fund=Fund.GENERAL, code=AccountCode.CASH)
    income = services.account_get(organization=org, fund=Fund.GENERAL, code=AccountCode.DONATIONS)
    txn = Transaction.objects.create(
        organization=org, kind=TransactionKind.ADJUSTMENT, occurred_on=TODAY
    )
    for index, amount in enumerate(amounts):
        Entry.objects.create(
            transaction=txn, account=(cash, income)[index % 2], amount_cents=amount
        )
    return txn


def _check_deferred():
    """PostgreSQL checks the sum at commit; make the deferred check run now."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


@pytest.mark.django_db
def test_the_database_refuses_to_post_unbalanced_legs(fiona):
    with pytest.raises(REFUSED), transaction.atomic():
        txn = _unposted(fiona, 10_000, -9_999)
        Transaction.objects.filter(pk=txn.pk).update(posted=True)
        _check_deferred()


@pytest.mark.django_db
def test_the_database_refuses_a_single_legged_posting(fiona):
    with pytest.raises(REFUSED), transaction.atomic():
        txn = _unposted(fiona)
        Transaction.objects.filter(pk=txn.pk).update(posted=True)


@pytest.mark.django_db
def test_the_database_refuses_a_transaction_inserted_as_posted(fiona):
    org = member(fiona).organization
    with pytest.raises(REFUSED), transaction.atomic():
        Transaction.objects.create(
            organization=org, kind=TransactionKind.ADJUSTMENT, occurred_on=TODAY, posted=True
        )


@pytest.mark.django_db
@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_postgresql_refuses_unbalanced_legs_at_commit_even_unposted(fiona):
    with pytest.raises(REFUSED), transaction.atomic():
        _unposted(fiona, 10_000, -1)
        _check_deferred()


@pytest.mark.django_db
def test_balanced_legs_post(fiona):
    txn = _unposted(fiona, 10_000, -10_000)
    Transaction.objects.filter(pk=txn.pk).update(posted=True)
    _check_deferred()
    assert Transaction.objects.get(pk=txn.pk).posted


@pytest.mark.django_db
def test_posted_legs_cannot_be_changed_added_or_deleted(fiona, funded):
    txn = Transaction.objects.filter(posted=True).first()
    leg = txn.entries.first()
    with pytest.raises(REFUSED), transaction.atomic():
        Entry.objects.filter(pk=leg.pk).update(amount_cents=leg.amount_cents + 1)
    with pytest.raises(REFUSED), transaction.atomic():
        Entry.objects.filter(pk=leg.pk).delete()
    with pytest.raises(REFUSED), transaction.atomic():
        Entry.objects.create(transaction=txn, account=leg.account, amount_cents=5)
    with pytest.raises(REFUSED), transaction.atomic():
        Transaction.objects.filter(pk=txn.pk).update(posted=False)
    with pytest.raises(REFUSED), transaction.atomic():
        Transaction.objects.filter(pk=txn.pk).update(occurred_on="2020-01-01")
    with pytest.raises(REFUSED), transaction.atomic():
        Entry.objects.filter(transaction=txn).delete()
        Transaction.objects.filter(pk=txn.pk).delete()
    # Only the memo may change (the retention wipe blanks it).
    txn.memo = "corrected"
    txn.save(update_fields=["memo"])


@pytest.mark.django_db
def test_the_service_refuses_unbalanced_or_foreign_legs(fiona, frank):
    with pytest.raises(Invalid):
        services.transaction_post(
            actor=member(fiona),
            legs=[
                Leg(Fund.GENERAL, AccountCode.CASH, 100),
                Leg(Fund.GENERAL, AccountCode.DONATIONS, -99),
            ],
            memo="",
            occurred_on=TODAY,
        )
    assert not Transaction.objects.exists()


@pytest.mark.django_db
def test_only_finance_officers_post(alice, dana):
    for user in (alice, dana):
        with pytest.raises(Forbidden):
            services.transaction_post(
                actor=member(user),
                legs=[
                    Leg(Fund.GENERAL, AccountCode.CASH, 1),
                    Leg(Fund.GENERAL, AccountCode.NET_ASSETS, -1),
                ],
                memo="",
                occurred_on=TODAY,
            )


@pytest.mark.django_db
def test_a_reversal_negates_every_leg_once(fiona):
    gift = give(fiona, amount_cents=12_345, fund=Fund.GENERAL)
    original = gift.transaction
    reversal = services.transaction_reverse(
        actor=member(fiona), transaction=original, memo="cheque bounced", occurred_on=TODAY
    )
    legs = {e.account_id: e.amount_cents for e in original.entries.all()}
    assert {e.account_id: -e.amount_cents for e in reversal.entries.all()} == legs
    assert reversal.reverses == original and reversal.posted
    assert selectors.fund_balances(actor=member(fiona))[Fund.GENERAL].cash == 0
    with pytest.raises(Conflict):
        services.transaction_reverse(
            actor=member(fiona), transaction=original, memo="", occurred_on=TODAY
        )
    with pytest.raises(Conflict):
        services.transaction_reverse(
            actor=member(fiona), transaction=reversal, memo="", occurred_on=TODAY
        )
    event = AuditEvent.objects.get(event_type=EventType.LEDGER_ENTRY_REVERSED)
    assert event.data["reverses"] == str(original.public_id)
    assert "bounced" not in str(event.data)


@pytest.mark.django_db
def test_a_reversal_cannot_overdraw_cash(fiona, felix, case_id):
    gift = give(fiona, amount_cents=10_000, fund=Fund.GENERAL)
    actor = member(fiona)
    request = services.disbursement_request(
        actor=member(felix), case_id=case_id, kind="travel", amount_cents=8_000, fund=Fund.GENERAL
    )
    services.disbursement_approve(actor=actor, disbursement=request, now=NOW)
    services.disbursement_pay(actor=actor, disbursement=request, paid_on=TODAY, now=NOW)
    with pytest.raises(Conflict) as refused:
        services.transaction_reverse(
            actor=actor, transaction=gift.transaction, memo="", occurred_on=TODAY
        )
    assert refused.value.code == "insufficient_funds"


@pytest.mark.django_db
def test_restricted_cash_cannot_move_to_another_fund(fiona, funded):
    with pytest.raises(Conflict) as refused:
        services.transaction_post(
            actor=member(fiona),
            legs=[Leg(Fund.GENERAL, AccountCode.CASH, 100), Leg(Fund.BOND, AccountCode.CASH, -100)],
            memo="",
            occurred_on=TODAY,
        )
    assert refused.value.code == "restricted_fund"
    # Unrestricted money may be moved into a restricted fund.
    services.transaction_post(
        actor=member(fiona),
        legs=[Leg(Fund.BOND, AccountCode.CASH, 100), Leg(Fund.GENERAL, AccountCode.CASH, -100)],
        memo="board transfer",
        occurred_on=TODAY,
    )
    assert selectors.ledger_reconcile(actor=member(fiona)).ok


@pytest.mark.django_db
def test_balances_and_reconciliation(fiona, funded):
    balances = selectors.fund_balances(actor=member(fiona))
    assert balances[Fund.BOND].cash == 2_000_000
    assert balances[Fund.BOND].accounts[AccountCode.DONATIONS] == -2_000_000
    assert balances[Fund.TRAVEL].cash == 500_000
    assert selectors.ledger_reconcile(actor=member(fiona)).ok


@pytest.mark.django_db
def test_ledger_reads_are_for_finance_and_audit(alice, dana, fiona):
    selectors.fund_balances(actor=member(dana))
    selectors.fund_balances(actor=member(fiona))
    with pytest.raises(Forbidden):
        selectors.fund_balances(actor=member(alice))
