"""Registry benchmark: the people list and search at 100,000 people.

    python bench/bench_registry.py [--people 100000] [--repeat 30]

Uses a fresh SQLite file in a temporary folder, or the database named by DATABASE_URL
(its tables are created with migrate; use a scratch database). People are inserted in
bulk (sealed fields and blind-index search keys as the services write them), then each
query of the people list runs `--repeat` times; p50/p95 are printed in milliseconds.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()

    scratch = tempfile.mkdtemp(prefix="reunite-bench-")
    os.environ.setdefault("REUNITE_DATA_DIR", scratch)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    call_command("migrate", verbosity=0)
    from reunite.accounts.models import Membership, Organization, User
    from reunite.accounts.roles import Role
    from reunite.matching.synth import Synth
    from reunite.people import search
    from reunite.people.choices import FamilyRole, IdentifierKind
    from reunite.people.models import Identifier, Person, SearchKey
    from reunite.people.selectors import person_detail, person_list

    organization = Organization.objects.create(name=f"Bench org {time.time_ns()}")
    user = User.objects.create_user(f"bench{time.time_ns()}@example.org", "x", full_name="Bench")
    actor = Membership.objects.create(user=user, organization=organization, role=Role.ATTORNEY)

    synth = Synth(seed=7)
    started = time.perf_counter()
    batch = 2000
    people_made = 0
    target_surname = target_number = None
    while people_made < args.people:
        with transaction.atomic():
            people, keys, identifiers = [], [], []
            for child in synth.population(batch // 2):
                if len(people) >= batch or people_made + len(people) >= args.people:
                    break
                person = Person(
                    organization=organization,
                    family_role=FamilyRole.CHILD,
                    given_names=child.given,
                    paternal_surname=child.paternal,
                    maternal_surname=child.maternal,
                    sex=child.sex,
                    birth_date=f"{child.dob[0]:04d}-{child.dob[1]:02d}-{child.dob[2]:02d}",
                    country_of_birth=child.country,
                    retention_until=date(2033, 1, 1),
                )
                people.append((person, child))
            Person.objects.bulk_create([p for p, _ in people])
            for person, child in people:
                digests = search.name_digests([child.given, child.paternal, child.maternal])
                canonical = child.a_number
                digests.add(search.identifier_digest(canonical))
                keys += [SearchKey(person=person, digest=d) for d in digests]
                identifiers.append(
                    Identifier(
                        person=person,
                        kind=IdentifierKind.A_NUMBER,
                        value=canonical,
                        lookup=search.identifier_digest(canonical),
                    )
                )
            SearchKey.objects.bulk_create(keys)
            Identifier.objects.bulk_create(identifiers)
            people_made += len(people)
            if target_surname is None:
                target_surname, target_number = people[0][1].maternal, people[0][1].a_number
    load_seconds = time.perf_counter() - started
    misspelled = target_surname.replace("z", "s").replace("v", "b") + ("" if "z" in target_surname else "h")

    def timed(label, run):
        samples = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            result = run()
            samples.append((time.perf_counter() - t0) * 1000)
        samples.sort()
        p95 = samples[max(0, int(len(samples) * 0.95) - 1)]
        print(f"{label:<48} p50 {statistics.median(samples):7.1f} ms   p95 {p95:7.1f} ms   ({result} rows)")

    def page(query):
        return lambda: len(list(person_list(actor=actor, query=query)[:25]))

    first = Person.objects.filter(organization=organization).first()
    print(f"database: {connection.vendor}; {people_made} people loaded in {load_seconds:.0f} s")
    timed("people list, first page (no search)", page(""))
    timed("search one common surname, first page", page(target_surname))
    timed("search a misspelled surname, first page", page(misspelled))
    timed("search given name + surname, any order", page(f"{target_surname} {first.given_names}"))
    timed("search an A-number written with dashes", page(f"{target_number[:4]}-{target_number[4:7]}-{target_number[7:]}"))
    timed("person page data (person_detail)", lambda: len(person_detail(person=first).identifiers.all()))


if __name__ == "__main__":
    main()
