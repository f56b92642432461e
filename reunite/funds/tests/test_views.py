"""The funds pages: who reaches them, what they show, and every action through its
service (a refused gift never reaches a fund; nobody approves their own request; above
the threshold a second officer approves)."""

import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from conftest import signed_in
from reunite.audit.events import EventType
from reunite.audit.models import AuditEvent
from reunite.funds import selectors, services
from reunite.funds.models import (
    Disbursement,
    DisbursementKind,
    DisbursementStatus,
    DonorKind,
    ExclusionEntry,
    Fund,
    Gift,
    GiftStatus,
    Transaction,
    TransactionKind,
)
from reunite.funds.tests.conftest import NOW, TODAY, give, member
from reunite.funds.tests.test_gifts import AWARDS

pytestmark = pytest.mark.django_db


def url(name, obj=None):
    return reverse(f"funds:{name}", kwargs={"public_id": obj.public_id} if obj else None)


def bond(requester, case_id, amount_cents=150_000):
    return services.disbursement_request(
        actor=member(requester),
        case_id=case_id,
        kind=DisbursementKind.BOND,
        amount_cents=amount_cents,
        fund=Fund.BOND,
        person_id=uuid.uuid4(),
        facility="Test Processing Center",
        obligor="Marta Obligada",
        receipt_number="BR-0001",
    )


# --- Access by role -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "pages"),
    [
        ("fiona", {"overview": 200, "ledger": 200, "donors": 200, "exclusions": 200}),
        ("dana", {"overview": 200, "ledger": 200, "donors": 403, "exclusions": 403}),
        ("ada", {"overview": 200, "ledger": 200, "donors": 403, "exclusions": 403}),
        ("alice", {"overview": 403, "ledger": 403, "donors": 403, "exclusions": 403}),
        ("bob", {"overview": 403, "ledger": 403, "donors": 403, "exclusions": 403}),
    ],
)
def test_pages_by_role(client, request, who, pages, fiona, funded):
    signed_in(client, request.getfixturevalue(who))
    for name, status in pages.items():
        assert client.get(url(name)).status_code == status, name
    # The queue: finance, audit, and the case staff who request money.
    assert client.get(url("disbursements")).status_code == 200


def test_another_organisation_gets_404_for_every_record(client, alice, fiona, frank, funded):
    disbursement = bond(alice, uuid.uuid4())
    gift = Gift.objects.filter(organization=member(fiona).organization).first()
    signed_in(client, frank, reauthenticated=True)
    for name, obj in [
        ("disbursement", disbursement),
        ("gift", gift),
        ("gift_letter", gift),
        ("transaction", gift.transaction),
    ]:
        assert client.get(url(name, obj)).status_code == 404, name
    for name in ("disbursement_approve", "disbursement_pay", "disbursement_refund"):
        assert client.post(url(name, disbursement), {}).status_code == 404, name
    assert client.post(url("gift_accept", gift), {}).status_code == 404
    assert client.post(url("transaction_reverse", gift.transaction), {}).status_code == 404


def test_an_attorney_reads_a_request_but_cannot_approve_it(client, alice, bob, fiona):
    disbursement = bond(bob, uuid.uuid4())
    signed_in(client, alice, reauthenticated=True)
    page = client.get(url("disbursement", disbursement))
    assert page.status_code == 200
    assert url("disbursement_approve", disbursement) not in page.content.decode()
    assert client.post(url("disbursement_approve", disbursement)).status_code == 404
    disbursement.refresh_from_db()
    assert disbursement.status == DisbursementStatus.REQUESTED


# --- Overview and ledger -----------------------------------------------------------------


def test_the_overview_shows_balances_and_reconciliation(client, alice, fiona, felix, funded):
    paid = bond(alice, uuid.uuid4(), amount_cents=150_000)
    services.disbursement_approve(actor=member(felix), disbursement=paid, now=NOW)
    services.disbursement_pay(actor=member(fiona), disbursement=paid, paid_on=TODAY, now=NOW)
    signed_in(client, fiona)
    body = client.get(url("overview")).content.decode()
    assert "The books reconcile" in body
    assert "$20,000.00" in body  # received into the bond fund
    assert "$18,500.00" in body  # the bond fund's cash after a $1,500 bond
    assert "$1,500.00" in body  # the bond outstanding


