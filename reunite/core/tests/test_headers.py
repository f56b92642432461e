"""Security headers on every response."""

import pytest
from django.urls import reverse

from conftest import signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def home(client, alice):
    signed_in(client, alice)
    return client.get(reverse("dashboard:home"))


def csp_directives(response) -> dict[str, str]:
    policy = response["Content-Security-Policy"]
    return dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())


@pytest.mark.parametrize("page", ["home", "login"])
def test_strict_content_security_policy(page, home, client):
    response = home if page == "home" else client.get(reverse("account_login"))
    directives = csp_directives(response)
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert "unsafe-eval" not in response["Content-Security-Policy"]
    assert directives["default-src"] == "'none'"
    assert directives["script-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert "http" not in response["Content-Security-Policy"]  # no other host


def test_pages_with_client_data_are_never_cached(home):
    assert home["Cache-Control"] == "no-store"


def test_framing_sniffing_and_referrers_are_refused(home):
    assert home["X-Frame-Options"] == "DENY"
    assert home["X-Content-Type-Options"] == "nosniff"
    assert home["Referrer-Policy"] == "same-origin"  # never sent to another host


def test_pages_load_nothing_from_other_hosts(home):
    body = home.content.decode()
    assert "//" not in "".join(
        attr.split('"')[1] for attr in body.split() if attr.startswith(("src=", "href="))
        and not attr.startswith(('href="/', 'src="/', 'href="#', 'href="?'))
    )


def test_session_and_csrf_cookies_are_httponly_and_samesite(client, alice, password):
    client.get(reverse("account_login"))
    client.post(reverse("account_login"), {"login": alice.email, "password": password})
    session = client.cookies["sessionid"]
    assert session["httponly"]
    assert session["samesite"] == "Lax"
    csrf = client.cookies["csrftoken"]
    assert csrf["httponly"]
    assert csrf["samesite"] == "Strict"


def test_production_sends_hsts_and_secure_cookies(settings, client):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_SSL_REDIRECT = False
    response = client.get(reverse("account_login"), secure=True)
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")
