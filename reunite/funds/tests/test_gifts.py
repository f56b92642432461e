"""Gifts in: screening against the exclusion list, the decision, the refusal letter, and
a refused gift that never reaches a fund."""

import pytest

from reunite.audit.events import EventType
from reunite.audit.models import AuditEvent
from reunite.core.errors import Conflict, Forbidden, Invalid, NotFound
from reunite.funds import selectors, services
from reunite.funds.models import (
    DecisionReason,
    DonorKind,
    Entry,
    ExclusionEntry,
    Fund,
    Gift,
    GiftStatus,
    Transaction,
)
from reunite.funds.screening import is_excluded_name, normalize_name, read_contract_awards
from reunite.funds.tests.conftest import NOW, TODAY, give, member

AWARDS = """recipient_name,awarding_agency_name,awarding_sub_agency_name,award_id_piid
"The GEO Group, Inc.",Department of Homeland Security,U.S. Immigration and Customs Enforcement,70CDCR18D00000001
"CORECIVIC OF TENNESSEE, LLC",Department of Homeland Security,U.S. Immigration and Customs Enforcement,HSCEDM-15-D-00015
"Acme Office Supplies Corp.",General Services Administration,Federal Acquisition Service,GS-00F-1
"Southwest Key Programs, Inc.",Department of Health and Human Services,Office of Refugee Resettlement,90ZU0001
,Department of Homeland Security,U.S. Customs and Border Protection,X1
"Border Transport L.L.C.",,U.S. Customs and Border Protection,X2
"Bus Lines Co",Department of Homeland Security,U.S. Customs and Border Protection
"!!!",Department of Homeland Security,U.S. Customs and Border Protection,X4
"The GEO Group Inc",Department of Homeland Security,U.S. Immigration and Customs Enforcement,70CDCR18D00000002
"""


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [
        ("The GEO Group, Inc.", "geo group"),
        ("CORECIVIC OF TENNESSEE, LLC", "corecivic of tennessee"),
        ("Border Transport L.L.C.", "border transport"),
        ("Compañía Ñandú S.A. de C.V.", "compania nandu"),
        ("MVM, INC", "mvm"),
    ],
)
def test_names_are_normalised_for_matching(raw, normalized):
    assert normalize_name(raw) == normalized


@pytest.mark.parametrize(
    ("donor", "entry", "excluded"),
    [
        ("GEO Group Inc", "geo group", True),  # normalised exact
        ("The GEO Group Foundation", "geo group", True),  # the entry within the donor
        ("CoreCivic", "corecivic of tennessee", True),  # a distinctive name within the entry
        ("Rosa Geo", "geo group", False),
        ("MVM", "mvm security services", False),  # too short to stand alone
        ("Group Health Trust", "geo group", False),
    ],
)
def test_screening_matches_normalised_names_and_token_containment(donor, entry, excluded):
    assert is_excluded_name(donor, entry) is excluded


def test_the_awards_reader_keeps_the_agencies_contractors_and_reports_bad_rows_by_line():
    result = read_contract_awards(AWARDS)
    assert [r.normalized for r in result.rows] == [
        "geo group",
        "corecivic of tennessee",
        "southwest key programs",
        "geo group",
    ]
    assert result.other_agency == 1  # the GSA office supplier
    assert result.rejected == [
        (6, "recipient_name is empty"),
        (7, "awarding_agency_name is empty"),
        (8, "wrong number of columns"),
        (9, "recipient_name has no name left once normalised"),
    ]


def test_the_agencies_are_configurable():
    result = read_contract_awards(AWARDS, agencies=frozenset({"General Services Administration"}))
    assert [r.normalized for r in result.rows] == ["acme office supplies"]


def test_a_file_without_the_columns_is_refused():
    with pytest.raises(ValueError, match="recipient_name"):
        read_contract_awards("name,agency\nx,y\n")


