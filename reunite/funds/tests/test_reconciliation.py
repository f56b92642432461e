"""After any sequence of operations the books reconcile: every transaction sums to zero,
no fund's cash is below zero, and each case's totals are its disbursements' postings."""

import uuid

import pytest
from django.db import connection, transaction
from django.db.models import Sum
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from reunite.core.errors import Conflict
from reunite.funds import selectors, services
from reunite.funds.models import (
    FUND_PURPOSES,
    AccountCode,
    Disbursement,
    DisbursementKind,
    DisbursementStatus,
    DonorKind,
    Entry,
    Fund,
    Gift,
)
from reunite.funds.tests.conftest import NOW, TODAY, member

CASES = [uuid.UUID(int=n) for n in range(1, 4)]
PAIRS = sorted((kind, fund) for fund, kinds in FUND_PURPOSES.items() for kind in kinds)
amounts = st.integers(min_value=1, max_value=120_000)
index = st.integers(min_value=0, max_value=20)

operations = st.lists(
    st.one_of(
        st.tuples(st.just("gift"), st.sampled_from(Fund.values), amounts),
        st.tuples(st.just("request"), st.sampled_from(PAIRS), amounts, st.sampled_from(CASES)),
        st.tuples(st.just("through"), st.sampled_from(PAIRS), amounts, st.sampled_from(CASES)),
        st.tuples(st.just("approve"), index, st.integers(0, 1)),
        st.tuples(st.just("reject"), index),
        st.tuples(st.just("pay"), index),
        st.tuples(st.just("refund"), index),
        st.tuples(st.just("forfeit"), index),
        st.tuples(st.just("reverse"), index),
    ),
    min_size=3,
    max_size=30,
)


class Rollback(Exception):
    pass


def _apply(op, *, alice, officers, donor):
    finance = member(officers[0])
    name = op[0]
    if name == "gift":
        gift = services.gift_record(
            actor=finance, donor=donor, amount_cents=op[2], fund=op[1], received_on=TODAY
        )
        services.gift_accept(actor=finance, gift=gift, now=NOW)
    elif name in {"request", "through"}:
        (kind, fund), amount, case_id = op[1], op[2], op[3]
        request = services.disbursement_request(
            actor=member(alice), case_id=case_id, kind=kind, amount_cents=amount, fund=fund,
            person_id=uuid.uuid4() if kind == DisbursementKind.BOND else None,
        )  # fmt: skip
        if name == "through":  # money in, then the request approved and paid
            gift = services.gift_record(
                actor=finance, donor=donor, amount_cents=amount, fund=fund, received_on=TODAY
            )
            services.gift_accept(actor=finance, gift=gift, now=NOW)
            for officer in officers[: request.approvals_required]:
                services.disbursement_approve(actor=member(officer), disbursement=request, now=NOW)
            services.disbursement_pay(actor=finance, disbursement=request, paid_on=TODAY, now=NOW)
    elif name == "reverse":
        gifts = list(Gift.objects.filter(transaction__isnull=False).order_by("id"))
        if gifts:
            original = gifts[op[1] % len(gifts)].transaction
            services.transaction_reverse(
                actor=finance, transaction=original, memo="", occurred_on=TODAY
            )
    else:
        # Mostly act on a disbursement in the state the operation expects (so that the
        # sequences reach payment and settlement); else on any, which the rules must refuse.
        ready = {"approve": "requested", "reject": "requested", "pay": "approved"}.get(name, "paid")
        expected = Disbursement.objects.filter(status=ready)
        if name in {"refund", "forfeit"}:
            expected = expected.filter(kind=DisbursementKind.BOND)
        disbursements = list(expected.order_by("id"))
        if not disbursements or op[1] % 5 == 0:
            disbursements = list(Disbursement.objects.order_by("id"))
        if not disbursements:
            return
        target = disbursements[op[1] % len(disbursements)]
        if name == "approve":
            services.disbursement_approve(
                actor=member(officers[op[2]]), disbursement=target, now=NOW
            )
        elif name == "reject":
            services.disbursement_reject(actor=finance, disbursement=target, reason="", now=NOW)
        elif name == "pay":
            services.disbursement_pay(actor=finance, disbursement=target, paid_on=TODAY, now=NOW)
        elif name == "refund":
            services.disbursement_refund(
                actor=finance, disbursement=target, refunded_on=TODAY, now=NOW
            )
        else:
            services.disbursement_forfeit(
                actor=finance, disbursement=target, breached_on=TODAY, now=NOW
            )


