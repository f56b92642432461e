"""API encoding requirement of OWASP ASVS 5.0 (docs/security/asvs.yaml names it)."""

import json

import pytest

from reunite.people.models import Person

pytestmark = pytest.mark.django_db
JSON = "application/json"
PEOPLE = "/api/v1/people/"
TRICKY = '</script><script>alert("x")</script> \\" O\'Brien & <b>'


def test_json_answers_carry_markup_and_quotes_as_data(as_user, bob):
    """1.2.3: JSON is rendered by the framework, never built as text: a name with markup,
    quotes and backslashes comes back as the same string."""
    client = as_user(bob)
    created = client.post(
        PEOPLE, {"family_role": "parent", "given_names": TRICKY, "paternal_surname": "Pérez"},
        content_type=JSON,
    )  # fmt: skip
    assert created.status_code == 201, created.json()
    raw = created.content.decode()
    assert created["Content-Type"].startswith(JSON)
    assert json.loads(raw)["given_names"] == TRICKY
    assert Person.objects.get(public_id=json.loads(raw)["id"]).given_names == TRICKY
    read = client.get(f"{PEOPLE}{json.loads(raw)['id']}/")
    assert read.json()["given_names"] == TRICKY


def test_an_api_call_over_plain_http_is_refused_not_redirected(as_user, alice, settings):
    """4.1.2: with the HTTPS redirect on, pages redirect; the API answers an error that a
    client cannot miss, so a token sent unencrypted is noticed and revoked."""
    settings.SECURE_SSL_REDIRECT = True
    client = as_user(alice)
    response = client.get(PEOPLE)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "https_required"
    assert "Location" not in response


def test_over_https_the_api_answers_and_pages_still_redirect(as_user, alice, client, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert as_user(alice).get(PEOPLE, secure=True).status_code == 200
    for page in ("/people/", "/api/v1/docs/"):
        response = client.get(page)
        assert response.status_code == 301
        assert response["Location"].startswith("https://")
