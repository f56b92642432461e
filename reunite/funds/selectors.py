"""The fund ledger's reads, scoped by the actor. Balances are always recomputed from the
posted legs: there is no stored balance to drift."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from django.db.models import Count, Q, Sum

from reunite.accounts.access import has
from reunite.accounts.models import Membership
from reunite.accounts.roles import Capability
from reunite.core.errors import Forbidden
from reunite.funds.access import can_read_ledger
from reunite.funds.models import (
    AccountCode,
    AccountKind,
    Disbursement,
    DisbursementStatus,
    Donor,
    Entry,
    ExclusionEntry,
    Gift,
    GiftStatus,
    Transaction,
)


def _require_ledger(actor: Membership) -> None:
    if not can_read_ledger(actor):
        raise Forbidden()


@dataclass
class FundBalance:
    fund: str
    accounts: dict[str, int] = field(default_factory=dict)  # code -> debit-positive cents

    @property
    def cash(self) -> int:
        return self.accounts.get(AccountCode.CASH, 0)

    @property
    def bonds_outstanding(self) -> int:
        return self.accounts.get(AccountCode.BONDS_RECEIVABLE, 0)


def fund_balances(*, actor: Membership) -> dict[str, FundBalance]:
    """Every fund's account balances (debits positive) from the posted legs."""
    _require_ledger(actor)
    rows = (
        Entry.objects.filter(transaction__organization=actor.organization, transaction__posted=True)
        .values("account__fund", "account__code")
        .annotate(total=Sum("amount_cents"))
    )
    balances: dict[str, FundBalance] = {}
    for row in rows:
        fund = row["account__fund"]
        balances.setdefault(fund, FundBalance(fund)).accounts[row["account__code"]] = int(
            row["total"]
        )
    return balances


@dataclass(frozen=True)
class CaseMoney:
    case_id: uuid.UUID
    paid_out: int  # cash that left the funds for the case
    returned: int  # bonds refunded to the funds
    forfeited: int  # bonds breached
    bonds_outstanding: int  # posted and not yet settled
    requested: int  # requested or approved, not paid yet

    @property
    def net_cost(self) -> int:
        return self.paid_out - self.returned


def case_balances(*, actor: Membership, case_id: uuid.UUID) -> CaseMoney:
    """One case's money, from the postings that carry its id. Finance staff and
    auditors, and the case's own staff (the cases app checks their access to the case)."""
    if not (can_read_ledger(actor) or has(actor, Capability.VIEW_CLIENTS)):
        raise Forbidden()
    legs = Entry.objects.filter(
        transaction__organization=actor.organization,
        transaction__posted=True,
        transaction__case_id=case_id,
    )
    by_code = {
        row["account__code"]: int(row["total"])
        for row in legs.values("account__code").annotate(total=Sum("amount_cents"))
    }
    cash_out = legs.filter(account__code=AccountCode.CASH, amount_cents__lt=0).aggregate(
        t=Sum("amount_cents")
    )["t"]
    cash_in = legs.filter(account__code=AccountCode.CASH, amount_cents__gt=0).aggregate(
        t=Sum("amount_cents")
    )["t"]
    pending = Disbursement.objects.filter(
        organization=actor.organization,
        case_id=case_id,
        status__in=[DisbursementStatus.REQUESTED, DisbursementStatus.APPROVED],
    ).aggregate(t=Sum("amount_cents"))["t"]
    return CaseMoney(
        case_id=case_id,
        paid_out=-int(cash_out or 0),
        returned=int(cash_in or 0),
        forfeited=by_code.get(AccountCode.BOND_FORFEITURES, 0),
        bonds_outstanding=by_code.get(AccountCode.BONDS_RECEIVABLE, 0),
        requested=int(pending or 0),
    )


@dataclass(frozen=True)
class Reconciliation:
    unbalanced: list[uuid.UUID]  # posted transactions whose legs do not sum to zero
    negative_cash: list[str]  # funds whose cash is below zero
    trial_balance: int  # the sum of every posted leg: zero when the books balance

    @property
    def ok(self) -> bool:
        return not self.unbalanced and not self.negative_cash and self.trial_balance == 0


