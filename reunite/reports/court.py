"""The court report: where every family of an organisation stood at a chosen moment, in
the categories of the Ms. L. v. ICE joint status reports.

Reproducible by construction: every figure is computed from the dated history as the
portal knew it at `as_of`, never from the current state of a record, so asking again for
the same moment gives the same counts (and the same digest), whatever happened since.

- A case counts once it was opened (`opened_at <= as_of`); its stage at `as_of` is the
  `to_stage` of its last transition at or before `as_of`.
- A child counts in the case it most recently joined by `as_of`: reunified, discharged
  otherwise (the closing outcome), or still in process.
- A parent (an adult member) is classified by the custody event open on `as_of`'s date
  among those *recorded* by `as_of` (custody is often entered after the fact: a later
  entry must not rewrite an earlier report). No open event: "elsewhere or not recorded".
- Ineligibility: a flag raised by `as_of` whose status at `as_of` was "upheld". A flag's
  status history lives in the append-only audit log (each review and challenge records the
  resulting status), which is read up to `as_of`.
- Declined: the parent's latest decision in the case, decided and recorded by `as_of`, is
  "decline" and was not revoked by `as_of` (a revocation by a decision recorded later does
  not count yet).

Each figure counts distinct people. The cases behind each figure are kept (as primary
keys, never exported) for counsel's drill-down.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime

from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from reunite.accounts.models import Organization
from reunite.audit.events import EventType
from reunite.audit.models import AuditEvent
from reunite.cases.choices import (
    DecisionChoice,
    FlagCategory,
    FlagStatus,
    MemberRole,
    Outcome,
    Stage,
)
from reunite.cases.models import (
    CaseMember,
    CaseTransition,
    EligibilityFlag,
    ParentDecision,
    ReunificationCase,
)
from reunite.people.choices import CustodyKind
from reunite.people.models import CustodyEvent

# The outcomes a case closes with other than reunification, in the order reported.
DISCHARGE_OUTCOMES = [o for o in Outcome if o != Outcome.REUNIFIED]

# Where a parent is held, as the joint status reports group it.
PARENT_CUSTODY = {
    CustodyKind.ICE: "ice",
    CustodyKind.USM: "usm",
    CustodyKind.JAIL: "state",
    CustodyKind.RELEASED: "released",
    CustodyKind.REMOVED: "removed",
    CustodyKind.ABROAD: "removed",
}

SECTIONS: dict[str, Promise] = {
    "children": _("Children"),
    "parents": _("Parents"),
    "ineligible": _("Parents or adults found ineligible, by category"),
    "declined": _("Reunification declined"),
}


def _definitions() -> list[tuple[str, str, Promise]]:
    """(key, section, label) of every figure, in report order. Keys are stable codes
    (the CSV's first column); labels are in the reader's language."""
    rows: list[tuple[str, str, Promise]] = [
        ("children.identified", "children", _("Children identified")),
        ("children.reunified", "children", _("Children reunified")),
        ("children.discharged", "children", _("Children discharged otherwise (all outcomes)")),
    ]
    rows += [(f"children.discharged.{o.value}", "children", o.label) for o in DISCHARGE_OUTCOMES]
    rows += [
        ("children.in_process", "children", _("Children whose case is still open")),
        ("parents.identified", "parents", _("Parents and adults identified")),
        ("parents.ice", "parents", _("In ICE detention")),
        ("parents.usm", "parents", _("In US Marshals custody")),
        ("parents.state", "parents", _("In state or county custody")),
        ("parents.released", "parents", _("Released in the United States")),
        ("parents.removed", "parents", _("Removed, or located abroad")),
        ("parents.other", "parents", _("Elsewhere, or custody not recorded")),
        ("ineligible.any", "ineligible", _("Ineligible on any ground")),
    ]
    rows += [(f"ineligible.{c.value}", "ineligible", c.label) for c in FlagCategory]
    rows += [("declined.parents", "declined", _("Parents who declined reunification"))]
    return rows


FIGURE_KEYS = [key for key, _section, _label in _definitions()]


def stamp(moment: datetime) -> str:
    """A moment as the files and links write it: ISO 8601 in UTC, to the second."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Figure:
    key: str
    section: str
    label: Promise
    count: int
    case_pks: frozenset[int]

    @property
    def is_detail(self) -> bool:
        """A breakdown of the figure above it (shown indented)."""
        return self.key.count(".") > 1 or (
            self.key.startswith("ineligible.") and self.key != "ineligible.any"
        )


@dataclass(frozen=True)
class CourtReport:
    organization_id: str
    organization_name: str
    as_of: datetime
    generated_at: datetime
    figures: tuple[Figure, ...]

    @property
    def counts(self) -> dict[str, int]:
        return {f.key: f.count for f in self.figures}

    @property
    def digest(self) -> str:
        """SHA-256 of the organisation, the moment and the counts (not the generation
        time): the same question asked again gives the same digest."""
        payload = json.dumps(
            {
                "organization": self.organization_id,
                "as_of": stamp(self.as_of),
                "counts": self.counts,
            },
            sort_keys=True,
            separators=(",", ":"),
        )
        return hashlib.sha256(payload.encode()).hexdigest()

    def figure(self, key: str) -> Figure:
        return next(f for f in self.figures if f.key == key)

    def sections(self) -> list[tuple[Promise, list[Figure]]]:
        return [
            (label, [f for f in self.figures if f.section == section])
            for section, label in SECTIONS.items()
        ]


def compute(*, organization: Organization, as_of: datetime, now: datetime) -> CourtReport:
    """The report of `organization` at `as_of` (seconds; the caller has checked access)."""
    as_of = as_of.replace(microsecond=0)
    sets: dict[str, dict[int, set[int]]] = defaultdict(
        lambda: defaultdict(set)
    )  # key -> person -> cases

    cases = ReunificationCase.objects.filter(organization=organization, opened_at__lte=as_of)
    opened = dict(cases.values_list("pk", "opened_at"))
    stage: dict[int, tuple[str, str]] = {}
    for case_pk, to_stage, outcome in (
        CaseTransition.objects.filter(case__in=cases, at__lte=as_of)
        .order_by("at", "id")
        .values_list("case_id", "to_stage", "outcome")
    ):
        stage[case_pk] = (to_stage, outcome)  # the last one at or before as_of wins

    members = list(
        CaseMember.objects.filter(case__in=cases).values_list("case_id", "person_id", "role")
    )
    child_cases: dict[int, list[int]] = defaultdict(list)
    adult_cases: dict[int, list[int]] = defaultdict(list)
    for case_pk, person_pk, role in members:
        (child_cases if role == MemberRole.CHILD else adult_cases)[person_pk].append(case_pk)

    for child, in_cases in child_cases.items():
        case_pk = max(in_cases, key=lambda pk: (opened[pk], pk))  # the latest joined
        sets["children.identified"][child].add(case_pk)
        to_stage, outcome = stage.get(case_pk, (Stage.IDENTIFIED, ""))
        if to_stage == Stage.REUNIFIED:
            sets["children.reunified"][child].add(case_pk)
        elif to_stage == Stage.CLOSED:
            sets["children.discharged"][child].add(case_pk)
            sets[f"children.discharged.{outcome}"][child].add(case_pk)
        else:
            sets["children.in_process"][child].add(case_pk)

    held = _custody_at(adults=adult_cases.keys(), as_of=as_of)
    for adult, in_cases in adult_cases.items():
        sets["parents.identified"][adult].update(in_cases)
        sets[f"parents.{held.get(adult, 'other')}"][adult].update(in_cases)

    for key, person_pk, case_pk in _ineligible_at(
        cases=cases, organization=organization, as_of=as_of
    ):
        sets["ineligible.any"][person_pk].add(case_pk)
        sets[key][person_pk].add(case_pk)

    for person_pk, case_pk in _declined_at(cases=cases, as_of=as_of):
        sets["declined.parents"][person_pk].add(case_pk)

    figures = []
    for key, section, label in _definitions():
        people = sets.get(key, {})
        case_pks = frozenset(pk for in_cases in people.values() for pk in in_cases)
        figures.append(Figure(key, section, label, len(people), case_pks))
    return CourtReport(
        organization_id=str(organization.public_id),
        organization_name=organization.name,
        as_of=as_of,
        generated_at=now,
        figures=tuple(figures),
    )


def _custody_at(*, adults, as_of: datetime) -> dict[int, str]:
    """Each adult's custody group on `as_of`'s date, from the events recorded by then."""
    day: date = timezone.localtime(as_of).date()
    best: dict[int, tuple] = {}
    for person_pk, kind, start, end, created, pk in CustodyEvent.objects.filter(
        person_id__in=list(adults), created_at__lte=as_of
    ).values_list("person_id", "kind", "start_date", "end_date", "created_at", "pk"):
        if (start is not None and start > day) or (end is not None and end <= day):
            continue  # not started yet, or over, on that day
        rank = (start or date.min, created, pk)  # the one that started last
        if person_pk not in best or rank > best[person_pk][0]:
            best[person_pk] = (rank, kind)
    return {
        person_pk: PARENT_CUSTODY.get(kind, "other") for person_pk, (_rank, kind) in best.items()
    }


def _ineligible_at(*, cases, organization: Organization, as_of: datetime):
    """(figure key, person, case) for every flag upheld at `as_of`."""
    flags = {
        str(public_id): (person_pk, case_pk, category)
        for public_id, person_pk, case_pk, category in EligibilityFlag.objects.filter(
            case__in=cases, raised_at__lte=as_of, created_at__lte=as_of
        ).values_list("public_id", "person_id", "case_id", "category")
    }
    if not flags:
        return []
    status = dict.fromkeys(flags, FlagStatus.RAISED.value)
    events = (
        AuditEvent.objects.filter(
            organization_id=organization.public_id,
            event_type__in=[
                EventType.ELIGIBILITY_FLAG_REVIEWED,
                EventType.ELIGIBILITY_FLAG_CHALLENGED,
            ],
            occurred_at__lte=as_of,
        )
        .order_by("id")  # insert order: seq is empty until the event is sealed
        .values_list("target_id", "data")
    )
    for target_id, data in events:
        if target_id in status and data.get("status"):
            status[target_id] = data["status"]
    return [
        (f"ineligible.{category}", person_pk, case_pk)
        for flag_id, (person_pk, case_pk, category) in flags.items()
        if status[flag_id] == FlagStatus.UPHELD
    ]


def _declined_at(*, cases, as_of: datetime):
    """(parent, case) whose standing decision at `as_of` was to decline."""
    decisions = list(
        ParentDecision.objects.filter(case__in=cases).values_list(
            "case_id", "parent_id", "choice", "decided_at", "revoked_at", "created_at", "pk"
        )
    )
    # A revocation at t by a decision recorded after as_of is not known at as_of.
    unknown_supersessions = {
        (case_pk, parent_pk, decided)
        for case_pk, parent_pk, _c, decided, _r, created, _pk in decisions
        if created > as_of
    }
    standing: dict[tuple[int, int], tuple] = {}
    for case_pk, parent_pk, choice, decided, revoked, created, pk in decisions:
        if decided > as_of or created > as_of:
            continue
        key = (case_pk, parent_pk)
        if key not in standing or (decided, pk) > standing[key][0]:
            standing[key] = ((decided, pk), choice, revoked)
    declined = []
    for (case_pk, parent_pk), (_rank, choice, revoked) in standing.items():
        revoked_by_then = (
            revoked is not None
            and revoked <= as_of
            and (case_pk, parent_pk, revoked) not in unknown_supersessions
        )
        if choice == DecisionChoice.DECLINE and not revoked_by_then:
            declined.append((parent_pk, case_pk))
    return declined
