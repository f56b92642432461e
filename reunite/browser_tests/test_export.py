"""A bulk export with a second person: Alice asks for the people list, Ada approves it
after giving her password again, Alice downloads it once (password again) and a second
download is refused."""

import time

import pytest
from django.urls import reverse
from django.utils import timezone
from selenium.webdriver.support.ui import Select

from reunite.browser_tests.conftest import (
    fill,
    go,
    path_of,
    sign_in,
    submit,
    text_of,
    wait_for,
    wait_for_path,
)
from reunite.interop.models import ExportRequest, ExportStatus
from reunite.people.choices import FamilyRole
from reunite.people.services import PersonInput, person_create

pytestmark = pytest.mark.browser


def sign_out(browser):
    submit(browser, "header form[action$='/logout/'] button")


def test_ask_approve_with_a_second_person_and_download_once(browser, alice, ada, password):
    person_create(
        actor=alice.memberships.get(),
        data=PersonInput(family_role=FamilyRole.PARENT, given_names="Rosa", paternal_surname="Tzul"),
        today=timezone.localdate(),
    )
    sign_in(browser, email=alice.email, password=password, totp_secret=alice.totp_secret)
    wait_for(browser, "main h1")
    go(browser, reverse("interop:export_people"))
    Select(wait_for(browser, "#id_format")).select_by_value("csv")
    fill(browser, "#id_purpose", "Packet for the bond hearing")
    submit(browser)
    export = ExportRequest.objects.get()
    wait_for_path(browser, reverse("interop:export_request", args=[export.public_id]))
    assert text_of(browser, "#status") == "Waiting for a second person"
    assert not browser.find_elements("css selector", "#download, #approve")
    sign_out(browser)

    # Ada is told, opens the request from her notices and approves with her password.
    sign_in(browser, email=ada.email, password=password, totp_secret=ada.totp_secret)
    go(browser, reverse("tracing:notifications"))
    browser.find_element("css selector", "ul.notifications a").click()
    wait_for_path(browser, reverse("interop:export_requests"))
    link = f"table.exports a[href='{reverse('interop:export_request', args=[export.public_id])}']"
    submit(browser, link)
    assert "Packet for the bond hearing" in text_of(browser, "main dl")
    submit(browser, "#approve button")
    wait_for_path(browser, reverse("account_reauthenticate"))
    fill(browser, "#id_password", password)
    submit(browser)
    wait_for_path(browser, reverse("interop:export_request", args=[export.public_id]))
    assert text_of(browser, "#status") == "Approved: ready to download once"
    assert not browser.find_elements("css selector", "#download")  # Ada cannot download it
    sign_out(browser)

    # Alice downloads it once: fetched as the form would post it, after her password.
    sign_in(
        browser,
        email=alice.email,
        password=password,
        totp_secret=alice.totp_secret,
        totp_at=time.time() + 30,
    )
    go(browser, reverse("interop:export_request", args=[export.public_id]))
    wait_for(browser, "#download button")
    go(browser, reverse("account_reauthenticate"))
    fill(browser, "#id_password", password)
    submit(browser)
    go(browser, reverse("interop:export_request", args=[export.public_id]))
    post = (
        "const done = arguments[arguments.length - 1];"
        "const form = document.querySelector('#download form');"
        "fetch(form.action, {method: 'POST', body: new FormData(form)})"
        ".then(r => r.text().then(t => done([r.status, t])));"
    )
    status, body = browser.execute_async_script(post)
    assert status == 200 and "Rosa" in body and "Tzul" in body
    status, body = browser.execute_async_script(post)
    assert status == 409 and "Rosa" not in body
    export.refresh_from_db()
    assert export.status == ExportStatus.DOWNLOADED and export.rows == 1
    assert path_of(browser) == reverse("interop:export_request", args=[export.public_id])
