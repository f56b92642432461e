"""In a real browser: the dashboard's charts are drawn (the strict CSP blocks nothing),
the court report answers for a chosen moment, and a count opens the cases behind it."""

import pytest
from django.urls import reverse
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from reunite.browser_tests.conftest import (
    WAIT_SECONDS,
    heading,
    sign_in,
    wait_for,
    wait_for_path,
)
from reunite.reports.tests.history import build_history

pytestmark = pytest.mark.browser


def csp_violations(browser) -> list[str]:
    return [
        entry["message"]
        for entry in browser.get_log("browser")
        if "Content Security Policy" in entry["message"] or "Refused to" in entry["message"]
    ]


def test_charts_and_the_court_report_in_a_browser(browser, alice, password):
    history = build_history(alice.memberships.get())
    sign_in(browser, email=alice.email, password=password, totp_secret=alice.totp_secret)
    wait_for_path(browser, reverse("dashboard:home"))

    stages = wait_for(browser, "#chart-stages svg")
    assert stages.size["width"] > 300  # drawn, not collapsed
    drawn = [
        (bar.get_attribute("data-value"), bar.size["width"])
        for bar in stages.find_elements(By.CSS_SELECTOR, "rect.bar")
    ]
    widths = {value: width for value, width in drawn}
    assert widths["0"] == 0
    assert widths["2"] == pytest.approx(2 * widths["1"], rel=0.05)
    # The data table is there for anyone who opens it.
    browser.find_element(By.CSS_SELECTOR, "#chart-stages details summary").click()
    assert browser.find_element(By.CSS_SELECTOR, "#chart-stages table").is_displayed()

    browser.find_element(
        By.LINK_TEXT, "Court report: where every family stood at a chosen moment"
    ).click()
    wait_for_path(browser, reverse("reports:court"))
    assert heading(browser) == "Court report"
    field = browser.find_element(By.ID, "id_as_of")
    # Chromium's datetime-local takes the digits in the locale's order (en-US here).
    field.send_keys("04302026")
    field.send_keys("\t100000AM")
    browser.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    # The page before had the same cells (as of now): wait for the new one.
    WebDriverWait(browser, WAIT_SECONDS).until(lambda b: "as_of=2026-04-30T10" in b.current_url)
    cell = wait_for(browser, 'td[data-figure="children.discharged"]')
    assert cell.text.startswith("3")
    cell.find_element(By.TAG_NAME, "a").click()
    wait_for_path(browser, reverse("reports:court_cases"))
    rows = browser.find_elements(By.CSS_SELECTOR, "main tbody tr td:first-child a")
    assert sorted(r.text for r in rows) == sorted(c.reference for c in history["cases"][1:3])
    assert csp_violations(browser) == []
