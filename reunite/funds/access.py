"""The gates to the funds' records. As everywhere: missing and forbidden are both
NotFound, and another organisation's ids reveal nothing."""

from __future__ import annotations

from reunite.accounts.access import has
from reunite.accounts.models import Membership
from reunite.accounts.roles import Capability
from reunite.core.errors import NotFound
from reunite.funds.models import Disbursement, Donor, Gift, Transaction


def can_read_ledger(actor: Membership | None) -> bool:
    return any(
        has(actor, c)
        for c in (Capability.MANAGE_FUNDS, Capability.APPROVE_PAYMENTS, Capability.VIEW_AUDIT)
    )


def _one(queryset, actor: Membership, public_id):
    found = queryset.filter(organization=actor.organization, public_id=public_id).first()
    if found is None:
        raise NotFound()
    return found


def access_disbursement(*, actor: Membership, public_id, write: bool = False) -> Disbursement:
    """Finance staff and auditors read every disbursement; case staff read them too (the
    cases app checks their access to the case). Writing is each service's own check."""
    allowed = can_read_ledger(actor) or has(actor, Capability.EDIT_CLIENTS)
    if write:
        allowed = has(actor, Capability.MANAGE_FUNDS) or has(actor, Capability.APPROVE_PAYMENTS)
    if not allowed:
        raise NotFound()
    return _one(Disbursement.objects.all(), actor, public_id)


def access_gift(*, actor: Membership, public_id) -> Gift:
    if not has(actor, Capability.MANAGE_FUNDS):
        raise NotFound()
    return _one(Gift.objects.select_related("donor"), actor, public_id)


def access_donor(*, actor: Membership, public_id) -> Donor:
    if not has(actor, Capability.MANAGE_FUNDS):
        raise NotFound()
    return _one(Donor.objects.all(), actor, public_id)


def access_transaction(*, actor: Membership, public_id) -> Transaction:
    if not can_read_ledger(actor):
        raise NotFound()
    return _one(Transaction.objects.all(), actor, public_id)