def _check_books(finance):
    # Every posted transaction sums to zero, recomputed in SQL from the legs.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT t.id FROM funds_transaction t LEFT JOIN funds_entry e "
            "ON e.transaction_id = t.id WHERE t.posted GROUP BY t.id "
            "HAVING COALESCE(SUM(e.amount_cents), 0) <> 0 OR COUNT(e.id) < 2"
        )
        assert cursor.fetchall() == []
    report = selectors.ledger_reconcile(actor=finance)
    assert report.ok, report
    balances = selectors.fund_balances(actor=finance)
    for fund in balances.values():
        assert fund.cash >= 0
    # Each case: the ledger's view equals what its disbursements say happened.
    for case_id in CASES:
        money = selectors.case_balances(actor=finance, case_id=case_id)
        rows = Disbursement.objects.filter(case_id=case_id)
        paid_states = {
            DisbursementStatus.PAID,
            DisbursementStatus.REFUNDED,
            DisbursementStatus.FORFEITED,
        }
        paid = [d for d in rows if d.status in paid_states]
        assert money.paid_out == sum(d.amount_cents for d in paid)
        assert money.returned == sum(
            d.amount_cents for d in paid if d.status == DisbursementStatus.REFUNDED
        )
        assert money.forfeited == sum(
            d.amount_cents for d in paid if d.status == DisbursementStatus.FORFEITED
        )
        assert money.bonds_outstanding == sum(
            d.amount_cents
            for d in paid
            if d.kind == DisbursementKind.BOND and d.status == DisbursementStatus.PAID
        )
        postings = [d.payment_id for d in paid] + [d.settlement_id for d in paid if d.settlement_id]
        cash = Entry.objects.filter(
            transaction_id__in=postings, account__code=AccountCode.CASH
        ).aggregate(t=Sum("amount_cents"))["t"]
        assert -(cash or 0) == money.net_cost
    # Nobody approved their own request, nobody twice, and approvals match the state.
    for d in Disbursement.objects.all():
        approvers = list(d.approvals.values_list("approver_id", flat=True))
        assert d.requested_by_id not in approvers and len(approvers) == len(set(approvers))
        if d.status in {DisbursementStatus.APPROVED, *paid_states}:
            assert len(approvers) >= d.approvals_required


@pytest.mark.django_db
@settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=operations)
@example(  # every path at least once: paid, refunded, forfeited, rejected, reversed
    ops=[
        ("through", (DisbursementKind.BOND, Fund.BOND), 70_000, CASES[0]),
        ("through", (DisbursementKind.BOND, Fund.GENERAL), 1_000, CASES[0]),
        ("through", (DisbursementKind.TRAVEL, Fund.TRAVEL), 2_000, CASES[1]),
        ("refund", 0),
        ("forfeit", 1),
        ("request", (DisbursementKind.TRAVEL, Fund.GENERAL), 500, CASES[2]),
        ("reject", 0),
        ("gift", Fund.GENERAL, 5_000),
        ("reverse", 3),
    ]
)
def test_any_sequence_of_operations_keeps_the_books_reconciled(
    django_settings_override, alice, fiona, felix, ops
):
    finance = member(fiona)
    try:
        with transaction.atomic():
            donor = services.donor_create(actor=finance, kind=DonorKind.INDIVIDUAL, name="D")
            for op in ops:
                try:
                    with transaction.atomic():
                        _apply(op, alice=alice, officers=(fiona, felix), donor=donor)
                except Conflict:
                    pass  # refused by a rule (overdraft, wrong state): nothing written
            _check_books(finance)
            raise Rollback
    except Rollback:
        pass


@pytest.fixture
def django_settings_override(settings):
    settings.SECOND_APPROVAL_CENTS = 60_000  # so that some requests need two approvers
