"""The schema is valid OpenAPI, the documentation page works under the portal's strict
CSP without any CDN, and schemathesis drives every operation from the schema, with
valid and with invalid data: no 500, and every response (errors included) conforms to
the schema.

The sweep sends over 10,000 requests on SQLite (CI's first pass, and `make test`); on
PostgreSQL, where the same views would be swept again, FUZZ_SCALE shrinks it (default
there 0.05, a few hundred requests). FUZZ_SCALE=1 forces the full sweep anywhere. The
count is printed and asserted by the last test of the module.
"""

import math
import os
from collections import Counter

import pytest
import schemathesis
from django.conf import settings as django_settings
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from reunite.api.schema import openapi_schema
from reunite.api.tests.conftest import make_token
from reunite.interop.services import import_upload
from reunite.people.choices import FamilyRole
from reunite.people.services import PersonInput, identifier_add, person_create
from reunite.tracing.models import MatchCandidate

pytestmark = pytest.mark.django_db


def test_the_schema_describes_every_endpoint_and_the_bearer_token(client):
    schema = client.get(reverse("api:schema")).json()
    assert schema["openapi"].startswith("3.")
    assert schema["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    assert {path for path in schema["paths"]} >= {
        "/api/v1/people/",
        "/api/v1/people/{public_id}/",
        "/api/v1/people/{public_id}/identifiers/",
        "/api/v1/people/{public_id}/custody/",
        "/api/v1/matches/",
        "/api/v1/matches/{public_id}/",
        "/api/v1/matches/{public_id}/review/",
    }
    review = schema["paths"]["/api/v1/matches/{public_id}/review/"]["post"]
    assert review["x-scope"] == "match" and review["security"] == [{"bearerAuth": []}]
    assert "409" in review["responses"] and "429" in review["responses"]


def test_the_docs_page_lists_the_endpoints_without_scripts_or_cdn(client):
    response = client.get(reverse("api:docs"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "/api/v1/matches/{public_id}/review/" in page and "PersonWriteRequest" in page
    assert "cdn" not in page.lower() and "<script>" not in page
    assert "http://" not in page.replace("http://testserver", "")
    csp = response["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "script-src 'self'" in csp
    assert "unsafe-inline" not in csp


# --- schemathesis ----------------------------------------------------------------------


@pytest.fixture
def seeded(alice):
    """Org A with a person (with an identifier) and a candidate, and alice's token."""
    actor = alice.memberships.get()
    today = timezone.localdate()
    person = person_create(
        actor=actor,
        data=PersonInput(
            family_role=FamilyRole.PARENT, given_names="Rosa", paternal_surname="Tzul"
        ),
        today=today,
    )
    identifier_add(actor=actor, person=person, kind="a_number", value="A208111222")
    sought = person_create(
        actor=actor,
        data=PersonInput(family_role=FamilyRole.PARENT, kind="described", given_names="Rosa"),
        today=today,
    )
    match = MatchCandidate.objects.create(
        subject=sought,
        candidate=person,
        subject_organization=person.organization,
        candidate_organization=person.organization,
        match_probability=0.9,
        match_weight=8.0,
        contributions=[{"field": "sex", "level": "agree", "weight": 1.0, "text": "Sex agrees"}],
        model_version="test",
    )
    job = import_upload(actor=actor, file_name="list.csv", data=b"given_names\nRosa\n")
    return {"token": make_token(alice), "person": person, "match": match, "import": job}


@pytest.fixture
def api_schema(db, settings):
    # Generous limits: this test is about shapes, not rates.
    settings.REST_FRAMEWORK = settings.REST_FRAMEWORK | {
        "DEFAULT_THROTTLE_RATES": {
            "token": "100000/hour",
            "anonymous": "100000/hour",
            "auth_failures": "100000/hour",
        }
    }
    # As Django's test client does: a request's end must not close the test's connection.
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/v1/schema/", get_wsgi_application())
    finally:
        for signal in (request_started, request_finished):
            signal.connect(close_old_connections)


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]
RECORDS = {"people": "person", "matches": "match", "imports": "import"}
OPERATIONS = [
    (path, method.upper()) for path, item in openapi_schema()["paths"].items() for method in item
]
TARGET = 10_000  # requests per run, all operations and both modes together
_ON_POSTGRES = "postgresql" in django_settings.DATABASES["default"]["ENGINE"]
SCALE = float(os.environ.get("FUZZ_SCALE") or (0.05 if _ON_POSTGRES else 1))
# Examples per operation and mode: the target spread evenly, with a small margin (no
# operation's inputs run out before it: every one sends all of its examples).
EXAMPLES = max(15, math.ceil(TARGET * SCALE * 1.02 / (len(OPERATIONS) * 2)))
REQUESTS: Counter[tuple[str, str, str]] = Counter()  # (method, path, mode): requests sent
STATUSES: Counter[int] = Counter()


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
@pytest.mark.parametrize(("path", "method"), OPERATIONS)
def test_every_operation_conforms_to_the_schema(api_schema, seeded, path, method, mode):
    # schemathesis' own pytest integration (schema.parametrize) predates pytest 9, so
    # each operation's strategy is run here with Hypothesis directly.
    operation = api_schema[path][method]
    statuses = []
    try:
        strategy = operation.as_strategy(generation_mode=mode)
    except Exception as exc:  # nothing to make invalid (a GET without input)
        pytest.skip(f"no {mode.value} data for {method} {path}: {exc}")

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,  # the same examples every run
        deadline=None,
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    @given(case=strategy)
    def check(case):
        # The path names a real org-A record, so the success paths run too.
        if "public_id" in (case.path_parameters or {}):
            record = RECORDS[case.path.split("/")[3]]  # /api/v1/<collection>/...
            case.path_parameters["public_id"] = str(seeded[record].public_id)
        REQUESTS[method, path, mode.value] += 1
        response = case.call_and_validate(
            headers={"Authorization": f"Bearer {seeded['token']}"}, checks=CHECKS
        )
        statuses.append(response.status_code)
        STATUSES[response.status_code] += 1

    check()
    assert statuses, "no example ran"
    assert not any(status >= 500 for status in statuses)
    if method == "GET" and mode == GenerationMode.POSITIVE:
        assert 200 in statuses  # not only errors


def test_the_sweep_sent_over_10000_requests(capsys):
    """Last in the module: the requests the sweep above sent, printed and asserted."""
    total = sum(REQUESTS.values())
    with capsys.disabled():
        statuses = ", ".join(f"{code}: {n:,}" for code, n in sorted(STATUSES.items()))
        print(f"\nschemathesis: {total:,} requests at scale {SCALE} ({statuses})")
    if len({(m, p) for m, p, _mode in REQUESTS}) < len(OPERATIONS):
        pytest.skip("not every operation was swept (selected with -k?)")
    assert total >= TARGET * SCALE, dict(REQUESTS)