def test_the_ledger_pages_and_shows_entries_in_fixed_queries(client, fiona, funded):
    signed_in(client, fiona)
    client.get(url("ledger"))
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as before:
        client.get(url("ledger"))
    for n in range(3):
        give(fiona, amount_cents=1_000 + n, fund=Fund.GENERAL, name=f"Donor {n}")
    with CaptureQueriesContext(connection) as after:
        response = client.get(url("ledger"))
    assert len(after) == len(before)
    body = response.content.decode()
    assert "Cash — general fund" in body and "$10.02" in body
    assert AuditEvent.objects.filter(event_type=EventType.FUNDS_VIEWED).exists()


def test_a_gift_is_reversed_from_its_transaction_page(client, fiona, funded):
    gift = give(fiona, amount_cents=5_000, fund=Fund.GENERAL, name="Bounced Cheque")
    signed_in(client, fiona, reauthenticated=True)
    page = url("transaction", gift.transaction)
    assert url("transaction_reverse", gift.transaction) in client.get(page).content.decode()
    response = client.post(url("transaction_reverse", gift.transaction), {"memo": ""})
    assert response.status_code == 400  # a reversal says why, and keeps the date typed
    response = client.post(
        url("transaction_reverse", gift.transaction),
        {"memo": "the cheque bounced", "occurred_on": TODAY.isoformat()},
    )
    reversal = Transaction.objects.get(kind=TransactionKind.REVERSAL)
    assert response["Location"] == url("transaction", reversal)
    again = client.post(
        url("transaction_reverse", gift.transaction),
        {"memo": "twice", "occurred_on": TODAY.isoformat()},
    )
    assert again.status_code == 400
    assert "already been reversed" in again.content.decode()
    assert selectors.ledger_reconcile(actor=member(fiona)).ok


def test_reversing_asks_for_the_password_again(client, fiona, funded):
    gift = Gift.objects.filter(status=GiftStatus.ACCEPTED).first()
    signed_in(client, fiona)  # not recently re-authenticated
    response = client.post(
        url("transaction_reverse", gift.transaction),
        {"memo": "x", "occurred_on": TODAY.isoformat()},
    )
    assert response.status_code == 302
    assert "reauthenticate" in response["Location"]
    assert not Transaction.objects.filter(kind=TransactionKind.REVERSAL).exists()


# --- Donors and gifts -------------------------------------------------------------------


def test_a_gift_recorded_screened_and_accepted(client, fiona):
    signed_in(client, fiona)
    response = client.post(url("donor_add"), {"kind": DonorKind.INDIVIDUAL, "name": ""})
    assert response.status_code == 400
    response = client.post(
        url("donor_add"), {"kind": DonorKind.INDIVIDUAL, "name": "Rosa Donante", "contact": ""}
    )
    donor = selectors.donor_list(actor=member(fiona)).get()
    assert response["Location"].endswith(f"?donor={donor.public_id}")
    form = {"donor": str(donor.public_id), "amount": "1,250.50", "fund": Fund.TRAVEL}
    response = client.post(url("gift_new"), form)  # no date: the rest stays as typed
    assert response.status_code == 400
    body = response.content.decode()
    assert 'value="1,250.50"' in body and f'value="{donor.public_id}" selected' in body
    response = client.post(url("gift_new"), {**form, "received_on": TODAY.isoformat()})
    gift = Gift.objects.get()
    assert gift.amount_cents == 125_050 and gift.fund == Fund.TRAVEL
    assert response["Location"] == url("gift", gift)
    page = client.get(url("gift", gift)).content.decode()
    assert "Clear: the donor is not on the organisation" in page
    client.post(url("gift_accept", gift), {"accept-reason": "screened"})
    gift.refresh_from_db()
    assert gift.status == GiftStatus.ACCEPTED
    assert selectors.fund_balances(actor=member(fiona))[Fund.TRAVEL].cash == 125_050


