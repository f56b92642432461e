"""An attorney takes in a parent with two children from blank forms, recovers from a
mistake without retyping anything, and finds the family again by a misspelt surname."""

import os
import shutil

import pytest
from django.urls import reverse

from reunite.browser_tests.conftest import fill, go, heading, sign_in, submit, text_of, wait_for
from reunite.people.models import Person

pytestmark = pytest.mark.browser


def _screenshot(browser, tmp_path, name: str, *, width: int = 1280):
    """A full-page PNG at `width`; BROWSER_SCREENSHOTS=<dir> keeps a copy to look at."""
    height = browser.execute_script("return document.documentElement.scrollHeight")
    browser.set_window_size(width, max(height, 600) + 120)
    path = tmp_path / f"{name}.png"
    assert browser.save_screenshot(str(path))
    browser.set_window_size(1280, 900)
    keep = os.environ.get("BROWSER_SCREENSHOTS")
    if keep:
        os.makedirs(keep, exist_ok=True)
        shutil.copy(path, keep)
    return path


def _choose(browser, css: str, value: str) -> None:
    from selenium.webdriver.support.ui import Select

    Select(wait_for(browser, css)).select_by_value(value)


def _value(browser, css: str) -> str:
    return wait_for(browser, css).get_attribute("value")


def test_take_in_a_parent_with_two_children_and_find_them_by_a_misspelt_surname(
    browser, alice, password, tmp_path
):
    sign_in(browser, email=alice.email, password=password, totp_secret=alice.totp_secret)
    go(browser, reverse("people:new_parent"))
    assert heading(browser) == "New client: a parent"

    # The parent, with a date of birth that cannot be right.
    fill(browser, "#id_person-given_names", "Rosa Elvira")
    fill(browser, "#id_person-paternal_surname", "García")
    fill(browser, "#id_person-maternal_surname", "Hernández")
    _choose(browser, "#id_person-sex", "F")
    fill(browser, "#id_person-birth_date", "1989-13-02")
    fill(browser, "#id_person-country_of_birth", "Guatemala")
    wait_for(browser, "input[name='person-languages'][value='es']").click()
    wait_for(browser, "input[name='person-languages'][value='mam']").click()
    wait_for(browser, "#id_person-needs_interpreter").click()
    fill(browser, "#id_ids-0-value", "A-201-555-123")
    fill(browser, "#id_custody-facility", "Port Isabel Detention Center")
    wait_for(browser, "#id_consent-tracing").click()
    _choose(browser, "#id_consent-method", "in_person")
    _choose(browser, "#id_consent-language", "mam")
    fill(browser, "#id_separation-place", "El Paso sector")
    fill(browser, "#id_person-notes", "Fled threats; asylum claim pending.")

    # The first child, then a second row without JavaScript.
    fill(browser, "#id_relatives-0-given_names", "Dulce María")
    fill(browser, "#id_relatives-0-paternal_surname", "García")
    fill(browser, "#id_relatives-0-maternal_surname", "Hernández")
    _choose(browser, "#id_relatives-0-relationship", "mother")
    fill(browser, "#id_relatives-0-birth_date", "2011-04-23")
    submit(browser, "#add-relative")
    assert _value(browser, "#id_relatives-0-given_names") == "Dulce María"
    assert _value(browser, "#id_person-birth_date") == "1989-13-02"
    fill(browser, "#id_relatives-1-given_names", "Kevin Josué")
    fill(browser, "#id_relatives-1-paternal_surname", "García")
    _choose(browser, "#id_relatives-1-relationship", "mother")
    fill(browser, "#id_relatives-1-approximate_age", "5")
    _screenshot(browser, tmp_path, "intake-filled")

    # The mistake: nothing saved, the error named at the top and beside the field.
    submit(browser, "#register")
    summary = text_of(browser, ".error-summary")
    assert "Date of birth" in summary and "month must be 1-12" in summary
    assert Person.objects.count() == 0
    assert "month must be 1-12" in text_of(browser, ".field.invalid")
    kept = {
        "#id_person-given_names": "Rosa Elvira",
        "#id_person-maternal_surname": "Hernández",
        "#id_ids-0-value": "A-201-555-123",
        "#id_custody-facility": "Port Isabel Detention Center",
        "#id_separation-place": "El Paso sector",
        "#id_relatives-0-given_names": "Dulce María",
        "#id_relatives-0-birth_date": "2011-04-23",
        "#id_relatives-1-given_names": "Kevin Josué",
        "#id_relatives-1-approximate_age": "5",
        "#id_relatives-1-relationship": "mother",
    }
    for css, value in kept.items():
        assert _value(browser, css) == value, css
    assert wait_for(browser, "input[name='person-languages'][value='mam']").is_selected()
    assert wait_for(browser, "#id_consent-tracing").is_selected()
    _screenshot(browser, tmp_path, "intake-error")
    _screenshot(browser, tmp_path, "intake-phone", width=400)

    # Fixed, registered, on the parent's page.
    fill(browser, "#id_person-birth_date", "1989-03")
    submit(browser, "#register")
    assert heading(browser) == "Rosa Elvira García Hernández"
    assert Person.objects.count() == 3
    page = text_of(browser, "main")
    for text in (
        "Client registered, with 2 relatives as described.",
        "A-201-555-123",
        "Port Isabel Detention Center",
        "Dulce María",
        "Kevin Josué",
        "Mam",
    ):
        assert text in page, text
    _screenshot(browser, tmp_path, "person-page")

    # Found again by a misspelt surname: the parent and both children.
    go(browser, reverse("people:list"))
    fill(browser, "#id_q", "Garsia")
    submit(browser, "form.search button[type=submit]")
    # The search was posted: the address names it by a token, not by the name (ASVS 14.2.1).
    assert "?s=" in browser.current_url and "garsia" not in browser.current_url.lower()
    results = text_of(browser, "table.people tbody")
    for name in ("Rosa Elvira", "Dulce María", "Kevin Josué"):
        assert name in results, name
    _screenshot(browser, tmp_path, "people-list")
