"""Sign the load test's staff in, server-side, and choose the stuffing wave's targets.

    .venv/bin/python load/sessions.py [--users 50]

Why sessions minted here rather than 50 password + TOTP logins through the site: the
measured load should be the work staff do once signed in; 50 argon2 hashes and TOTP
checks at the start would only add a burst before the clock starts, and a TOTP code is
accepted once per account and time step, so restarts within 30 seconds would fail. The
sign-in itself is exercised by the stuffing wave and by load/run.py's checks, which sign
in with password and TOTP through the site. Each session holds what a real sign-in
leaves (the user, the backend, the password hash's digest, the sign-in and last-seen
times the idle timeout reads) in the same session store gunicorn uses; they are minted
just before locust starts, and every user's requests keep them from idling out.

Writes var/load/sessions.json (session keys: secrets of a throwaway database, git-ignored)
and var/load/targets.json (the wave's target emails: 10 of the signed-in staff, 10 other
accounts, 20 addresses with no account).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from load import common


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    args = parser.parse_args()
    common.apply_environment()
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.utils import timezone

    from reunite.accounts.models import User
    from reunite.accounts.receivers import SESSION_AUTH_AT, SESSION_LAST_SEEN

    manifest = json.loads(common.MANIFEST.read_text(encoding="utf-8"))
    accounts = manifest["accounts"]
    # All attorneys first, then the legal assistants, taken round the organisations.
    staff = [a for a in accounts if a["role"] == "attorney"]
    staff += [a for a in accounts if a["role"] == "legal_assistant"]
    staff = staff[: args.users]
    users = {u.email: u for u in User.objects.filter(email__in=[a["email"] for a in staff])}
    now = timezone.now().timestamp()
    sessions = []
    for account in staff:
        user = users[account["email"]]
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session[SESSION_AUTH_AT] = session[SESSION_LAST_SEEN] = now
        session.create()
        sessions.append(
            {
                "email": user.email,
                "org": account["org"],
                "role": account["role"],
                "session": session.session_key,
            }
        )
    common.SESSIONS.write_text(json.dumps(sessions), encoding="utf-8")
    signed_in = {a["email"] for a in staff}
    others = [a["email"] for a in accounts if a["email"] not in signed_in]
    targets = [a["email"] for a in staff[-10:]] + others[:10]
    targets += [f"nobody{n:02d}@org{n % 4 + 1}.load.reunite.test" for n in range(20)]
    (common.LOAD_DIR / "targets.json").write_text(json.dumps(targets), encoding="utf-8")
    print(f"{len(sessions)} sessions minted; {len(targets)} target emails for the wave")


if __name__ == "__main__":
    main()
