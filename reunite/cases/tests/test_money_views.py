"""The case page's money (request a disbursement, see the case's balance and requests)
and opening a case by hand."""

import datetime

import pytest
from django.urls import reverse

from conftest import _member, signed_in
from reunite.accounts.roles import Role
from reunite.audit.events import EventType
from reunite.audit.models import AuditEvent
from reunite.cases import services
from reunite.cases.choices import MemberRole, Outcome, Stage
from reunite.cases.models import ReunificationCase
from reunite.cases.tests.conftest import NOW, member
from reunite.funds import services as funds
from reunite.funds.models import Disbursement, DisbursementKind, DisbursementStatus, DonorKind, Fund
from reunite.people.choices import CustodyKind, FamilyRole
from reunite.people.tests.factories import CustodyEventFactory, PersonFactory

pytestmark = pytest.mark.django_db


def detail(case):
    return reverse("cases:detail", kwargs={"public_id": case.public_id})


def request_url(case):
    return reverse("cases:disbursement_request", kwargs={"public_id": case.public_id})


@pytest.fixture
def detained(mother):
    return CustodyEventFactory(person=mother, kind=CustodyKind.ICE, end_date=None)


@pytest.fixture
def fiona(org_a):
    return _member(org_a, "Fiona Finance", "fiona@a.example.org", Role.FINANCE_OFFICER)


@pytest.fixture
def felix(org_a):
    return _member(org_a, "Felix Finance", "felix@a.example.org", Role.FINANCE_OFFICER)


def bond_form(mother, **changes):
    return {
        "kind": DisbursementKind.BOND,
        "amount": "1500.00",
        "fund": Fund.BOND,
        "person": str(mother.public_id),
        "facility": "Test Processing Center",
        "obligor": "Marta Obligada",
        "receipt_number": "BR-2026-01",
        "details": "",
        **changes,
    }


def test_a_bond_is_requested_for_a_detained_parent(client, bob, case, mother, detained):
    signed_in(client, bob)
    response = client.post(request_url(case), bond_form(mother))
    assert response["Location"] == detail(case) + "#money"
    bond = Disbursement.objects.get()
    assert (bond.case_id, bond.person_id) == (case.public_id, mother.public_id)
    assert (bond.amount_cents, bond.status) == (150_000, DisbursementStatus.REQUESTED)
    assert bond.receipt_number == "BR-2026-01" and bond.requested_by == member(bob)
    assert AuditEvent.objects.filter(event_type=EventType.DISBURSEMENT_REQUESTED).exists()
    page = client.get(detail(case)).content.decode()
    assert reverse("funds:disbursement", kwargs={"public_id": bond.public_id}) in page
    assert reverse("funds:disbursements") in page  # the approval queue
    assert "$1,500.00" in page  # requested, not paid yet


def test_an_invalid_request_keeps_what_was_typed(client, alice, case, mother, detained):
    signed_in(client, alice)
    response = client.post(request_url(case), bond_form(mother, obligor="", amount="1,500"))
    assert response.status_code == 400
    body = response.content.decode()
    assert "A bond needs this." in body
    assert 'value="1,500"' in body and 'value="BR-2026-01"' in body
    assert f'value="{mother.public_id}" selected' in body
    assert not Disbursement.objects.exists()


def test_a_bond_needs_a_parent_in_ice_detention(client, alice, case, mother, child):
    signed_in(client, alice)
    response = client.post(request_url(case), bond_form(mother))  # no custody recorded
    assert response.status_code == 400
    assert "in ICE detention now" in response.content.decode()
    response = client.post(request_url(case), bond_form(child))  # a child is no obligee
    assert response.status_code == 400
    assert not Disbursement.objects.exists()


def test_restricted_money_keeps_its_purpose(client, alice, case):
    signed_in(client, alice)
    form = {"kind": DisbursementKind.TRAVEL, "amount": "300", "fund": Fund.BOND, "details": "bus"}
    response = client.post(request_url(case), form)
    assert response.status_code == 400
    assert "cannot pay for this" in response.content.decode()
    client.post(request_url(case), {**form, "fund": Fund.TRAVEL})
    assert Disbursement.objects.get().kind == DisbursementKind.TRAVEL


def test_no_request_on_an_ended_case_nor_from_another_organisation(
    client, alice, charlie, case, mother, detained
):
    signed_in(client, charlie)
    assert client.post(request_url(case), bond_form(mother)).status_code == 404
    services.case_transition(
        actor=member(alice), case=case, to=Stage.CLOSED, outcome=Outcome.OTHER, reason="x", now=NOW
    )
    signed_in(client, alice)
    response = client.post(request_url(case), bond_form(mother))
    assert response.status_code == 400 and "reopen it first" in response.content.decode()
    assert not Disbursement.objects.exists()


def test_an_auditor_and_a_finance_officer_cannot_request(client, dana, fiona, case, mother):
    for user in (dana, fiona):
        signed_in(client, user)
        assert client.post(request_url(case), bond_form(mother)).status_code == 403


