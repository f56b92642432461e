"""A database or cache outage fails closed with a 503 and Retry-After, never a 500 or a
trace; any other error stays a 500. (The fault suite, `make faults`, causes real ones.)"""

import pytest
import redis.exceptions
from django.db import OperationalError
from django.test import Client
from django.urls import path

from reunite.core.views import is_outage


def _raising(exc):
    def view(request):
        raise exc

    return view


urlpatterns = [
    path("db/", _raising(OperationalError("could not extend file: No space left on device"))),
    path("cache/", _raising(redis.exceptions.ConnectionError("connection refused"))),
    path("bug/", _raising(ValueError("a bug"))),
    path("api/v1/db/", _raising(OperationalError("terminating connection"))),
]
handler500 = "reunite.core.views.server_error"


@pytest.fixture
def client():
    return Client(raise_request_exception=False)


@pytest.mark.urls(__name__)
@pytest.mark.parametrize("url", ["/db/", "/cache/"])
def test_an_outage_is_a_503_page_that_names_nothing(client, url):
    response = client.get(url)
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert b"temporarily unavailable" in response.content
    assert b"No space" not in response.content and b"refused" not in response.content


@pytest.mark.urls(__name__)
def test_an_api_outage_is_a_json_503(client):
    response = client.get("/api/v1/db/")
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "unavailable"


@pytest.mark.urls(__name__)
def test_a_bug_stays_a_500(client):
    response = client.get("/bug/")
    assert response.status_code == 500
    assert "Retry-After" not in response


def test_an_outage_is_recognised_through_its_cause():
    try:
        try:
            raise OperationalError("server closed the connection")
        except OperationalError as exc:
            raise RuntimeError("while saving") from exc
    except RuntimeError as wrapped:
        assert is_outage(wrapped)
    assert not is_outage(ValueError("a bug"))