@pytest.mark.django_db
def test_exclusion_import_adds_each_contractor_once_and_reports_bad_rows(fiona):
    result = services.exclusions_import(actor=member(fiona), data=AWARDS.encode())
    assert (result.created, result.already_listed, result.other_agency) == (3, 1, 1)
    assert [line for line, _reason in result.rejected] == [6, 7, 8, 9]
    again = services.exclusions_import(actor=member(fiona), data=AWARDS)
    assert (again.created, again.already_listed) == (0, 4)
    assert ExclusionEntry.objects.count() == 3
    event = (
        AuditEvent.objects.filter(event_type=EventType.EXCLUSIONS_IMPORTED).order_by("id").first()
    )
    assert event.data == {"created": 3, "already_listed": 1, "other_agency": 1, "rejected": 4}


@pytest.mark.django_db
def test_exclusion_import_refuses_a_file_that_is_not_an_awards_list(fiona):
    with pytest.raises(Invalid):
        services.exclusions_import(actor=member(fiona), data=b"a,b\n1,2\n")
    with pytest.raises(Invalid):
        services.exclusions_import(actor=member(fiona), data=b"\xff\xfe\x00")


@pytest.mark.django_db
def test_an_accepted_gift_posts_to_its_fund(fiona):
    gift = give(fiona, amount_cents=25_000, fund=Fund.TRAVEL)
    assert gift.status == GiftStatus.ACCEPTED and gift.decided_by == member(fiona)
    assert gift.reason_code == DecisionReason.SCREENED_CLEAR
    balances = selectors.fund_balances(actor=member(fiona))
    assert balances[Fund.TRAVEL].cash == 25_000
    event = AuditEvent.objects.get(event_type=EventType.GIFT_ACCEPTED)
    assert event.data["amount_cents"] == 25_000 and event.data["fund"] == "travel"


@pytest.fixture
def excluded_gift(fiona):
    actor = member(fiona)
    services.exclusions_import(actor=actor, data=AWARDS)
    donor = services.donor_create(
        actor=actor, kind=DonorKind.ORGANIZATION, name="The GEO Group Foundation", contact="x@y"
    )
    return services.gift_record(
        actor=actor, donor=donor, amount_cents=1_000_000, fund=Fund.BOND, received_on=TODAY
    )


@pytest.mark.django_db
def test_an_excluded_donor_cannot_be_accepted(fiona, excluded_gift):
    screened = services.gift_screen(actor=member(fiona), gift=excluded_gift)
    assert [m.normalized for m in screened] == ["geo group"]
    with pytest.raises(Conflict) as refused:
        services.gift_accept(actor=member(fiona), gift=excluded_gift, now=NOW)
    assert refused.value.code == "donor_excluded"
    assert Gift.objects.get(pk=excluded_gift.pk).status == GiftStatus.PENDING
    assert not Entry.objects.exists()


@pytest.mark.django_db
def test_a_refused_gift_gets_a_letter_and_never_touches_a_fund(fiona, excluded_gift):
    refusal = services.gift_refuse(
        actor=member(fiona), gift=excluded_gift, reason="GEO contracts with ICE", now=NOW
    )
    gift = Gift.objects.get(pk=excluded_gift.pk)
    assert gift.status == GiftStatus.REFUSED and gift.reason_code == DecisionReason.EXCLUDED
    assert gift.decided_by == member(fiona) and gift.transaction is None
    assert len(gift.screening_matches) == 1
    assert "Dear The GEO Group Foundation," in refusal.letter
    assert "$10,000.00" in refusal.letter and "not been deposited" in refusal.letter
    # Nothing reached a fund: no transaction, no leg, no balance.
    assert not Transaction.objects.exists() and not Entry.objects.exists()
    assert selectors.fund_balances(actor=member(fiona)) == {}
    # The letter is not kept, and nothing stored holds the donor's name in clear.
    event = AuditEvent.objects.get(event_type=EventType.GIFT_REFUSED)
    assert event.data == {"amount_cents": 1_000_000, "reason_code": "excluded", "matches": 1}
    for event in AuditEvent.objects.all():
        assert "GEO Group Foundation" not in str(event.data)
    with pytest.raises(Conflict):
        services.gift_accept(actor=member(fiona), gift=gift, now=NOW)


