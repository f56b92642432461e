"""Org A's fund records for the architecture tests' access matrix."""

from django.utils import timezone

from conftest import _member
from reunite.accounts.roles import Role
from reunite.funds import services
from reunite.funds.models import DisbursementKind, DonorKind, Fund


def funds_records(*, organization, requester, case_id, person_id) -> dict:
    """A finance officer's gift (accepted, so a ledger transaction) and a bond request
    on the case, made by `requester` (a case worker of the organisation)."""
    now = timezone.now()
    officer = _member(organization, "Fay Finance", "fay@a.example.org", Role.FINANCE_OFFICER)
    actor = officer.memberships.get()
    donor = services.donor_create(actor=actor, kind=DonorKind.INDIVIDUAL, name="Test Donor")
    gift = services.gift_record(
        actor=actor, donor=donor, amount_cents=10_000, fund=Fund.BOND, received_on=now.date()
    )
    gift = services.gift_accept(actor=actor, gift=gift, now=now)
    disbursement = services.disbursement_request(
        actor=requester,
        case_id=case_id,
        kind=DisbursementKind.BOND,
        amount_cents=5_000,
        fund=Fund.BOND,
        person_id=person_id,
        facility="Test Processing Center",
        obligor="Test Obligor",
    )
    return {"gift": gift, "transaction": gift.transaction, "disbursement": disbursement}
