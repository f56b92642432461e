"""Each flow of the load test once at a time, in-process, on the seeded load database:
its time and its number of queries (the first thing to look at when a flow is slow).

    .venv/bin/python load/profile.py [--repeat 5] [--sql FLOW]

Needs a seeded database (load/seed.py, or `load/run.py --keep`). Uses Django's test
client with one staff account's identity; writes are rolled back.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from load import common


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--sql", help="print the queries of this flow (most repeated first)")
    args = parser.parse_args()
    common.apply_environment()
    import django

    django.setup()
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from reunite.accounts.models import User
    from reunite.accounts.receivers import SESSION_AUTH_AT, SESSION_LAST_SEEN

    manifest = json.loads(common.MANIFEST.read_text(encoding="utf-8"))
    account = next(a for a in manifest["accounts"] if a["role"] == "attorney")
    org = manifest["orgs"][str(account["org"])]
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(User.objects.get(email=account["email"]))
    session = client.session
    session[SESSION_AUTH_AT] = session[SESSION_LAST_SEEN] = timezone.now().timestamp()
    session.save()
    today = timezone.localdate().isoformat()
    flows = {
        "dashboard": lambda n: client.get("/"),
        "search": lambda n: client.get(
            client.post("/people/", {"q": org["searches"][n]})["Location"]
        ),
        "person page": lambda n: client.get(f"/people/{org['people'][n]}/"),
        "candidates list": lambda n: client.get("/matches/"),
        "candidate": lambda n: client.get(f"/matches/{org['matches'][n]}/"),
        "case list": lambda n: client.get("/cases/"),
        "case page": lambda n: client.get(f"/cases/{org['cases'][n]}/"),
        "write: custody entry": lambda n: client.post(
            f"/people/{org['people'][n]}/custody/",
            {"kind": "ice", "facility": "Port Isabel SPC", "start_date": today},
        ),
        "write: case task": lambda n: client.post(
            f"/cases/{org['cases'][n]}/tasks/", {"title": "Call", "kind": "call"}
        ),
        "write: candidate review": lambda n: client.post(
            f"/matches/{org['matches'][n]}/review/",
            {"decision": "needs_info", "reason": "Ask for the birth certificate."},
        ),
    }
    print(f"{'flow':<26}{'status':>7}{'queries':>9}{'median ms':>11}{'max ms':>9}{'in SQL':>9}")
    for name, call in flows.items():
        times, counts, sql_times, status = [], [], [], None
        for n in range(args.repeat):
            with transaction.atomic():
                with CaptureQueriesContext(connection) as queries:
                    started = time.perf_counter()
                    response = call(n)
                    times.append((time.perf_counter() - started) * 1000)
                counts.append(len(queries))
                sql_times.append(sum(float(q["time"]) for q in queries.captured_queries) * 1000)
                status = response.status_code
                transaction.set_rollback(True)
            if args.sql == name and n == args.repeat - 1:
                for sql, count in Counter(q["sql"] for q in queries.captured_queries).most_common():
                    print(f"{count:>4} x {sql[:300]}")
        print(
            f"{name:<26}{status:>7}{max(counts):>9}{statistics.median(times):>11.1f}{max(times):>9.1f}"
            f"{statistics.median(sql_times):>9.1f}"
        )


if __name__ == "__main__":
    main()
