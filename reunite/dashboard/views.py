"""Home, the audit page and the error pages."""

from django.core.paginator import Paginator
from django.shortcuts import render

from reunite.accounts.access import has
from reunite.accounts.decorators import member_view
from reunite.accounts.roles import Capability
from reunite.accounts.selectors import member_list
from reunite.audit.events import EventType
from reunite.audit.selectors import AuditFilter, audit_events
from reunite.audit.services import record
from reunite.dashboard.forms import AuditFilterForm
from reunite.tracing.models import CandidateStatus
from reunite.tracing.selectors import match_list

AUDIT_PAGE_SIZE = 50


@member_view()
def home(request):
    actor = request.membership
    waiting = None
    if has(actor, Capability.VIEW_CLIENTS):
        waiting = {
            status: match_list(actor=actor, status=status).count()
            for status in (CandidateStatus.POTENTIAL, CandidateStatus.NEEDS_INFO)
        }
    return render(request, "dashboard/home.html", {"waiting": waiting})


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
