"""Finance officers for the funds tests, and a ledger with money in it."""

import datetime
import uuid

import pytest

from conftest import _member
from reunite.accounts.roles import Role
from reunite.funds import services
from reunite.funds.models import DonorKind, Fund

NOW = datetime.datetime(2026, 3, 10, 15, 0, tzinfo=datetime.UTC)
TODAY = NOW.date()


def member(user):
    return user.memberships.get()


@pytest.fixture
def fiona(org_a):
    return _member(org_a, "Fiona Finance", "fiona@a.example.org", Role.FINANCE_OFFICER)


@pytest.fixture
def felix(org_a):
    return _member(org_a, "Felix Finance", "felix@a.example.org", Role.FINANCE_OFFICER)


@pytest.fixture
def frank(org_b):
    return _member(org_b, "Frank Finance", "frank@b.example.org", Role.FINANCE_OFFICER)


@pytest.fixture
def case_id():
    return uuid.uuid4()


def give(officer, *, amount_cents, fund=Fund.BOND, name="Rosa Donante"):
    """A gift recorded and accepted: money in `fund`."""
    actor = member(officer)
    donor = services.donor_create(actor=actor, kind=DonorKind.INDIVIDUAL, name=name)
    gift = services.gift_record(
        actor=actor, donor=donor, amount_cents=amount_cents, fund=fund, received_on=TODAY
    )
    return services.gift_accept(actor=actor, gift=gift, now=NOW)


@pytest.fixture
def funded(fiona):
    """$20,000 in the bond fund, $5,000 in the travel fund, $3,000 in the general fund."""
    give(fiona, amount_cents=2_000_000, fund=Fund.BOND)
    give(fiona, amount_cents=500_000, fund=Fund.TRAVEL)
    give(fiona, amount_cents=300_000, fund=Fund.GENERAL)
