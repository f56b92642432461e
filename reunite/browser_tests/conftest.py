"""Headless Chromium for the browser tests, and small helpers to drive it.

Chromium and its driver come from Debian (`apt-get install chromium chromium-driver`).
Without them the browser tests are skipped, except on CI (the `CI` environment
variable is set), where a missing browser is a broken build and fails loudly.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from urllib.parse import urlsplit

import pytest

CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = (
    os.environ.get("CHROMEDRIVER") or shutil.which("chromedriver") or "/usr/bin/chromedriver"
)
WAIT_SECONDS = 10

# No network chatter, no sandbox (containers), a throwaway profile per test.
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1280,900",
)


def _missing() -> list[str]:
    return [path for path in (CHROMIUM, CHROMEDRIVER) if not os.access(path, os.X_OK)]


@pytest.fixture
def browser(live_server, transactional_db, settings):
    """A Chromium session against the live server; `browser.live_server` is its base URL."""
    missing = _missing()
    if missing:
        reason = f"headless Chromium not installed (missing: {', '.join(missing)}); apt-get install chromium chromium-driver"
        if os.environ.get("CI"):
            pytest.fail(f"CI must install the browser: {reason}")
        pytest.skip(reason)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    # live_server serves from a thread of this process: the locmem outbox is shared.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with tempfile.TemporaryDirectory(prefix="reunite-chromium-") as profile:
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for flag in CHROMIUM_FLAGS:
            options.add_argument(flag)
        options.add_argument(f"--user-data-dir={profile}")
        driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
        driver.set_page_load_timeout(WAIT_SECONDS * 2)
        driver.live_server = live_server.url
        try:
            yield driver
        finally:
            driver.quit()


# --- Helpers -------------------------------------------------------------------------


def go(browser, path: str) -> None:
    """Open `path` (or an absolute URL) on the live server."""
    browser.get(path if "://" in path else browser.live_server + path)


def path_of(browser) -> str:
    return urlsplit(browser.current_url).path


def wait_for(browser, css: str):
    """The first element matching `css`, once it is there."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(browser, WAIT_SECONDS).until(
        ec.presence_of_element_located((By.CSS_SELECTOR, css))
    )


def wait_for_path(browser, path: str) -> None:
    """Wait until the browser is on `path`; fail with where it is instead."""
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.support.ui import WebDriverWait

    try:
        WebDriverWait(browser, WAIT_SECONDS).until(lambda b: path_of(b) == path)
    except TimeoutException:
        pytest.fail(
            f"expected to reach {path}, still on {browser.current_url}: {heading(browser)!r}"
        )


def text_of(browser, css: str) -> str:
    return wait_for(browser, css).text.strip()


def heading(browser) -> str:
    from selenium.webdriver.common.by import By

    headings = browser.find_elements(By.CSS_SELECTOR, "h1")
    return headings[0].text.strip() if headings else ""


def fill(browser, css: str, value: str) -> None:
    field = wait_for(browser, css)
    field.clear()
    field.send_keys(value)


def submit(browser, css: str = "main form button[type=submit]") -> None:
    """Click a submit button and wait until the next page has loaded.

    The old page is marked with a script variable; a fresh document lacks it. (Waiting
    for an old element to go stale races with Chromium's inspector while the page
    swaps, and fails with "Node with given id does not belong to the document".)
    """
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.support.ui import WebDriverWait

    def next_page_loaded(driver) -> bool:
        try:
            return driver.execute_script(
                "return !window.reuniteOldPage && document.readyState === 'complete'"
            )
        except WebDriverException:  # between documents
            return False

    button = wait_for(browser, css)
    browser.execute_script("window.reuniteOldPage = true")
    button.click()
    WebDriverWait(browser, WAIT_SECONDS).until(next_page_loaded)


def sign_in(
    browser,
    *,
    email: str,
    password: str,
    totp_secret: str | None = None,
    totp_at: float | None = None,
) -> None:
    """Sign in through the real login form; with `totp_secret`, answer the TOTP step too
    (a second sign-in within 30 seconds needs `totp_at`: a used code is refused)."""
    from django.urls import reverse

    from conftest import totp_now

    go(browser, reverse("account_login"))
    fill(browser, "#id_login", email)
    fill(browser, "#id_password", password)
    submit(browser)
    if totp_secret is not None:
        wait_for_path(browser, reverse("mfa_authenticate"))
        fill(browser, "#id_code", totp_now(totp_secret, totp_at))
        submit(browser)


def switch_language(browser, code: str) -> None:
    """Choose `code` in the header's language switcher and apply it."""
    from selenium.webdriver.support.ui import Select

    Select(wait_for(browser, "select#language")).select_by_value(code)
    submit(browser, "#language-go")


# --- Accessibility -------------------------------------------------------------------

AXE_SCRIPT = os.path.join(os.path.dirname(__file__), "vendor", "axe.min.js")  # axe-core 4.14.1
# WCAG 2.0 and 2.1, levels A and AA; axe's best practices add headings, landmarks and
# the skip link, which WCAG checks only through them.
AXE_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice")


def axe_audit(browser) -> dict[str, list[dict]]:
    """Run axe-core on the current page. Returns {"violations": [...], "incomplete": [...]}
    ("incomplete": what axe could not decide and asks a person to review), each result as
    {"id", "impact", "help", "nodes": [{"target", "summary"}]}.

    The script is the vendored copy (no network); WebDriver injects it, so the page's
    CSP, which allows only the portal's own scripts, does not apply to it."""
    if not browser.execute_script("return typeof window.axe === 'object'"):
        with open(AXE_SCRIPT, encoding="utf-8") as script:
            browser.execute_script(script.read())
    browser.set_script_timeout(WAIT_SECONDS * 3)
    outcome = browser.execute_async_script(
        """
        const done = arguments[arguments.length - 1];
        const shape = results => results.map(v => ({
            id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.map(n => ({
              target: n.target.join(" "),
              summary: n.failureSummary
                || [...n.any, ...n.all, ...n.none].map(c => c.message).join("; ")}))}));
        axe.run(document, {runOnly: {type: "tag", values: arguments[0]},
                           resultTypes: ["violations", "incomplete"]})
          .then(r => done({violations: shape(r.violations), incomplete: shape(r.incomplete)}))
          .catch(e => done({error: String(e)}));
        """,
        list(AXE_TAGS),
    )
    if "error" in outcome:
        pytest.fail(f"axe-core could not run on {browser.current_url}: {outcome['error']}")
    return outcome
