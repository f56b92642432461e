"""The dashboard's reads, scoped by the actor. Each is one query (or two), whatever the
size of the organisation: lists are cut to a few rows, figures are aggregated in SQL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, F, Max, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone

from reunite.accounts.access import has
from reunite.accounts.models import Membership
from reunite.accounts.roles import Capability
from reunite.cases.access import visible_cases
from reunite.cases.choices import Stage
from reunite.cases.models import ENDED, CaseTransition, ReunificationCase, Task
from reunite.cases.selectors import case_list, tasks_overdue
from reunite.funds.access import can_read_ledger
from reunite.funds.models import AccountCode, Entry, Fund
from reunite.people.choices import RecordKind
from reunite.people.models import CustodyEvent, Person
from reunite.people.selectors import person_list
from reunite.tracing.models import CandidateStatus, MatchCandidate
from reunite.tracing.selectors import match_list

LIST_SIZE = 8
NEW_CANDIDATE_DAYS = 14


def can_see_figures(actor: Membership) -> bool:
    """Case figures are counts: whoever sees clients or audits the organisation."""
    return has(actor, Capability.VIEW_CLIENTS) or has(actor, Capability.VIEW_AUDIT)


def my_open_cases(*, actor: Membership) -> list[ReunificationCase]:
    return list(case_list(actor=actor, mine=True).exclude(stage__in=ENDED)[:LIST_SIZE])


def my_open_tasks(*, actor: Membership) -> list[Task]:
    """The actor's tasks not done, soonest due first (undated last)."""
    return list(
        Task.objects.filter(
            case__in=visible_cases(actor=actor), assignee=actor.user, done_at__isnull=True
        )
        .select_related("case")
        .order_by(F("due_on").asc(nulls_last=True), "created_at")[:LIST_SIZE]
    )


def overdue_count(*, actor: Membership, today: date) -> int:
    return tasks_overdue(actor=actor, today=today).count()


def new_candidates(*, actor: Membership, now: datetime) -> list[MatchCandidate]:
    """Possible matches found in the last two weeks and not reviewed yet, newest first."""
    return list(
        match_list(actor=actor, status=CandidateStatus.POTENTIAL)
        .filter(created_at__gte=now - timedelta(days=NEW_CANDIDATE_DAYS))
        .order_by("-created_at")[:LIST_SIZE]
    )


def stale_custody(*, actor: Membership, today: date) -> tuple[list[Person], int]:
    """Visible clients whose freshest custody information (the latest verification, or
    the start of a stay never verified) is older than CUSTODY_STALE_DAYS or undated: the
    oldest first (as `person.verified`), and how many there are in all.

    The scan covers every client of the organisation (at 100,000 people: 60-70 ms, the
    dashboard's dearest query), so its result (ids, dates and the count: never a name)
    is kept DASHBOARD_CACHE_SECONDS per organisation and day; a list of information a
    month old does not need to be fresher than a minute."""
    key = f"dashboard:stale:{actor.organization_id}:{today.isoformat()}"
    found = cache.get(key)
    if found is None:
        found = _stale_custody_scan(actor=actor, today=today)
        cache.set(key, found, settings.DASHBOARD_CACHE_SECONDS)
    oldest, count = found
    people = person_list(actor=actor).filter(pk__in=[pk for pk, _verified in oldest])
    by_pk = {p.pk: p for p in people}
    rows = []
    for pk, verified in oldest:
        if pk in by_pk:  # deleted or unshared since the scan: left out
            by_pk[pk].verified = verified
            rows.append(by_pk[pk])
    return rows, count


def _stale_custody_scan(*, actor: Membership, today: date) -> tuple[list[tuple[int, date]], int]:
    """One aggregate over the custody events, not a subquery per person (at 10,000 people
    on PostgreSQL, on a loaded machine: 10-36 ms against 110-220 ms)."""
    cutoff = today - timedelta(days=settings.CUSTODY_STALE_DAYS)
    clients = person_list(actor=actor).filter(kind=RecordKind.CLIENT)
    stale = (
        CustodyEvent.objects.filter(person__in=clients.values("pk"))
        .values("person")
        .annotate(verified=Max(Coalesce("last_verified_on", "start_date")))
        .filter(Q(verified__isnull=True) | Q(verified__lt=cutoff))
    )
    oldest = [
        (row["person"], row["verified"])
        for row in stale.order_by(F("verified").asc(nulls_first=True), "person")[:LIST_SIZE]
    ]
    return oldest, stale.count() if len(oldest) == LIST_SIZE else len(oldest)


# --- Organisation figures ---------------------------------------------------------------


def _org_cases(actor: Membership) -> QuerySet[ReunificationCase]:
    return ReunificationCase.objects.filter(organization=actor.organization)


def reunifications_by_month(
    *, actor: Membership, now: datetime, months: int = 12
) -> list[tuple[date, int]]:
    """Cases that reached "reunified", per calendar month, the last `months` months
    (the current one included), oldest first; months without any are zero."""
    local = timezone.localtime(now)
    firsts = []
    year, month = local.year, local.month
    for _ in range(months):
        firsts.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    firsts.reverse()
    start = timezone.make_aware(datetime(firsts[0].year, firsts[0].month, 1))
    rows = (
        CaseTransition.objects.filter(
            case__organization=actor.organization, to_stage=Stage.REUNIFIED, at__gte=start
        )
        .annotate(month=TruncMonth("at"))
        .values("month")
        .annotate(n=Count("id"))
    )
    counts = {}
    for row in rows:
        month = row["month"]
        month = timezone.localtime(month).date() if isinstance(month, datetime) else month
        counts[(month.year, month.month)] = row["n"]
    return [(first, counts.get((first.year, first.month), 0)) for first in firsts]


def cases_by_stage(*, actor: Membership) -> list[tuple[str, int]]:
    """Every stage, in workflow order, with the organisation's cases at it now."""
    counts = dict(_org_cases(actor).values_list("stage").annotate(n=Count("id")))
    return [(stage, counts.get(stage, 0)) for stage in Stage.values]


@dataclass(frozen=True)
class FundFlow:
    fund: str
    label: str
    received: int  # cents into the fund's cash
    paid: int  # cents out of it


def money_by_fund(*, actor: Membership) -> list[FundFlow] | None:
    """Cash into and out of each fund from the posted legs (None: the role does not read
    the ledger)."""
    if not can_read_ledger(actor):
        return None
    rows = {
        row["account__fund"]: row
        for row in Entry.objects.filter(
            transaction__organization=actor.organization,
            transaction__posted=True,
            account__code=AccountCode.CASH,
        )
        .values("account__fund")
        .annotate(
            received=Sum("amount_cents", filter=Q(amount_cents__gt=0)),
            paid=Sum("amount_cents", filter=Q(amount_cents__lt=0)),
        )
    }
    flows = []
    for fund in Fund:
        row = rows.get(fund.value, {})
        flows.append(
            FundFlow(
                fund=fund.value,
                label=str(fund.label),
                received=int(row.get("received") or 0),
                paid=-int(row.get("paid") or 0),
            )
        )
    return flows
