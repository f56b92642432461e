"""Configuration, response and error-handling requirements of OWASP ASVS 5.0 that no
other test showed (docs/security/asvs.yaml names these tests)."""

import re
from pathlib import Path

import pytest
from django.test import Client, override_settings
from django.urls import path, reverse

from conftest import signed_in

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize("method", ["TRACE", "TRACK", "CONNECT", "PROPFIND"])
def test_trace_and_unknown_methods_are_refused(client, alice, method):
    """13.4.4 (and 4.1.4): refused before any view, signed in or not."""
    signed_in(client, alice)
    for url in (reverse("dashboard:home"), reverse("people:list"), reverse("account_login")):
        response = client.generic(method, url)
        assert response.status_code == 405, (method, url)
        assert "TRACE" not in response["Allow"]


def test_the_methods_the_portal_uses_still_work(client, alice):
    signed_in(client, alice)
    assert client.get(reverse("people:list")).status_code == 200
    assert client.head(reverse("people:list")).status_code == 200
    assert client.post(reverse("account_logout")).status_code == 302


@pytest.mark.parametrize(
    "url",
    [
        "/.git/config",
        "/.git/HEAD",
        "/.env",
        "/manage.py",
        "/config/settings.py",
        "/var/local-secrets.json",
        "/static/../config/settings.py",
        "/static/%2e%2e/config/settings.py",
    ],
)
def test_source_control_secrets_and_source_are_never_served(client, url):
    """13.4.1, 13.4.7: only the apps' static files are served, nothing of the checkout."""
    response = client.get(url)
    assert response.status_code == 404
    assert b"[core]" not in response.content and b"SECRET_KEY" not in response.content


@pytest.mark.parametrize("url", ["/static/", "/static/core/", "/static/dashboard/"])
def test_no_directory_is_listed(client, url):
    """13.4.3."""
    assert client.get(url).status_code == 404


def test_shipped_static_files_are_served(client):
    response = client.get("/static/dashboard/dashboard.css")
    assert response.status_code == 200


@pytest.mark.parametrize("url", ["/admin/", "/__debug__/", "/metrics", "/server-status"])
def test_no_admin_debug_or_monitoring_endpoint_is_exposed(client, url):
    """13.4.5: only the API's own documentation is public, on purpose (access matrix)."""
    assert client.get(url).status_code == 404


def test_the_api_documentation_is_public_on_purpose(client):
    assert client.get(reverse("api:docs")).status_code == 200


def test_html_pages_and_api_answers_name_their_content_type_and_charset(client, alice):
    """4.1.1: HTML in UTF-8; API answers are JSON (UTF-8 by definition, RFC 8259)."""
    signed_in(client, alice)
    assert client.get(reverse("dashboard:home"))["Content-Type"] == "text/html; charset=utf-8"
    api = Client().get("/api/v1/people/")
    assert api.status_code == 401
    assert api["Content-Type"].startswith("application/json")


def test_an_unknown_api_path_answers_json_not_a_page(client):
    response = client.get("/api/v1/nowhere/", HTTP_ACCEPT="text/html")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert b"<html" not in response.content.lower()


def _boom(request):
    raise RuntimeError("secret detail: SELECT * FROM people_person WHERE a_number = 'A123'")


urlpatterns = [path("boom/", _boom)]


@override_settings(ROOT_URLCONF=__name__, DEBUG=False)
def test_an_unexpected_error_shows_a_generic_page_and_is_logged(caplog):
    """16.5.1, 16.3.4, 16.5.4: no trace, query or detail reaches the client; the error
    is logged on the server by Django's last-resort handler."""
    client = Client(raise_request_exception=False)
    response = client.get("/boom/")
    assert response.status_code == 500
    body = response.content.decode()
    assert "Traceback" not in body and "secret detail" not in body and "SELECT" not in body
    assert any("boom" in r.getMessage() or r.exc_info for r in caplog.records)


def test_a_missing_page_shows_the_portals_own_404_without_detail(client):
    response = client.get("/people/00000000-0000-0000-0000-000000000000/nowhere/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "Traceback" not in body and "urlpatterns" not in body.lower()


def shipped_javascript() -> dict[Path, str]:
    return {
        js: js.read_text(encoding="utf-8")
        for js in (ROOT / "reunite").rglob("static/**/*.js")
        if "htmx" not in js.name  # django-htmx ships htmx itself, not ours
    }


def test_shipped_javascript_keeps_nothing_in_browser_storage():
    """14.3.3: no localStorage, sessionStorage, IndexedDB or script-set cookies; the only
    cookies are the session, CSRF, language and device cookies, all HttpOnly."""
    scripts = shipped_javascript()
    for js, text in scripts.items():
        found = re.findall(r"localStorage|sessionStorage|indexedDB|document\.cookie", text)
        assert found == [], js


def test_the_storage_check_sees_a_script_that_stores(tmp_path):
    bad = "window.localStorage.setItem('client', name);"
    assert re.findall(r"localStorage|sessionStorage|indexedDB|document\.cookie", bad)


def test_cookies_set_at_sign_in_hold_no_personal_data(client, alice, password):
    """14.3.3: the session id, CSRF token and the signed device cookie only."""
    from conftest import totp_now

    client.post(reverse("account_login"), {"login": alice.email, "password": password})
    client.post(reverse("mfa_authenticate"), {"code": totp_now(alice.totp_secret)})
    assert set(client.cookies) <= {"sessionid", "csrftoken", "reunite_device", "django_language"}
    for morsel in client.cookies.values():
        assert alice.email not in morsel.value and "Alice" not in morsel.value
        assert morsel["httponly"]
