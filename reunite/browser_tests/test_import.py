"""Org B uploads a children's list with a few bad rows, maps its columns, watches the
progress bar reach the end, downloads the rejected rows and finds the new match with the
mother org A registered."""

import tempfile
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from selenium.webdriver.support.ui import Select, WebDriverWait

from reunite.browser_tests.conftest import go, sign_in, submit, text_of, wait_for
from reunite.people.choices import ConsentMethod, ConsentScope, FamilyRole, Relationship
from reunite.people.services import ConsentInput, PersonInput, intake

pytestmark = pytest.mark.browser

LIST = (
    "Nombre,Apellidos,Sexo,Fecha de nacimiento,Madre\n"
    "Mateo,Perez Pena,M,2016-05-01,Rosa Peña López\n"
    "Ana,Cux,F,2014-02-31,\n"  # no 31 February
    "Luis,Tzul,Z,2013,\n"  # sex
    "Elena,Xol Coc,F,2012-09-09,Marta Coc\n"
)


def test_upload_map_watch_download_and_see_the_match(browser, alice, charlie, password):
    intake(
        actor=alice.memberships.get(),
        client=PersonInput(
            family_role=FamilyRole.PARENT,
            given_names="Rosa",
            paternal_surname="Peña",
            maternal_surname="López",
            sex="F",
            birth_date="1988-03-02",
        ),
        relatives=[
            (
                PersonInput(
                    family_role=FamilyRole.CHILD,
                    given_names="Mateo",
                    paternal_surname="Pérez",
                    maternal_surname="Peña",
                    sex="M",
                    birth_date="2016-05-01",
                ),
                Relationship.MOTHER,
            )
        ],
        consents=[
            ConsentInput(scope=ConsentScope.TRACING, method=ConsentMethod.IN_PERSON, language="es")
        ],
        today=timezone.localdate(),
        now=timezone.now(),
    )
    sign_in(browser, email=charlie.email, password=password, totp_secret=charlie.totp_secret)
    wait_for(browser, "main h1")
    browser.find_element("link text", "Import").click()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "orr-list.csv"
        path.write_text(LIST, encoding="utf-8")
        wait_for(browser, "input[type=file]").send_keys(str(path))
        submit(browser)

    # The preview shows the file; known headers are already mapped, the rest we choose.
    assert "Perez Pena" in text_of(browser, "table.preview")
    assert (
        Select(wait_for(browser, "#id_column_0")).first_selected_option.get_attribute("value")
        == "given_names"
    )
    Select(wait_for(browser, "#id_column_4")).select_by_value("mother_name")
    Select(wait_for(browser, "#id_kind")).select_by_value("children")
    wait_for(browser, "#id_source").send_keys("ORR shelter list")
    wait_for(browser, "#id_consent").click()
    submit(browser, "form.mapping button[type=submit]")

    WebDriverWait(browser, 20).until(
        lambda b: (
            b.find_element("css selector", "#import-progress").get_attribute("data-status")
            == "done"
        )
    )
    assert wait_for(browser, "#import-bar").get_attribute("value") == "100"
    assert "2 created" in text_of(browser, "#import-progress")
    assert "2 rejected" in text_of(browser, "#import-progress")
    table = text_of(browser, "table.rejected")
    assert "date_of_birth" in table and "sex" in table

    href = wait_for(browser, "#download-rejected").get_attribute("href")
    csv = browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "fetch(arguments[0]).then(r => r.text()).then(done);",
        href,
    )
    lines = csv.lstrip("\ufeff").splitlines()
    assert lines[0].startswith("line,field,reason,Nombre")
    assert lines[1].startswith("3,date_of_birth,") and "Ana" in lines[1]
    assert lines[2].startswith("4,sex,") and "Luis" in lines[2]

    browser.find_element("css selector", "#see-matches").click()
    wait_for(browser, "table tbody tr")
    assert any(
        "Mateo" in row.text for row in browser.find_elements("css selector", "table tbody tr")
    )
    go(browser, reverse("interop:imports"))
    assert "ORR shelter list" in text_of(browser, "table.imports")
