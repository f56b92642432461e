"""A mother's description in org A finds the boy org B registered; both attorneys confirm
in their browsers; only then does each side see the other's client."""

import time

import pytest
from django.urls import reverse
from django.utils import timezone
from selenium.webdriver.support.ui import Select

from reunite.browser_tests.conftest import fill, go, heading, sign_in, submit, text_of, wait_for
from reunite.people.choices import (
    ConsentMethod,
    ConsentScope,
    CustodyKind,
    FamilyRole,
    Relationship,
)
from reunite.people.services import ConsentInput, CustodyInput, PersonInput, intake
from reunite.tracing.models import CandidateStatus, MatchCandidate

pytestmark = pytest.mark.browser


def sign_out(browser):
    submit(browser, "header form[action$='/logout/'] button")


def open_match_of(browser, our_name: str):
    """Open the candidate whose row shows our record named `our_name`."""
    go(browser, reverse("tracing:matches"))
    wait_for(browser, "table tbody tr")
    rows = browser.find_elements("css selector", "table tbody tr")
    row = next((r for r in rows if our_name in r.text), None)
    assert row is not None, [r.text for r in rows]
    row.find_element("css selector", "a").click()
    wait_for(browser, "main h1")


def confirm_match_of(browser, our_name: str):
    open_match_of(browser, our_name)
    wait_for(browser, "input[name='decision'][value='confirm']").click()
    submit(browser, "form[action$='/review/'] button[type=submit]")
    assert "Your decision is recorded." in text_of(browser, ".messages")


def test_both_counsel_confirm_and_the_details_open(browser, alice, charlie, password):
    now = timezone.now()
    consents = [
        ConsentInput(scope=scope, method=ConsentMethod.IN_PERSON, language="es")
        for scope in (ConsentScope.TRACING, ConsentScope.SHARING)
    ]
    intake(  # org B's boy, as ORR spelled his name, naming his mother by her nickname
        actor=charlie.memberships.get(),
        client=PersonInput(
            family_role=FamilyRole.CHILD,
            given_names="Bairon Alexis",
            paternal_surname="Cux",
            maternal_surname="Velasques",
            sex="M",
            birth_date="2012-09-14",
            country_of_birth="Guatemala",
        ),
        relatives=[
            (
                PersonInput(
                    family_role=FamilyRole.PARENT,
                    given_names="Chayo",
                    paternal_surname="Velásquez",
                    sex="F",
                ),
                Relationship.MOTHER,
            )
        ],
        custody=CustodyInput(kind=CustodyKind.ORR, facility="Test Shelter", state="IL"),
        consents=consents,
        today=now.date(),
        now=now,
    )

    # Org A's attorney takes in the mother, who describes her son.
    sign_in(browser, email=alice.email, password=password, totp_secret=alice.totp_secret)
    go(browser, reverse("people:new_parent"))
    fill(browser, "#id_person-given_names", "Rosario")
    fill(browser, "#id_person-paternal_surname", "Velásquez")
    fill(browser, "#id_person-maternal_surname", "Ajú")
    Select(wait_for(browser, "#id_person-sex")).select_by_value("F")
    fill(browser, "#id_person-country_of_birth", "Guatemala")
    wait_for(browser, "#id_consent-tracing").click()
    wait_for(browser, "#id_consent-sharing").click()
    Select(wait_for(browser, "#id_consent-method")).select_by_value("in_person")
    Select(wait_for(browser, "#id_consent-language")).select_by_value("es")
    fill(browser, "#id_relatives-0-given_names", "Byron Alexis")
    fill(browser, "#id_relatives-0-paternal_surname", "Cux")
    fill(browser, "#id_relatives-0-maternal_surname", "Velásquez")
    Select(wait_for(browser, "#id_relatives-0-relationship")).select_by_value("mother")
    fill(browser, "#id_relatives-0-birth_date", "2012-09-14")
    submit(browser, "#register")
    assert heading(browser) == "Rosario Velásquez Ajú"

    # Two candidates: her son for her description, and she for the mother org B's boy
    # named. Org B's side shows only a summary and its counsel.
    go(browser, reverse("tracing:matches"))
    listing = text_of(browser, "table tbody")
    assert "A client of" in listing and "Bairon" not in listing
    assert MatchCandidate.objects.count() == 2
    open_match_of(browser, "Byron Alexis")
    page = text_of(browser, "main")
    assert "Charlie Counsel" in page and "Bairon" not in page
    confirm_match_of(browser, "Byron Alexis")
    son = MatchCandidate.objects.get(
        subject__organization__in=alice.memberships.values("organization")
    )
    assert son.status == CandidateStatus.POTENTIAL
    sign_out(browser)

    # Org B's attorney confirms too: now each side sees the other's client.
    sign_in(browser, email=charlie.email, password=password, totp_secret=charlie.totp_secret)
    confirm_match_of(browser, "Bairon Alexis")
    son.refresh_from_db()
    assert son.status == CandidateStatus.CONFIRMED
    assert "Rosario Velásquez Ajú" in text_of(browser, "main")  # who is looking for him
    sign_out(browser)

    # Her first code is spent: the next one (within the allowed clock drift) signs her in.
    sign_in(
        browser,
        email=alice.email,
        password=password,
        totp_secret=alice.totp_secret,
        totp_at=time.time() + 30,
    )
    open_match_of(browser, "Byron Alexis")
    assert "Bairon Alexis" in text_of(browser, "main")
    go(browser, reverse("people:detail", kwargs={"public_id": son.candidate.public_id}))
    assert heading(browser) == "Bairon Alexis Cux Velasques"  # his record, shared read-only
