"""`reunite demo` loads synthetic families and walks some of them through their cases,
so that a newcomer's dashboard and court report show figures."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from conftest import signed_in
from reunite.accounts.models import User
from reunite.cases.models import ReunificationCase
from reunite.funds.models import Disbursement, Gift
from reunite.funds.selectors import fund_balances, ledger_reconcile
from reunite.reports.selectors import court_report

pytestmark = pytest.mark.django_db


def test_the_demo_opens_cases_the_dashboard_and_the_report_count(client):
    call_command("demo", stdout=StringIO())
    alice = User.objects.get(email="alice@demo.reunite.test")
    actor = alice.memberships.get()
    cases = ReunificationCase.objects.filter(organization=actor.organization)
    assert cases.count() == 9
    assert cases.filter(stage="reunified").count() == 4
    # The report counts to the second: ask about one after everything was recorded.
    later = timezone.now() + timedelta(seconds=1)
    counts = court_report(actor=actor, as_of=later, now=later).counts
    assert counts["children.reunified"] >= 4
    assert counts["declined.parents"] == 1
    assert counts["ineligible.criminal_history"] == 1
    signed_in(client, alice)
    page = client.get(reverse("dashboard:home"))
    stages = next(c for c in page.context["charts"] if c.slug == "stages")
    assert sum(bar.value for bar in stages.bars) == 9
    assert page.context["my_tasks"]
    farah = User.objects.get(email="farah@demo.reunite.test").memberships.get()
    assert ledger_reconcile(actor=farah).ok
    paid = Disbursement.objects.filter(organization=actor.organization)
    assert {d.status for d in paid} >= {"paid", "refunded"}
    assert Gift.objects.filter(organization=actor.organization, status="refused").count() == 1
    balances = fund_balances(actor=farah)
    bonds_out = sum(d.amount_cents for d in paid if d.kind == "bond" and d.status == "paid")
    assert balances["bond"].cash == 2_500_000 - bonds_out
