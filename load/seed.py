"""Fill the load test's own PostgreSQL database with synthetic data, fast.

    .venv/bin/python load/seed.py [--people 100000] [--cases 20000] [--drop]

Drops and re-creates the database named by LOAD_DATABASE_URL (default `reunite_load` on
127.0.0.1:5432), migrates it, then writes, all synthetic (reunite.matching.synth):

- 4 organisations in two pairs: a children's legal service and a parents' one each;
  per organisation 1 admin, 10 verified attorneys and 4 legal assistants, every one
  with a TOTP authenticator (60 accounts; the password is load.common.PASSWORD);
- `--people` people through the import's bulk path (reunite.people.bulk): children
  as clients in an ORR shelter with the parents they name described, and one parent as
  a client in ICE detention or removed, describing the children; names, A-numbers,
  custody, tracing consent and family links;
- match candidates across each pair (the described parent against the registered one,
  each described child against the registered child), mostly waiting for review;
- `--cases` reunification cases (one per family on each side), at every stage, each
  with its opening transition and two or three tasks (some overdue).

The candidates and cases are written with the ORM's bulk_create, not through the
services: a load database is a fixture, and the audit chain records the imports (one
event per batch, as any import) but not one event per seeded case. Prints the time
each part took and writes var/load/manifest.json: the accounts, their TOTP secrets and
samples of their organisation's people, candidates, cases and search terms.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from load import common

ORGS = (
    "Load Children's Legal Service North",
    "Load Parents' Defence North",
    "Load Children's Legal Service South",
    "Load Parents' Defence South",
)
ATTORNEYS, ASSISTANTS = 10, 4
BATCH = 2500  # items per people_bulk_create call, as IMPORT_BATCH_SIZE
SHELTERS = ("Casa Esperanza", "Southwest Key Estrella", "Bethany Cradle", "BCFS Harlingen")
DETENTION = ("Port Isabel SPC", "Otay Mesa DC", "South Texas FRC", "Eloy DC", "Adelanto ICE")
CITIES = (("Harlingen", "TX"), ("San Diego", "CA"), ("Eloy", "AZ"), ("El Paso", "TX"))
CONTRIBUTIONS = [
    [
        {"field": "given_name", "level": "exact", "weight": 6.1, "text": "given names agree"},
        {"field": "surname", "level": "swapped", "weight": 7.4, "text": "surnames swapped"},
        {"field": "birth_date", "level": "year", "weight": 2.2, "text": "birth year agrees"},
        {"field": "sex", "level": "exact", "weight": 1.0, "text": "sex agrees"},
    ],
    [
        {"field": "given_name", "level": "phonetic", "weight": 3.9, "text": "sound the same"},
        {"field": "surname", "level": "exact", "weight": 8.0, "text": "surnames agree"},
        {"field": "birth_date", "level": "null", "weight": 0.0, "text": "no date"},
    ],
]


def log(message: str) -> None:
    print(message, flush=True)


def recreate_database(*, create: bool = True) -> None:
    import psycopg

    url = urlsplit(common.DATABASE_URL)
    name = url.path.lstrip("/")
    if not name.startswith("reunite_load"):
        raise SystemExit(
            f"Refusing to drop {name!r}: the load database's name starts with reunite_load."
        )
    admin = url._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if create:
            conn.execute(f'CREATE DATABASE "{name}"')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--cases", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--drop", action="store_true", help="only drop the load database")
    args = parser.parse_args()
    if args.drop:
        recreate_database(create=False)
        return

    started = time.perf_counter()
    common.apply_environment()
    recreate_database()
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    log(f"database created and migrated in {time.perf_counter() - started:.1f} s")
    Seeder(args).run(started)


class Seeder:
    def __init__(self, args):
        self.args = args
        self.rng = random.Random(args.seed)  # noqa: S311 - synthetic data, not secrets
        self.now = datetime.now(UTC)
        self.today = self.now.date()

    def run(self, started: float) -> None:
        t0 = time.perf_counter()
        staff = self.accounts()
        log(f"{len(staff)} accounts with TOTP in {time.perf_counter() - t0:.1f} s")
        t0 = time.perf_counter()
        families = self.people(staff)
        people = sum(f["count"] for f in families)
        seconds = time.perf_counter() - t0
        log(
            f"{people} people ({len(families)} families) in {seconds:.1f} s ({people / seconds:.0f}/s)"
        )
        t0 = time.perf_counter()
        candidates = self.candidates(families)
        log(f"{len(candidates)} match candidates in {time.perf_counter() - t0:.1f} s")
        t0 = time.perf_counter()
        cases, tasks = self.cases(families, staff)
        log(f"{len(cases)} cases, {tasks} tasks in {time.perf_counter() - t0:.1f} s")
        t0 = time.perf_counter()
        self.analyze()
        log(f"ANALYZE in {time.perf_counter() - t0:.1f} s")
        self.manifest(staff, families, candidates, cases)
        log(f"seeded in {time.perf_counter() - started:.0f} s; manifest {common.MANIFEST}")

    # --- accounts -----------------------------------------------------------------------

    def accounts(self) -> list[dict]:
        from allauth.account.models import EmailAddress
        from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
        from django.contrib.auth.hashers import make_password

        from reunite.accounts import services
        from reunite.accounts.models import User
        from reunite.accounts.roles import Role

        hashed = make_password(common.PASSWORD)  # one argon2 hash for every load account
        staff = []
        for index, name in enumerate(ORGS):
            org = services.organization_create(name=name)
            roles = (
                [Role.ORG_ADMIN] + [Role.ATTORNEY] * ATTORNEYS + [Role.LEGAL_ASSISTANT] * ASSISTANTS
            )
            for n, role in enumerate(roles):
                email = f"{role.replace('_', '-')}{n:02d}@org{index + 1}.load.reunite.test"
                user = User.objects.create(
                    email=email, full_name=f"Load {role} {index + 1}-{n:02d}", password=hashed
                )
                EmailAddress.objects.create(user=user, email=email, primary=True, verified=True)
                secret = generate_totp_secret()
                TOTP.activate(user, secret)
                membership = services.membership_create(organization=org, user=user, role=role)
                if role == Role.ATTORNEY:
                    membership.bar_number, membership.bar_state = f"LOAD{membership.pk:04d}", "TX"
                    membership.attorney_verified_at = self.now
                    membership.save()
                staff.append(
                    {
                        "email": email,
                        "role": role,
                        "org": index,
                        "totp": secret,
                        "membership": membership,
                    }
                )
        return staff

    # --- people -------------------------------------------------------------------------

    def people(self, staff) -> list[dict]:
        """Families until --people are registered: on the children's side each child a
        client (the first naming both parents), on the parents' side one parent a client
        naming every child. Returns per family the ids the later steps need."""
        from django.db import transaction

        from reunite.matching.synth import Synth
        from reunite.people.bulk import BulkPerson, people_bulk_create
        from reunite.people.choices import ConsentMethod, ConsentScope, CustodyKind, FamilyRole
        from reunite.people.services import ConsentInput, CustodyInput, PersonInput

        synth = Synth(seed=self.args.seed)
        actors = {s["org"]: s["membership"] for s in staff if s["role"] == "org_admin"}
        rng = self.rng

        def data(p, role, kind="client"):
            return PersonInput(
                family_role=role,
                kind=kind,
                given_names=p.given,
                paternal_surname=p.paternal,
                maternal_surname=p.maternal,
                sex=p.sex,
                birth_date=f"{p.dob[0]:04d}-{p.dob[1]:02d}-{p.dob[2]:02d}",
                country_of_birth=p.country,
                place_of_birth=p.place,
            )

        def custody(kind, facility):
            city, state = rng.choice(CITIES)
            start = self.today - timedelta(days=rng.randint(20, 400))
            verified = self.today - timedelta(days=rng.randint(0, 60))
            return CustodyInput(
                kind=kind,
                facility=facility,
                city=city,
                state=state,
                start_date=start,
                source="load seed",
                last_verified_on=verified,
            )

        consent = ConsentInput(
            scope=ConsentScope.TRACING, method=ConsentMethod.IN_PERSON, language="es"
        )
        families: list[dict] = []
        made = 0
        pending: dict[int, list] = {0: [], 1: [], 2: [], 3: []}  # org -> [(family, side, item)]

        def flush(org):
            items = pending[org]
            if not items:
                return
            with transaction.atomic():
                created = people_bulk_create(
                    actor=actors[org],
                    items=[i for _f, _s, i in items],
                    today=self.today,
                    now=self.now,
                    audit_data={"source": "load seed"},
                    announce=False,
                )
            relatives = iter(created.person_ids[len(created.client_ids) :])
            for (family, side, item), client_id in zip(items, created.client_ids, strict=True):
                family[side].append(("client", client_id))
                for _data, _rel in item.relatives:
                    family[side].append(("described", next(relatives)))
            pending[org] = []

        while made < self.args.people:
            children = synth.population(1)[:4]
            children = [c for c in children if c.mother is children[0].mother]
            mother, father = children[0].mother, children[0].father
            pair = len(families) % 2  # alternate the North and South pairs
            child_org, parent_org = 2 * pair, 2 * pair + 1
            family = {
                "child_org": child_org,
                "parent_org": parent_org,
                "children": [],
                "parents": [],
                "count": 2 * len(children) + 3,
            }
            families.append(family)
            for n, child in enumerate(children):
                relatives = (
                    [
                        (data(mother, FamilyRole.PARENT, "described"), "mother"),
                        (data(father, FamilyRole.PARENT, "described"), "father"),
                    ]
                    if n == 0
                    else []
                )
                item = BulkPerson(
                    data=data(child, FamilyRole.CHILD),
                    identifiers=[("a_number", child.a_number)],
                    custody=custody(CustodyKind.ORR, rng.choice(SHELTERS)),
                    relatives=relatives,
                    consent=consent,
                )
                pending[child_org].append((family, "children", item))
            parent = mother if rng.random() < 0.6 else father
            item = BulkPerson(
                data=data(parent, FamilyRole.PARENT),
                identifiers=[("a_number", parent.a_number)],
                custody=custody(CustodyKind.ICE, rng.choice(DETENTION))
                if rng.random() < 0.7
                else custody(CustodyKind.REMOVED, ""),
                relatives=[
                    (
                        data(c, FamilyRole.CHILD, "described"),
                        "mother" if parent is mother else "father",
                    )
                    for c in children
                ],
                consent=consent,
            )
            pending[parent_org].append((family, "parents", item))
            family["parent_is_mother"] = parent is mother
            made += family["count"]
            for org, items in pending.items():
                if len(items) >= BATCH:
                    flush(org)
        for org in pending:
            flush(org)
        return families

    # --- candidates ---------------------------------------------------------------------

    def candidates(self, families) -> list[tuple[int, int, int]]:
        """(candidate id, subject org, candidate org) of every candidate made."""
        from reunite.tracing.models import CandidateStatus, MatchCandidate

        rng = self.rng
        statuses = [CandidateStatus.POTENTIAL] * 8 + [
            CandidateStatus.NEEDS_INFO,
            CandidateStatus.REJECTED,
        ]
        rows, orgs = [], []
        ids = self._org_ids()
        for family in families:
            children_side, parents_side = family["children"], family["parents"]
            # Children's side: [client child 1, described mother, described father, client child 2...]
            described_parent = children_side[1 if family["parent_is_mother"] else 2][1]
            registered_parent = parents_side[0][1]
            pairs = [
                (described_parent, registered_parent, family["child_org"], family["parent_org"])
            ]
            registered_children = [pid for kind, pid in children_side if kind == "client"]
            described_children = [pid for kind, pid in parents_side if kind == "described"]
            pairs += [
                (d, r, family["parent_org"], family["child_org"])
                for d, r in zip(described_children, registered_children, strict=True)
            ]
            for subject, candidate, s_org, c_org in pairs:
                probability = round(rng.uniform(0.5, 0.999), 4)
                rows.append(
                    MatchCandidate(
                        subject_id=subject,
                        candidate_id=candidate,
                        subject_organization_id=ids[s_org],
                        candidate_organization_id=ids[c_org],
                        match_probability=probability,
                        match_weight=round(probability * 20, 2),
                        contributions=rng.choice(CONTRIBUTIONS),
                        model_version="load-seed",
                        status=rng.choice(statuses),
                    )
                )
                orgs.append((s_org, c_org))
        made = MatchCandidate.objects.bulk_create(rows, batch_size=2000)
        # Found over the last 500 days, not all this minute: the dashboard lists the last
        # two weeks' new candidates, a few hundred, not all 43,000.
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE tracing_matchcandidate SET created_at = created_at"
                " - random() * interval '500 days', updated_at = created_at"
            )
        return [(m.pk, s, c) for m, (s, c) in zip(made, orgs, strict=True)]

    def _org_ids(self) -> dict[int, int]:
        from reunite.accounts.models import Organization

        by_name = dict(Organization.objects.values_list("name", "pk"))
        return {index: by_name[name] for index, name in enumerate(ORGS)}

    # --- cases --------------------------------------------------------------------------

    def cases(self, families, staff) -> tuple[list[tuple[int, int]], int]:
        """(case id, org) of every case; and the number of tasks."""
        from django.db import transaction

        from reunite.cases.choices import MemberRole, Outcome, Stage, TaskKind
        from reunite.cases.models import CaseMember, CaseTransition, ReunificationCase, Task

        rng = self.rng
        ids = self._org_ids()
        users = {}
        for s in staff:
            users.setdefault((s["org"], s["role"]), []).append(s["membership"].user_id)
        stages = [s for s in Stage if s not in (Stage.REUNIFIED, Stage.CLOSED)]
        numbers = {org: 0 for org in ids}
        plans = []  # (org, members [(person id, role)])
        for family in families:
            kids = [pid for kind, pid in family["children"] if kind == "client"]
            named = [pid for kind, pid in family["children"] if kind == "described"]
            plans.append(
                (
                    family["child_org"],
                    [(k, MemberRole.CHILD) for k in kids] + [(a, MemberRole.ADULT) for a in named],
                )
            )
            parent = family["parents"][0][1]
            described = [pid for kind, pid in family["parents"] if kind == "described"]
            plans.append(
                (
                    family["parent_org"],
                    [(parent, MemberRole.ADULT)] + [(c, MemberRole.CHILD) for c in described],
                )
            )
            if len(plans) >= self.args.cases:
                break
        made, tasks = [], 0
        for start in range(0, len(plans), 2000):
            chunk = plans[start : start + 2000]
            with transaction.atomic():
                cases = []
                for org, _members in chunk:
                    numbers[org] += 1
                    opened = self.now - timedelta(
                        days=rng.randint(1, 500), minutes=rng.randint(0, 1440)
                    )
                    stage = (
                        rng.choice(stages)
                        if rng.random() < 0.85
                        else rng.choice([Stage.REUNIFIED, Stage.CLOSED])
                    )
                    ended = stage in (Stage.REUNIFIED, Stage.CLOSED)
                    attorney = rng.choice(users[(org, "attorney")])
                    cases.append(
                        ReunificationCase(
                            organization_id=ids[org],
                            # Numbered within the opening year, as the service does.
                            reference=f"RC-{opened.year}-{numbers[org]:04d}",
                            stage=stage,
                            outcome=(
                                Outcome.REUNIFIED if stage == Stage.REUNIFIED else Outcome.OTHER
                            )
                            if ended
                            else "",
                            outcome_reason="load seed" if ended else "",
                            attorney_id=attorney,
                            assistant_id=rng.choice(users[(org, "legal_assistant")]),
                            opened_by_id=attorney,
                            opened_at=opened,
                            stage_changed_at=opened,
                            closed_at=opened + timedelta(days=1) if ended else None,
                        )
                    )
                cases = ReunificationCase.objects.bulk_create(cases)
                members, transitions, todo = [], [], []
                for case, (org, people) in zip(cases, chunk, strict=True):
                    members += [CaseMember(case=case, person_id=p, role=r) for p, r in people]
                    transitions.append(
                        CaseTransition(
                            case=case,
                            from_stage="",
                            to_stage=case.stage,
                            actor_id=case.opened_by_id,
                            at=case.opened_at,
                        )
                    )
                    for n in range(rng.choice((2, 2, 3))):
                        due = self.today + timedelta(days=rng.randint(-30, 60))
                        todo.append(
                            Task(
                                case=case,
                                title=f"Load task {n + 1}",
                                kind=rng.choice(list(TaskKind)),
                                due_on=due,
                                assignee_id=case.assistant_id,
                                created_by_id=case.opened_by_id,
                                done_at=self.now if rng.random() < 0.3 else None,
                            )
                        )
                    made.append((case.pk, org))
                CaseMember.objects.bulk_create(members)
                CaseTransition.objects.bulk_create(transitions)
                Task.objects.bulk_create(todo)
                tasks += len(todo)
        return made, tasks

    def analyze(self) -> None:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    # --- the manifest the locust users read -----------------------------------------------

    def manifest(self, staff, families, candidates, cases) -> None:
        """Per organisation: samples of its people, candidates and cases (public ids),
        and surnames to search for. Synthetic data only, in var/load (git-ignored)."""
        from reunite.cases.models import ReunificationCase
        from reunite.people.models import Person
        from reunite.tracing.models import CandidateStatus, MatchCandidate

        rng = self.rng
        ids = self._org_ids()
        out = {"accounts": [], "orgs": {}}
        for s in staff:
            out["accounts"].append({k: s[k] for k in ("email", "role", "org", "totp")})
        for org, pk in ids.items():
            people = list(
                Person.objects.filter(organization_id=pk, kind="client")
                .order_by("?")
                .values_list("public_id", flat=True)[:2000]
            )
            surnames = set()
            for person in Person.objects.filter(
                pk__in=Person.objects.filter(organization_id=pk).order_by("?").values("pk")[:300]
            ):
                surnames.add(person.paternal_surname)
                surnames.add(f"{person.given_names.split()[0]} {person.paternal_surname}")
            mine = [c for c, s, cand in candidates if s == org or cand == org]
            sample = rng.sample(mine, min(1000, len(mine)))
            # Reviewable ones: "needs more information" is refused on a rejected candidate.
            matches = list(
                MatchCandidate.objects.filter(pk__in=sample)
                .exclude(status=CandidateStatus.REJECTED)
                .values_list("public_id", flat=True)
            )
            org_cases = [c for c, o in cases if o == org]
            sample = rng.sample(org_cases, min(1000, len(org_cases)))
            open_cases = list(
                ReunificationCase.objects.filter(pk__in=sample, closed_at__isnull=True).values_list(
                    "public_id", flat=True
                )
            )
            out["orgs"][str(org)] = {
                "people": [str(p) for p in people],
                "matches": [str(m) for m in matches],
                "cases": [str(c) for c in open_cases],
                "searches": sorted(s for s in surnames if s),
            }
        common.MANIFEST.write_text(json.dumps(out), encoding="utf-8")


if __name__ == "__main__":
    main()
