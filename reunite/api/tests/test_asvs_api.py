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
