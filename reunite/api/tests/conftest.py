"""API test helpers: a token for a cast member, and a client that sends it."""

import pytest
from django.test import Client
from django.utils import timezone

from reunite.api.services import token_create


def make_token(user, scopes=("read", "write", "match"), days=30, now=None) -> str:
    return token_create(
        actor=user.memberships.get(),
        name="test integration",
        scopes=list(scopes),
        days=days,
        now=now or timezone.now(),
    ).plaintext


def api_client(token: str | None) -> Client:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return Client(headers=headers)


@pytest.fixture
def as_user():
    """`as_user(alice)` or `as_user(alice, scopes=["read"])`: a client with a fresh token."""

    def build(user, scopes=("read", "write", "match")):
        return api_client(make_token(user, scopes))

    return build


# The family split across org A and org B that the tracing tests use.
from reunite.tracing.tests.conftest import family  # noqa: E402, F401
