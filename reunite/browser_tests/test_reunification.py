"""From a confirmed match to "reunified": the attorney opens the case, walks it through
its stages and asks for the mother's bond; two finance officers approve it (it is above
the second-approval amount), one pays it, and once the family is reunified the bond
comes back to the fund. The case's and the fund's balances are right at the end."""

import time

import pytest
from django.urls import reverse
from django.utils import timezone
from selenium.webdriver.support.ui import Select

from conftest import _member
from reunite.accounts.roles import Role
from reunite.browser_tests.conftest import (
    fill,
    go,
    heading,
    path_of,
    sign_in,
    submit,
    text_of,
    wait_for,
    wait_for_path,
)
from reunite.cases.models import ReunificationCase
from reunite.funds import services as funds
from reunite.funds.models import DisbursementStatus, DonorKind, Fund
from reunite.people.choices import (
    ConsentMethod,
    ConsentScope,
    CustodyKind,
    FamilyRole,
    Relationship,
)
from reunite.people.services import ConsentInput, CustodyInput, PersonInput, intake
from reunite.tracing import services as tracing
from reunite.tracing.models import CandidateStatus, Decision, MatchCandidate

pytestmark = pytest.mark.browser

CONSENTS = [
    ConsentInput(scope=scope, method=ConsentMethod.IN_PERSON, language="es")
    for scope in (ConsentScope.TRACING, ConsentScope.SHARING)
]


def sign_out(browser):
    submit(browser, "header form[action$='/logout/'] button")


def choose(browser, css: str, value: str) -> None:
    Select(wait_for(browser, css)).select_by_value(value)


def set_date(browser, css: str, value: str) -> None:
    """Date inputs take keys in the browser's locale order; set the ISO value directly."""
    browser.execute_script("arguments[0].value = arguments[1]", wait_for(browser, css), value)


def open_forms(browser) -> None:
    """The case page keeps its forms folded in <details>: unfold them all."""
    browser.execute_script("document.querySelectorAll('details').forEach(d => d.open = true)")


def step_up(browser, password: str) -> None:
    """Money moves only after the password is given again (then the action goes on)."""
    wait_for_path(browser, reverse("account_reauthenticate"))
    fill(browser, "#id_password", password)
    submit(browser)


def move_to(browser, stage: str) -> None:
    choose(browser, "form[action$='/transition/'] select[name=to]", stage)
    submit(browser, "form[action$='/transition/'] button[type=submit]")
    assert "The case moved on." in text_of(browser, ".messages"), text_of(browser, "main")


def confirmed_match(alice, charlie) -> MatchCandidate:
    """The mother (org A, in ICE detention) describes her son; org B registered him as
    ORR spelled him; both counsel confirm the candidate."""
    now = timezone.now()
    intake(
        actor=alice.memberships.get(),
        client=PersonInput(
            family_role=FamilyRole.PARENT,
            given_names="María Guadalupe",
            paternal_surname="Tzul",
            maternal_surname="Cac",
            sex="F",
            birth_date="1989-02-11",
            country_of_birth="Guatemala",
        ),
        relatives=[
            (
                PersonInput(
                    family_role=FamilyRole.CHILD,
                    given_names="José Luis",
                    paternal_surname="Pérez",
                    maternal_surname="Tzul",
                    sex="M",
                    birth_date="2012-07-04",
                    country_of_birth="Guatemala",
                ),
                Relationship.MOTHER,
            )
        ],
        custody=CustodyInput(kind=CustodyKind.ICE, facility="Test Processing Center"),
        consents=CONSENTS,
        today=now.date(),
        now=now,
    )
    boy = intake(
        actor=charlie.memberships.get(),
        client=PersonInput(
            family_role=FamilyRole.CHILD,
            given_names="Jose Luiz",
            paternal_surname="Peres",
            maternal_surname="Tsul",
            sex="M",
            birth_date="2012-04-07",
            country_of_birth="GT",
        ),
        relatives=[
            (
                PersonInput(family_role=FamilyRole.PARENT, given_names="Lupe", paternal_surname="Tzul", sex="F"),
                Relationship.MOTHER,
            )
        ],
        custody=CustodyInput(kind=CustodyKind.ORR, facility="Test Shelter", state="IL"),
        consents=CONSENTS,
        today=now.date(),
        now=now,
    )  # fmt: skip
    match = MatchCandidate.objects.get(candidate=boy)
    for user in (alice, charlie):
        tracing.candidate_review(
            actor=user.memberships.get(),
            match=match,
            decision=Decision.CONFIRM,
            reason="",
            now=timezone.now(),
        )
    match.refresh_from_db()
    assert match.status == CandidateStatus.CONFIRMED
    return match