def ledger_reconcile(*, actor: Membership) -> Reconciliation:
    """Recompute the books from the legs and report anything that does not add up."""
    _require_ledger(actor)
    posted = Transaction.objects.filter(organization=actor.organization, posted=True)
    unbalanced = list(
        posted.annotate(total=Sum("entries__amount_cents"), legs=Count("entries"))
        .filter(~Q(total=0) | Q(legs__lt=2))
        .values_list("public_id", flat=True)
    )
    balances = fund_balances(actor=actor)
    negative = sorted(fund for fund, b in balances.items() if b.cash < 0)
    total = Entry.objects.filter(transaction__in=posted).aggregate(t=Sum("amount_cents"))["t"]
    return Reconciliation(
        unbalanced=unbalanced, negative_cash=negative, trial_balance=int(total or 0)
    )


def disbursement_list(
    *, actor: Membership, case_id: uuid.UUID | None = None, status: str | None = None
):
    """Disbursements of the actor's organisation, newest first (finance staff, auditors
    and case staff; the cases app narrows to the cases the actor may see)."""
    if not (can_read_ledger(actor) or has(actor, Capability.EDIT_CLIENTS)):
        raise Forbidden()
    queryset = Disbursement.objects.filter(organization=actor.organization)
    if case_id is not None:
        queryset = queryset.filter(case_id=case_id)
    if status is not None:
        queryset = queryset.filter(status=status)
    return queryset.order_by("-created_at")


def normal_balance(kind: str, debit_positive: int) -> int:
    """A balance as an accountant reads it: debit-normal accounts (assets, expenses)
    positive when debited, the others positive when credited."""
    return debit_positive if kind in {AccountKind.ASSET, AccountKind.EXPENSE} else -debit_positive


def transaction_list(*, actor: Membership):
    """Posted transactions, newest first, with their legs and accounts (two queries per
    page whatever its length)."""
    _require_ledger(actor)
    return (
        Transaction.objects.filter(organization=actor.organization, posted=True)
        .select_related("created_by__user", "reverses")
        .prefetch_related("entries__account", "reversed_by")
        .order_by("-occurred_on", "-id")
    )


def _require_funds(actor: Membership) -> None:
    if not has(actor, Capability.MANAGE_FUNDS):
        raise Forbidden()


def donor_list(*, actor: Membership):
    """The organisation's donors (names are personal data: finance officers only)."""
    _require_funds(actor)
    return Donor.objects.filter(organization=actor.organization).order_by("-created_at")


def gift_list(*, actor: Membership, status: str | None = None):
    _require_funds(actor)
    gifts = Gift.objects.filter(organization=actor.organization).select_related(
        "donor", "decided_by__user"
    )
    if status:
        gifts = gifts.filter(status=status)
    return gifts.order_by("-received_on", "-id")


def exclusion_list(*, actor: Membership):
    _require_funds(actor)
    return ExclusionEntry.objects.filter(organization=actor.organization).select_related(
        "added_by__user"
    )


def exclusions_by_id(*, actor: Membership, public_ids) -> list[ExclusionEntry]:
    """The exclusion entries a gift's screening matched (stored by public id)."""
    _require_funds(actor)
    return list(
        ExclusionEntry.objects.filter(organization=actor.organization, public_id__in=public_ids)
    )


@dataclass(frozen=True)
class Waiting:
    gifts: int  # pending screening
    requested: int  # disbursements waiting for approval
    approved: int  # approved, waiting to be paid


def funds_waiting(*, actor: Membership) -> Waiting:
    _require_ledger(actor)
    by_status = dict(
        Disbursement.objects.filter(organization=actor.organization)
        .values_list("status")
        .annotate(n=Count("id"))
    )
    gifts = Gift.objects.filter(organization=actor.organization, status=GiftStatus.PENDING)
    return Waiting(
        gifts=gifts.count(),
        requested=by_status.get(DisbursementStatus.REQUESTED, 0),
        approved=by_status.get(DisbursementStatus.APPROVED, 0),
    )