def test_a_refused_gift_never_reaches_a_fund_and_has_a_letter(client, fiona):
    actor = member(fiona)
    services.exclusion_add(actor=actor, name="The GEO Group, Inc.", agency="ICE")
    donor = services.donor_create(
        actor=actor, kind=DonorKind.ORGANIZATION, name="GEO Group Foundation"
    )
    gift = services.gift_record(
        actor=actor, donor=donor, amount_cents=1_000_000, fund=Fund.BOND, received_on=TODAY
    )
    signed_in(client, fiona)
    page = client.get(url("gift", gift)).content.decode()
    assert "The GEO Group, Inc." in page  # the matching exclusion entry is shown
    assert url("gift_accept", gift) not in page  # no accept button for an excluded donor
    response = client.post(url("gift_accept", gift), {})  # and the service refuses it anyway
    assert response.status_code == 409
    assert "must be refused" in response.content.decode()
    response = client.post(url("gift_refuse", gift), {"refuse-reason": "ICE contractor"})
    assert response["Location"] == url("gift_letter", gift)
    gift.refresh_from_db()
    assert gift.status == GiftStatus.REFUSED and gift.transaction is None
    assert not Transaction.objects.exists()
    assert selectors.fund_balances(actor=actor) == {}
    letter = client.get(url("gift_letter", gift)).content.decode()
    assert "Dear GEO Group Foundation," in letter
    assert "companies that hold contracts" in letter
    assert "not been deposited to any of our funds" in letter
    assert "funds/print.js" in letter  # the Print button's script ships with the app
    download = client.get(url("gift_letter_download", gift))
    assert download["Content-Type"].startswith("text/plain")
    assert download["Content-Disposition"].startswith("attachment;")
    assert "Dear GEO Group Foundation," in download.content.decode()
    assert (
        AuditEvent.objects.filter(
            event_type=EventType.GIFT_LETTER_VIEWED, target_id=str(gift.public_id)
        ).count()
        == 2
    )
    # The gift page after the decision still shows the evidence.
    assert "The GEO Group, Inc." in client.get(url("gift", gift)).content.decode()


def test_an_accepted_gift_has_no_refusal_letter(client, fiona):
    gift = give(fiona, amount_cents=100, fund=Fund.GENERAL)
    signed_in(client, fiona)
    assert client.get(url("gift_letter", gift))["Location"] == url("gift", gift)


# --- The exclusion list ---------------------------------------------------------------


