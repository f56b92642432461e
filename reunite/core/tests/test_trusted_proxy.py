"""Behind a reverse proxy each client keeps its own per-address limits; nobody else can
choose their address with X-Forwarded-For."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client, override_settings
from django.urls import reverse

from reunite.core.middleware import TrustedProxyMiddleware

pytestmark = pytest.mark.django_db
PROXY = "10.0.0.5"


def seen(peer, forwarded, proxies):
    with override_settings(TRUSTED_PROXIES=proxies):
        return TrustedProxyMiddleware(lambda request: None).client_address(peer, forwarded)


@pytest.mark.parametrize(
    ("peer", "forwarded", "proxies", "client"),
    [
        (PROXY, "203.0.113.9", [PROXY], "203.0.113.9"),
        (
            PROXY,
            "198.51.100.1, 203.0.113.9",
            [PROXY],
            "203.0.113.9",
        ),  # left part is the client's own
        (PROXY, "203.0.113.9, 10.1.2.3", [PROXY, "10.1.0.0/16"], "203.0.113.9"),  # two proxies
        (PROXY, "2001:db8::7", [PROXY], "2001:db8::7"),
    ],
    ids=["one-hop", "spoofed-left-part-ignored", "chain-of-proxies", "ipv6"],
)
def test_the_client_is_the_rightmost_address_a_trusted_proxy_forwarded(
    peer, forwarded, proxies, client
):
    assert seen(peer, forwarded, proxies) == client


@pytest.mark.parametrize(
    ("peer", "forwarded", "proxies"),
    [
        ("203.0.113.50", "198.51.100.1", [PROXY]),  # not from the proxy: header ignored
        (PROXY, "198.51.100.1", []),  # no proxy configured
        (PROXY, "not-an-address", [PROXY]),
        (PROXY, "203.0.113.9, <script>", [PROXY]),
        (PROXY, "", [PROXY]),
        (PROXY, "10.1.2.3", [PROXY, "10.1.0.0/16"]),  # only proxies: from inside
    ],
    ids=["untrusted-peer", "no-proxies", "garbage", "garbage-hop", "empty", "only-proxies"],
)
def test_otherwise_the_peer_stays_the_client(peer, forwarded, proxies):
    assert seen(peer, forwarded, proxies) == peer


def test_a_mistyped_proxy_list_stops_the_start_with_its_name():
    with (
        override_settings(TRUSTED_PROXIES=["10.0.0.300"]),
        pytest.raises(ImproperlyConfigured, match="TRUSTED_PROXIES"),
    ):
        TrustedProxyMiddleware(lambda request: None)


def attempt(client, email, forwarded, peer=PROXY):
    return client.post(
        reverse("account_login"),
        {"login": email, "password": "spray spray spray"},
        REMOTE_ADDR=peer,
        HTTP_X_FORWARDED_FOR=forwarded,
    )


@override_settings(LOGIN_SOURCE_FAILURE_LIMIT=3, LOGIN_FAILURE_LIMIT=100, TRUSTED_PROXIES=[PROXY])
def test_behind_the_proxy_one_sprayer_is_throttled_and_its_neighbours_are_not(alice, password):
    sprayer, neighbour = Client(), Client()
    for n in range(3):
        attempt(sprayer, f"nobody{n}@example.org", "203.0.113.9")
    assert attempt(sprayer, "nobody9@example.org", "203.0.113.9").status_code == 429
    signed = neighbour.post(
        reverse("account_login"),
        {"login": alice.email, "password": password},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR="198.51.100.20",
    )
    assert signed.status_code == 302


@override_settings(LOGIN_SOURCE_FAILURE_LIMIT=3, LOGIN_FAILURE_LIMIT=100, TRUSTED_PROXIES=[PROXY])
def test_a_client_reaching_the_server_directly_cannot_rotate_its_address(alice):
    direct = Client()
    for n in range(3):
        attempt(direct, f"nobody{n}@example.org", f"198.51.100.{n}", peer="203.0.113.66")
    assert (
        attempt(direct, "nobody9@example.org", "198.51.100.99", peer="203.0.113.66").status_code
        == 429
    )
