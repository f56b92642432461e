"""Funds' part of retention: which fields hold personal data, and how a person's wipe
reaches them.

Funds and the registry (reunite.people) are siblings in one layer, so funds cannot call
people's retention.register(). It declares here instead (model names, no imports of
people); FundsConfig exposes the declaration and PeopleConfig.ready() registers it with
the wipe coverage, like the apps above the registry do with their own register() calls.
"""

from __future__ import annotations

from typing import Any

_BOOKKEEPING = ("id", "public_id", "created_at", "updated_at")

# model name -> (personal fields, everything else named on purpose)
PERSONAL_DATA: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "Account": ((), (*_BOOKKEEPING, "organization", "fund", "code", "kind", "restricted")),
    "Transaction": (
        ("memo",),
        (
            *_BOOKKEEPING,
            "organization",
            "kind",
            "occurred_on",
            "created_by",
            "reverses",
            "key",
            "case_id",
            "posted",
        ),
    ),
    "Entry": ((), ("id", "transaction", "account", "amount_cents")),
    "Donor": (
        ("name", "contact"),
        (*_BOOKKEEPING, "organization", "kind", "created_by", "wiped_at"),
    ),
    "Gift": (
        ("reason",),
        (
            *_BOOKKEEPING,
            "organization",
            "donor",
            "amount_cents",
            "fund",
            "received_on",
            "recorded_by",
            "status",
            "decided_by",
            "decided_at",
            "reason_code",
            "screening_matches",
            "transaction",
        ),
    ),
    "ExclusionEntry": (
        (),
        (
            *_BOOKKEEPING,
            "organization",
            "name",
            "normalized",
            "source",
            "agency",
            "reference",
            "added_by",
        ),
    ),
    "Disbursement": (
        ("facility", "obligor", "receipt_number", "details", "reason"),
        (
            *_BOOKKEEPING,
            "organization",
            "case_id",
            "person_id",
            "kind",
            "amount_cents",
            "fund",
            "status",
            "requested_by",
            "approvals_required",
            "decided_by",
            "paid_by",
            "paid_on",
            "settled_on",
            "payment",
            "settlement",
        ),
    ),
    "Approval": ((), (*_BOOKKEEPING, "disbursement", "approver", "at")),
}


def wipe_person(person: Any) -> None:
    """A person's wipe, called inside person_wipe's transaction with the Person (only its
    public id is read). The disbursements for them keep their amounts and states, so the
    ledger still adds up; the words that could identify them are blanked, and so are the
    memos of the transactions that paid or settled those disbursements (the database
    lets a posted transaction's memo change, never its legs)."""
    from django.db.models import Q

    from reunite.funds.models import Disbursement, Transaction

    disbursements = Disbursement.objects.filter(person_id=person.public_id)
    ids = set()
    for disbursement in disbursements:
        ids.update(t for t in (disbursement.payment_id, disbursement.settlement_id) if t)
    disbursements.update(facility="", obligor="", receipt_number="", details="", reason="")
    related = Transaction.objects.filter(Q(pk__in=ids) | Q(reverses_id__in=ids))
    for transaction in related:
        if transaction.memo:
            transaction.memo = ""
            transaction.save(update_fields=["memo", "updated_at"])