def test_exclusions_by_hand_keep_what_was_typed_on_a_duplicate(client, fiona):
    signed_in(client, fiona)
    response = client.post(url("exclusion_add"), {"name": "CoreCivic, Inc.", "agency": "ICE"})
    assert response["Location"] == url("exclusions")
    response = client.post(url("exclusion_add"), {"name": "CORECIVIC INC", "agency": "USMS"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "already on the exclusion list" in body and 'value="USMS"' in body
    assert ExclusionEntry.objects.count() == 1


def test_the_contract_awards_import_lists_rejected_lines(client, fiona):
    signed_in(client, fiona)
    upload = SimpleUploadedFile("awards.csv", AWARDS.encode(), content_type="text/csv")
    response = client.post(url("exclusions_import"), {"file": upload})
    assert response.status_code == 200
    body = response.content.decode()
    names = set(ExclusionEntry.objects.values_list("normalized", flat=True))
    assert {"geo group", "corecivic of tennessee", "southwest key programs"} <= names
    assert "recipient_name is empty" in body and "<td>6</td>" in body
    assert "awarding_agency_name is empty" in body
    assert "rows rejected" in body
    bad = SimpleUploadedFile("awards.csv", b"name,agency\nX,Y\n", content_type="text/csv")
    response = client.post(url("exclusions_import"), {"file": bad})
    assert response.status_code == 400
    assert "missing column" in response.content.decode()


# --- Disbursements ----------------------------------------------------------------------


def test_the_queue_shows_what_waits(client, alice, fiona, funded):
    waiting = bond(alice, uuid.uuid4())
    signed_in(client, fiona)
    body = client.get(url("disbursements")).content.decode()
    assert url("disbursement", waiting) in body
    assert reverse("cases:detail", kwargs={"public_id": waiting.case_id}) in body
    paid_only = client.get(url("disbursements") + "?status=paid").content.decode()
    assert url("disbursement", waiting) not in paid_only


def test_nobody_approves_their_own_request_through_the_page(client, fiona, felix, funded):
    own = bond(fiona, uuid.uuid4())  # a finance officer asked for it herself
    signed_in(client, fiona, reauthenticated=True)
    page = client.get(url("disbursement", own)).content.decode()
    assert url("disbursement_approve", own) not in page
    assert "another finance officer must approve it" in page
    response = client.post(url("disbursement_approve", own))
    assert response.status_code == 403
    assert "Nobody approves their own request." in response.content.decode()
    own.refresh_from_db()
    assert own.status == DisbursementStatus.REQUESTED and not own.approvals.exists()


def test_above_the_threshold_a_second_officer_approves(
    client, settings, alice, fiona, felix, funded
):
    settings.SECOND_APPROVAL_CENTS = 100_000
    big = bond(alice, uuid.uuid4(), amount_cents=250_000)
    assert big.approvals_required == 2
    signed_in(client, fiona, reauthenticated=True)
    response = client.post(url("disbursement_approve", big))
    assert response.status_code == 302
    big.refresh_from_db()
    assert big.status == DisbursementStatus.REQUESTED
    again = client.post(url("disbursement_approve", big))  # she cannot count twice
    assert again.status_code == 409
    assert client.get(url("disbursement", big)).content.decode().count("Fiona Finance") >= 1
    # Not yet approved: nothing to pay.
    assert client.post(url("disbursement_pay", big), {"pay-paid_on": TODAY}).status_code == 400
    signed_in(client, felix, reauthenticated=True)
    client.post(url("disbursement_approve", big))
    big.refresh_from_db()
    assert big.status == DisbursementStatus.APPROVED


def test_pay_then_refund_a_bond_and_the_balances_follow(client, alice, fiona, felix, funded):
    case_id = uuid.uuid4()
    request = bond(alice, case_id, amount_cents=150_000)
    signed_in(client, felix, reauthenticated=True)
    client.post(url("disbursement_approve", request))
    signed_in(client, fiona, reauthenticated=True)
    response = client.post(url("disbursement_pay", request), {"pay-memo": "check 101"})
    assert response.status_code == 400  # no date: the memo stays as typed
    assert 'value="check 101"' in response.content.decode()
    client.post(
        url("disbursement_pay", request), {"pay-paid_on": TODAY.isoformat(), "pay-memo": "101"}
    )
    request.refresh_from_db()
    assert request.status == DisbursementStatus.PAID
    page = client.get(url("disbursement", request)).content.decode()
    assert "BR-0001" in page and url("disbursement_refund", request) in page
    client.post(url("disbursement_refund", request), {"refund-on": TODAY.isoformat()})
    request.refresh_from_db()
    assert request.status == DisbursementStatus.REFUNDED
    money = selectors.case_balances(actor=member(fiona), case_id=case_id)
    assert (money.paid_out, money.returned, money.bonds_outstanding) == (150_000, 150_000, 0)
    assert selectors.fund_balances(actor=member(fiona))[Fund.BOND].cash == 2_000_000
    events = set(AuditEvent.objects.values_list("event_type", flat=True))
    assert {EventType.DISBURSEMENT_PAID, EventType.BOND_REFUNDED} <= events


def test_reject_needs_a_reason_and_keeps_the_form(client, alice, fiona):
    request = bond(alice, uuid.uuid4())
    signed_in(client, fiona)
    response = client.post(url("disbursement_reject", request), {"reject-reason": ""})
    assert response.status_code == 400
    client.post(url("disbursement_reject", request), {"reject-reason": "duplicate request"})
    assert Disbursement.objects.get().status == DisbursementStatus.REJECTED


def test_the_queue_takes_the_same_queries_for_many_requests(client, alice, fiona):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    bond(alice, uuid.uuid4())
    signed_in(client, fiona)
    client.get(url("disbursements"))
    with CaptureQueriesContext(connection) as before:
        client.get(url("disbursements"))
    for _ in range(4):
        bond(alice, uuid.uuid4())
    with CaptureQueriesContext(connection) as after:
        body = client.get(url("disbursements")).content.decode()
    assert len(after) == len(before)
    assert body.count("Alice Attorney") == 5


def test_a_journal_entry_by_hand(client, fiona, funded):
    signed_in(client, fiona, reauthenticated=True)
    entry = {
        "debit_fund": Fund.GENERAL,
        "debit_account": "cash",
        "credit_fund": Fund.GENERAL,
        "credit_account": "net_assets",
        "amount": "2,500",
        "memo": "opening balance",
        "occurred_on": TODAY.isoformat(),
    }
    response = client.post(url("transaction_new"), {**entry, "memo": ""})
    assert response.status_code == 400
    assert 'value="2,500"' in response.content.decode()  # what was typed stays
    response = client.post(url("transaction_new"), entry)
    txn = Transaction.objects.get(kind=TransactionKind.ADJUSTMENT)
    assert response["Location"] == url("transaction", txn)
    assert selectors.fund_balances(actor=member(fiona))[Fund.GENERAL].cash == 300_000 + 250_000
    # Restricted bond money cannot be moved to the general fund by a journal entry.
    moved = {**entry, "debit_fund": Fund.GENERAL, "debit_account": "cash"}
    moved.update(credit_fund=Fund.BOND, credit_account="cash", memo="move")
    response = client.post(url("transaction_new"), moved)
    assert response.status_code == 400
    assert "Restricted money" in response.content.decode()
    assert selectors.ledger_reconcile(actor=member(fiona)).ok


def test_a_journal_entry_is_for_finance_officers_after_the_password(client, alice, fiona):
    signed_in(client, alice, reauthenticated=True)
    assert client.get(url("transaction_new")).status_code == 403
    signed_in(client, fiona)
    response = client.post(url("transaction_new"), {})
    assert response.status_code == 302 and "reauthenticate" in response["Location"]