def test_from_a_confirmed_match_to_reunified_with_a_bond_paid_and_refunded(
    browser, settings, alice, charlie, password
):
    settings.SECOND_APPROVAL_CENTS = 500_000  # $5,000: the $6,000 bond needs two approvers
    fiona = _member(alice.memberships.get().organization, "Fiona Finance", "fiona@a.example.org", Role.FINANCE_OFFICER)  # fmt: skip
    felix = _member(alice.memberships.get().organization, "Felix Finance", "felix@a.example.org", Role.FINANCE_OFFICER)  # fmt: skip
    officer = fiona.memberships.get()
    donor = funds.donor_create(actor=officer, kind=DonorKind.INDIVIDUAL, name="Rosa Donante")
    gift = funds.gift_record(
        actor=officer, donor=donor, amount_cents=2_000_000, fund=Fund.BOND, received_on=timezone.localdate()
    )  # fmt: skip
    funds.gift_accept(actor=officer, gift=gift, now=timezone.now())
    match = confirmed_match(alice, charlie)

    # The attorney opens the case from the confirmed match.
    sign_in(browser, email=alice.email, password=password, totp_secret=alice.totp_secret)
    go(browser, reverse("tracing:match", kwargs={"public_id": match.public_id}))
    submit(browser, f"form[action$='/cases/from-match/{match.public_id}/'] button")
    case = ReunificationCase.objects.get(match=match)
    case_path = reverse("cases:detail", kwargs={"public_id": case.public_id})
    wait_for_path(browser, case_path)
    assert heading(browser) == f"Case {case.reference}"
    family = text_of(browser, "main")
    assert "María Guadalupe Tzul Cac" in family and "Jose Luiz Peres Tsul" in family

    # Located, in contact, then parentage verified (a birth certificate).
    move_to(browser, "located")
    move_to(browser, "contact_established")
    move_to(browser, "parentage_verification")
    open_forms(browser)
    choose(browser, "form[action$='/checks/'] select[name=kind]", "birth_certificate")
    choose(browser, "form[action$='/checks/'] select[name=result]", "consistent")
    set_date(
        browser,
        "form[action$='/checks/'] input[name=verified_on]",
        timezone.localdate().isoformat(),
    )
    submit(browser, "form[action$='/checks/'] button[type=submit]")
    assert "Recorded." in text_of(browser, ".messages")
    move_to(browser, "eligibility_review")
    move_to(browser, "parent_decision")

    # The mother decides to reunify in the US (through an interpreter, counsel present).
    mother = case.members.get(role="adult").person
    open_forms(browser)
    form = "form[action$='/decisions/']"
    choose(browser, f"{form} select[name=person]", str(mother.public_id))
    choose(browser, f"{form} select[name=choice]", "reunify_us")
    fill(browser, f"{form} input[name=language]", "es")
    wait_for(browser, f"{form} input[name=interpreter_used]").click()
    wait_for(browser, f"{form} input[name=counsel_present]").click()
    choose(browser, f"{form} select[name=form]", "written")
    set_date(browser, f"{form} input[name=decided_on]", timezone.localdate().isoformat())
    submit(browser, f"{form} button[type=submit]")
    assert "Recorded." in text_of(browser, ".messages")
    move_to(browser, "logistics")

    # Her bond: $6,000 from the bond fund, at the facility where ICE holds her.
    open_forms(browser)
    form = "#request-money"
    choose(browser, f"{form} select[name=kind]", "bond")
    fill(browser, f"{form} input[name=amount]", "6,000.00")
    choose(browser, f"{form} select[name=fund]", "bond")
    choose(browser, f"{form} select[name=person]", str(mother.public_id))
    fill(browser, f"{form} input[name=facility]", "Test Processing Center")
    fill(browser, f"{form} input[name=obligor]", "Ana Obligada")
    fill(browser, f"{form} input[name=receipt_number]", "I305-TEST-0001")
    submit(browser, f"{form} button[type=submit]")
    assert "waits for a finance officer" in text_of(browser, ".messages")
    assert "Requested, not paid yet\n$6,000.00" in text_of(browser, "#case-balance")
    bond = case_disbursement(case)
    assert bond.status == DisbursementStatus.REQUESTED and bond.approvals_required == 2
    sign_out(browser)

    # The first finance officer approves; a second approval is still needed.
    sign_in(browser, email=fiona.email, password=password, totp_secret=fiona.totp_secret)
    go(browser, reverse("funds:disbursements"))
    wait_for(browser, "table.queue tbody a").click()
    wait_for_path(browser, reverse("funds:disbursement", kwargs={"public_id": bond.public_id}))
    assert "I305-TEST-0001" in text_of(browser, "main")
    submit(browser, "#approve button")
    step_up(browser, password)
    assert "a second finance officer must approve" in text_of(browser, ".messages")
    assert case_disbursement(case).status == DisbursementStatus.REQUESTED
    sign_out(browser)

    # The second approves, then pays it.
    bond_path = reverse("funds:disbursement", kwargs={"public_id": bond.public_id})
    sign_in(browser, email=felix.email, password=password, totp_secret=felix.totp_secret)
    go(browser, bond_path)
    submit(browser, "#approve button")
    step_up(browser, password)
    assert "Approved: it can be paid." in text_of(browser, ".messages")
    fill(browser, "#pay input[name=pay-memo]", "wire 2026-001")
    submit(browser, "#pay button")
    assert "Paid from the fund." in text_of(browser, ".messages")
    assert case_disbursement(case).status == DisbursementStatus.PAID
    sign_out(browser)

    # Released on bond, the mother is reunified with her son.
    sign_in(
        browser,
        email=alice.email,
        password=password,
        totp_secret=alice.totp_secret,
        totp_at=time.time() + 30,  # the first code of the session before is spent
    )
    go(browser, case_path)
    assert "Bonds posted, not yet returned\n$6,000.00" in text_of(browser, "#case-balance")
    move_to(browser, "reunified")
    assert "Reunified" in text_of(browser, "dl.facts")
    sign_out(browser)

    # The case is over: the bond is cancelled and comes back to the fund.
    sign_in(
        browser,
        email=felix.email,
        password=password,
        totp_secret=felix.totp_secret,
        totp_at=time.time() + 30,  # the first code of the session before is spent
    )
    go(browser, bond_path)
    submit(browser, "#refund button")
    step_up(browser, password)
    assert "refunded to its fund" in text_of(browser, ".messages")
    assert case_disbursement(case).status == DisbursementStatus.REFUNDED

    go(browser, reverse("funds:overview"))
    assert "The books reconcile" in text_of(browser, "#reconciliation")
    bond_fund = text_of(browser, "#fund-bond")
    assert bond_fund.endswith("$0.00 $0.00 $20,000.00"), bond_fund  # none out, none lost, all back
    go(browser, case_path)
    balance = text_of(browser, "#case-balance")
    assert "Paid out\n$6,000.00" in balance
    assert "Bonds returned to the funds\n$6,000.00" in balance
    assert "Bonds posted, not yet returned\n$0.00" in balance
    assert text_of(browser, "#net-cost") == "$0.00"
    assert path_of(browser) == case_path


def case_disbursement(case):
    from reunite.funds.models import Disbursement

    return Disbursement.objects.get(case_id=case.public_id)