def test_the_case_page_shows_the_balance_after_payment_and_refund(
    client, alice, fiona, felix, case, mother, detained
):
    officer = member(fiona)
    donor = funds.donor_create(actor=officer, kind=DonorKind.INDIVIDUAL, name="Rosa Donante")
    gift = funds.gift_record(
        actor=officer, donor=donor, amount_cents=500_000, fund=Fund.BOND, received_on=NOW.date()
    )
    funds.gift_accept(actor=officer, gift=gift, now=NOW)
    bond = services.case_disbursement_request(
        actor=member(alice),
        case=case,
        kind=DisbursementKind.BOND,
        amount_cents=150_000,
        fund=Fund.BOND,
        parent=mother,
        facility="Test Processing Center",
        obligor="Marta Obligada",
    )
    funds.disbursement_approve(actor=member(felix), disbursement=bond, now=NOW)
    funds.disbursement_pay(actor=officer, disbursement=bond, paid_on=NOW.date(), now=NOW)
    signed_in(client, alice)
    page = client.get(detail(case)).content.decode()
    assert "Paid out</dt><dd>$1,500.00" in page
    assert "Bonds posted, not yet returned</dt><dd>$1,500.00" in page
    funds.disbursement_refund(actor=officer, disbursement=bond, refunded_on=NOW.date(), now=NOW)
    page = client.get(detail(case)).content.decode()
    assert "Bonds returned to the funds</dt><dd>$1,500.00" in page
    assert 'id="net-cost">$0.00' in page
    signed_in(client, fiona)  # finance officers read the case's money too
    assert 'id="net-cost">$0.00' in client.get(detail(case)).content.decode()


# --- Opening a case by hand ---------------------------------------------------------


NEW = reverse("cases:new")


def test_the_list_links_to_opening_a_case_by_hand(client, alice, dana):
    signed_in(client, alice)
    assert NEW in client.get(reverse("cases:list")).content.decode()
    signed_in(client, dana)
    assert client.get(NEW).status_code == 403


def test_a_case_opened_by_hand_with_its_staff(client, alice, bob, child, mother):
    signed_in(client, alice)
    page = client.get(NEW)
    body = page.content.decode()
    assert page.status_code == 200
    assert str(child.public_id) in body and str(mother.public_id) in body
    assert child.given_names in body
    response = client.post(
        NEW,
        {
            "action": "open",
            "children": [str(child.public_id)],
            "adults": [str(mother.public_id)],
            "attorney": str(alice.public_id),
            "assistant": str(bob.public_id),
        },
    )
    case = ReunificationCase.objects.get()
    assert response["Location"] == detail(case)
    assert (case.attorney, case.assistant, case.match) == (alice, bob, None)
    roles = {m.person_id: m.role for m in case.members.all()}
    assert roles == {child.pk: MemberRole.CHILD, mother.pk: MemberRole.ADULT}
    assert AuditEvent.objects.filter(event_type=EventType.CASE_OPENED).exists()
    # Both are now in an open case: the page says so, and the service refuses a second.
    assert "already in an open case" in client.get(NEW).content.decode()
    again = client.post(
        NEW,
        {"action": "open", "children": [str(child.public_id)], "adults": [str(mother.public_id)]},
    )
    assert again.status_code == 400
    assert "already in an open case" in again.content.decode()


def test_an_incomplete_family_keeps_what_was_ticked(client, alice, bob, child, mother):
    signed_in(client, alice)
    response = client.post(
        NEW, {"action": "open", "children": [str(child.public_id)], "assistant": str(bob.public_id)}
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "Choose at least one adult." in body
    assert f'value="{child.public_id}" id="id_children_0" checked' in body
    assert f'value="{bob.public_id}" selected' in body
    assert not ReunificationCase.objects.exists()


def test_a_search_keeps_the_ticks_and_finds_only_visible_people(
    client, alice, charlie, child, mother
):
    stranger = PersonFactory(
        organization=member(charlie).organization, family_role=FamilyRole.CHILD
    )
    signed_in(client, alice)
    response = client.post(
        NEW, {"action": "search", "q": mother.paternal_surname, "children": [str(child.public_id)]}
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert str(child.public_id) in body  # ticked before the search: still offered, ticked
    assert str(mother.public_id) in body
    assert str(stranger.public_id) not in body
    # Another organisation's client posted by id is not offered, and cannot be opened.
    response = client.post(
        NEW,
        {
            "action": "open",
            "children": [str(stranger.public_id)],
            "adults": [str(mother.public_id)],
        },
    )
    assert response.status_code == 400
    assert not ReunificationCase.objects.exists()
    assert AuditEvent.objects.filter(event_type=EventType.PEOPLE_LISTED).exists()


def test_opening_by_hand_records_the_opening_date_as_now(client, alice, child, mother):
    signed_in(client, alice)
    client.post(
        NEW,
        {"action": "open", "children": [str(child.public_id)], "adults": [str(mother.public_id)]},
    )
    case = ReunificationCase.objects.get()
    assert abs(case.opened_at - datetime.datetime.now(datetime.UTC)) < datetime.timedelta(minutes=5)
    assert case.attorney == alice  # an attorney opening a case takes it by default