@pytest.mark.django_db
def test_a_refused_gift_cannot_be_posted_even_past_the_service(fiona, excluded_gift):
    from django.db import IntegrityError, transaction

    services.gift_refuse(actor=member(fiona), gift=excluded_gift, now=NOW)
    other = give(fiona, amount_cents=100, fund=Fund.GENERAL)
    txn = other.transaction
    with pytest.raises(IntegrityError), transaction.atomic():
        Gift.objects.filter(pk=other.pk).update(transaction=None)
    with pytest.raises(IntegrityError), transaction.atomic():
        Gift.objects.filter(pk=excluded_gift.pk).update(transaction=txn)


@pytest.mark.django_db
def test_a_gift_refused_under_the_policy_has_its_own_reason(fiona):
    actor = member(fiona)
    donor = services.donor_create(actor=actor, kind=DonorKind.INDIVIDUAL, name="Anon")
    gift = services.gift_record(
        actor=actor, donor=donor, amount_cents=500, fund=Fund.GENERAL, received_on=TODAY
    )
    refusal = services.gift_refuse(actor=actor, gift=gift, now=NOW)
    assert refusal.gift.reason_code == DecisionReason.POLICY
    assert "gift acceptance policy" in refusal.letter


@pytest.mark.django_db
def test_gifts_are_for_finance_officers_of_the_organisation(alice, fiona, frank):
    with pytest.raises(Forbidden):
        services.donor_create(actor=member(alice), kind=DonorKind.INDIVIDUAL, name="X")
    donor = services.donor_create(actor=member(fiona), kind=DonorKind.INDIVIDUAL, name="X")
    with pytest.raises(NotFound):
        services.gift_record(
            actor=member(frank), donor=donor, amount_cents=1, fund=Fund.GENERAL, received_on=TODAY
        )


@pytest.mark.django_db
def test_donor_names_are_sealed_in_the_database(fiona):
    from django.db import connection

    services.donor_create(actor=member(fiona), kind=DonorKind.INDIVIDUAL, name="Rosa Donante")
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM funds_donor")
        (stored,) = cursor.fetchone()
    assert "Rosa" not in stored


@pytest.mark.django_db
def test_an_exclusion_added_by_hand_screens_donors(fiona):
    actor = member(fiona)
    services.exclusion_add(actor=actor, name="Detention Transport, Inc.")
    with pytest.raises(Conflict):
        services.exclusion_add(actor=actor, name="DETENTION TRANSPORT LLC")
    donor = services.donor_create(
        actor=actor, kind=DonorKind.ORGANIZATION, name="Detention Transport Co."
    )
    gift = services.gift_record(
        actor=actor, donor=donor, amount_cents=100, fund=Fund.GENERAL, received_on=TODAY
    )
    assert len(services.gift_screen(actor=actor, gift=gift)) == 1


@pytest.mark.django_db
def test_a_donor_wipe_keeps_the_money_and_forgets_the_name(fiona):
    gift = give(fiona, amount_cents=700, fund=Fund.GENERAL, name="Rosa Donante")
    donor = services.donor_wipe(actor=member(fiona), donor=gift.donor, now=NOW)
    assert donor.name == "—" and donor.contact == "" and donor.wiped_at == NOW
    assert selectors.fund_balances(actor=member(fiona))[Fund.GENERAL].cash == 700


def test_funds_events_name_the_user_who_acted(fiona):
    """The audit page resolves people by their user id, as every other app records them."""
    give(fiona, amount_cents=10_000)
    events = AuditEvent.objects.filter(event_type__startswith="funds.")
    actors = set(events.values_list("actor_id", flat=True))
    assert actors == {fiona.public_id}
