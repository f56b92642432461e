"""Home, the audit page and the error pages."""

from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from reunite.accounts.access import has
from reunite.accounts.decorators import member_view
from reunite.accounts.roles import Capability
from reunite.accounts.selectors import member_list
from reunite.audit.events import EventType
from reunite.audit.selectors import AuditFilter, audit_events
from reunite.audit.services import record
from reunite.cases.choices import Stage
from reunite.dashboard import charts, selectors
from reunite.dashboard.forms import AuditFilterForm
from reunite.people.selectors import current_custody
from reunite.tracing.selectors import waiting_counts

AUDIT_PAGE_SIZE = 50


def _money(cents: int) -> str:
    return f"${cents / 100:,.2f}" if cents % 100 else f"${cents // 100:,}"


def _month_label(first, index: int) -> str:
    """ "Nov", with the year under the first month shown and under each January."""
    month = date_format(first, "M")
    return f"{month}\n{first.year}" if index == 0 or first.month == 1 else month


def _charts(actor, *, now) -> list[charts.Chart]:
    months = selectors.reunifications_by_month(actor=actor, now=now)
    stages = selectors.cases_by_stage(actor=actor)
    drawn = [
        charts.bar_chart(
            slug="reunifications",
            title=_("Reunifications, month by month"),
            description=_("Cases that reached “reunified” in each of the last 12 months."),
            categories=[_month_label(first, i) for i, (first, _n) in enumerate(months)],
            series=[_("Reunifications")],
            values=[[n] for _first, n in months],
        ),
        charts.bar_chart(
            slug="stages",
            title=_("Cases by stage"),
            description=_("The organisation's cases at each stage now."),
            categories=[str(Stage(stage).label) for stage, _n in stages],
            series=[_("Cases")],
            values=[[n] for _stage, n in stages],
            horizontal=True,
        ),
    ]
    flows = selectors.money_by_fund(actor=actor)
    if flows is not None:
        drawn.append(
            charts.bar_chart(
                slug="money",
                title=_("Money in and out, by fund"),
                description=_(
                    "Cash received into and paid out of each fund, from the posted ledger."
                ),
                categories=[flow.label for flow in flows],
                series=[_("Received"), _("Paid out")],
                values=[[flow.received, flow.paid] for flow in flows],
                fmt=_money,
                least_scale=100,
            )
        )
    return drawn


@member_view()
def home(request):
    actor = request.membership
    now, today = timezone.now(), timezone.localdate()
    context: dict = {"waiting": None, "charts": [], "today": today}
    if has(actor, Capability.VIEW_CLIENTS):
        stale, stale_count = selectors.stale_custody(actor=actor, today=today)
        context.update(
            waiting=waiting_counts(actor=actor),
            my_cases=selectors.my_open_cases(actor=actor),
            my_tasks=selectors.my_open_tasks(actor=actor),
            overdue=selectors.overdue_count(actor=actor, today=today),
            candidates=selectors.new_candidates(actor=actor, now=now),
            stale=[(person, current_custody(person)) for person in stale],
            stale_count=stale_count,
        )
        shown = (["task.title"] if context["my_tasks"] else []) + (["person.name"] if stale else [])
        if shown:  # sealed values on the page: reading them is recorded
            record(
                event_type=EventType.DASHBOARD_VIEWED,
                actor=request.user,
                organization=actor.organization,
                fields=shown,
                data={"tasks": len(context["my_tasks"]), "people": len(stale)},
            )
    if selectors.can_see_figures(actor):
        context["charts"] = _charts(actor, now=now)
    return render(request, "dashboard/home.html", context)


@member_view(Capability.VIEW_AUDIT)
def audit_log(request):
    actor = request.membership
    members = list(member_list(actor=actor))
    form = AuditFilterForm(request.GET or None, members=members)
    filters = AuditFilter()
    if form.is_valid():
        data = form.cleaned_data
        filters = AuditFilter(
            event_type=data["event_type"],
            actor_id=data["actor"] or None,
            target_id=data["target_id"].strip(),
            since=data["since"],
            until=data["until"],
        )
    events = audit_events(
        organization_id=actor.organization.public_id,
        member_ids=[m.user.public_id for m in members],
        filters=filters,
    )
    page = Paginator(events, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    names = {m.user.public_id: m.user.full_name for m in members}
    rows = [(event, names.get(event.actor_id, "")) for event in page]
    record(
        event_type=EventType.AUDIT_VIEWED,
        actor=request.user,
        organization=actor.organization,
        data={"page": page.number},
    )
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "rows": rows, "query": query.urlencode()}
    return render(request, "dashboard/audit_log.html", context)


def not_found(request, exception=None):
    return render(request, "404.html", status=404)


def forbidden(request, exception=None):
    return render(request, "403.html", status=403)
