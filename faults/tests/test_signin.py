"""Sign-in under a cache outage and a skewed clock: it fails closed, never open.

The throttle counters and the used-TOTP markers live in the shared cache (Redis in
production, here a redis-server of the suite's own, persistent as production's must be).
The authenticator's clock is skewed rather than the server's (no libfaketime here): for
TOTP only the difference between the two counts.
"""

from __future__ import annotations

import shutil
import time

import pytest

from faults import harness
from faults.conftest import start_server


@pytest.fixture
def redis(portal):
    if not shutil.which("redis-server"):
        pytest.skip("the cache scenarios need redis-server (apt-get install redis-server)")
    server = harness.Redis(portal.workdir)
    server.start()
    portal.processes.append(server)
    return server


def signed_in_after(response) -> bool:
    return response.status_code == 302 and "2fa" not in response.headers.get("Location", "")


def test_cache_down_keeps_a_locked_account_locked(portal, redis):
    """An account locked after five wrong passwords stays locked while the cache is down
    (503, no sign-in) and after it comes back (the lockout survived the restart)."""
    server = start_server(portal, REDIS_URL=redis.url)
    alice, password = portal.seed["cast"]["alice"], portal.seed["password"]
    attacker = harness.Browser(server)
    for _ in range(5):
        response = attacker.post_form(
            "/accounts/login/", {"login": alice["email"], "password": "wrong password 1234"}
        )
        assert response.status_code == 200
    locked = harness.login(attacker, alice["email"], password, alice["totp"])
    assert locked.status_code == 429
    redis.kill()
    down = harness.login(attacker, alice["email"], password, alice["totp"])
    portal.seen.append(down.text)
    assert down.status_code == 503, down.status_code
    assert not attacker.signed_in()
    began = time.monotonic()
    redis.start()
    harness.wait_for(
        lambda: harness.login(attacker, alice["email"], password, alice["totp"]).status_code != 503,
        timeout=harness.RECOVERY_SECONDS * 2,
        interval=0.1,
        what="the cache to answer",
    )
    seconds = harness.report("cache restarted", time.monotonic() - began)
    assert seconds < harness.RECOVERY_SECONDS
    again = harness.login(attacker, alice["email"], password, alice["totp"])
    assert again.status_code == 429  # still locked: the restart did not forget it
    assert not attacker.signed_in()
    bob = portal.seed["cast"]["bob"]
    other = harness.Browser(server)
    assert signed_in_after(harness.login(other, bob["email"], password, bob["totp"]))


def test_cache_down_refuses_a_second_factor_and_its_replay(portal, redis):
    """A TOTP code cannot be replayed: not while the cache is down (503) and not after it
    is back (the used-code marker survived)."""
    server = start_server(portal, REDIS_URL=redis.url)
    bob, password = portal.seed["cast"]["bob"], portal.seed["password"]
    first = harness.Browser(server)
    assert signed_in_after(harness.login(first, bob["email"], password, bob["totp"]))
    from conftest import totp_now

    used = totp_now(bob["totp"])
    thief = harness.Browser(server)
    step = thief.post_form("/accounts/login/", {"login": bob["email"], "password": password})
    assert step.status_code == 302
    redis.kill()
    down = thief.post_form("/accounts/2fa/authenticate/", {"code": used})
    portal.seen.append(down.text)
    assert down.status_code == 503, down.status_code
    assert not thief.signed_in()
    began = time.monotonic()
    redis.start()
    harness.wait_for(
        lambda: thief.get("/accounts/2fa/authenticate/").status_code != 503,
        timeout=harness.RECOVERY_SECONDS * 2,
        interval=0.1,
        what="the cache to answer",
    )
    harness.report("cache restarted (second factor)", time.monotonic() - began)
    replay = thief.post_form("/accounts/2fa/authenticate/", {"code": used})
    assert not signed_in_after(replay)
    assert not thief.signed_in()


SKEWS = [(-29, True), (+29, True), (-95, False), (+95, False), (-600, False)]


def test_clock_skew_within_one_step_is_tolerated_beyond_it_refused(portal):
    """MFA_TOTP_TOLERANCE = 1: an authenticator up to one 30-second step off still signs
    in; three steps off is refused, and the refusal leaves no session."""
    server = start_server(portal, workers=1)
    bob, password = portal.seed["cast"]["bob"], portal.seed["password"]
    outcomes = {}
    for skew, _ in SKEWS:
        browser = harness.Browser(server)
        began = time.monotonic()
        response = harness.login(
            browser, bob["email"], password, bob["totp"], at=time.time() + skew
        )
        outcomes[skew] = signed_in_after(response) and browser.signed_in()
        harness.report(f"TOTP, authenticator {skew:+d} s off", time.monotonic() - began,
                       "signed in" if outcomes[skew] else "refused")  # fmt: skip
        if outcomes[skew]:
            browser.post_form("/accounts/logout/", {})
            time.sleep(0.1)
    assert outcomes == dict(SKEWS)
