"""The court report page, its CSV and PDF exports, and counsel's drill-down."""

from __future__ import annotations

from datetime import UTC

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from reunite.accounts.decorators import member_view
from reunite.audit.events import EventType
from reunite.audit.services import record
from reunite.core.errors import Forbidden, Invalid, NotFound
from reunite.reports import exports, selectors
from reunite.reports.access import can_drill_down, can_read_report
from reunite.reports.court import stamp
from reunite.reports.forms import AsOfForm, FigureForm

CASES_PAGE_SIZE = 50


def _report(request, form):
    """The report at the form's moment (empty: now), or None with the form's errors."""
    now = timezone.now().replace(microsecond=0)
    if not form.is_valid():
        return None
    try:
        return selectors.court_report(
            actor=request.membership, as_of=form.cleaned_data["as_of"] or now, now=now
        )
    except Invalid as exc:
        form.add_error("as_of", exc.message)
        return None


def _audit(request, event_type, report, **data):
    record(
        event_type=event_type,
        actor=request.user,
        organization=request.membership.organization,
        data={"as_of": stamp(report.as_of), "digest": report.digest, **data},
    )


@member_view()
def court_report(request):
    if not can_read_report(request.membership):
        raise Forbidden()
    form = AsOfForm(request.GET or {})
    report = _report(request, form)
    if report is not None:
        _audit(request, EventType.COURT_REPORT_VIEWED, report)
        form = AsOfForm(initial={"as_of": timezone.localtime(report.as_of)})
    context = {
        "form": form,
        "report": report,
        "as_of_param": stamp(report.as_of) if report else "",
        "drill_down": can_drill_down(request.membership),
    }
    return render(request, "reports/court_report.html", context)


def _export(request, fmt: str):
    if not can_read_report(request.membership):
        raise Forbidden()
    form = AsOfForm(request.GET)
    report = _report(request, form)
    if report is None:
        raise NotFound()
    _audit(request, EventType.COURT_REPORT_EXPORTED, report, format=fmt)
    name = f"court-report-{report.as_of.astimezone(UTC):%Y%m%dT%H%M%SZ}.{fmt}"
    if fmt == "csv":
        response = HttpResponse(exports.report_csv(report), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(exports.report_pdf(report), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@member_view()
def court_report_csv(request):
    return _export(request, "csv")


@member_view()
def court_report_pdf(request):
    return _export(request, "pdf")


@member_view()
def court_report_cases(request):
    """The cases behind one figure, for counsel. Everyone else: 403."""
    if not can_drill_down(request.membership):
        raise Forbidden()
    form = FigureForm(request.GET)
    if not form.is_valid():
        return redirect("reports:court")
    now = timezone.now().replace(microsecond=0)
    try:
        report, figure, cases = selectors.court_report_cases(
            actor=request.membership,
            as_of=form.cleaned_data["as_of"] or now,
            key=form.cleaned_data["figure"],
            now=now,
        )
    except Invalid as exc:
        raise NotFound() from exc
    page = Paginator(cases, CASES_PAGE_SIZE).get_page(request.GET.get("page"))
    _audit(
        request,
        EventType.COURT_REPORT_CASES_LISTED,
        report,
        figure=figure.key,
        count=len(figure.case_pks),
    )
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "report": report,
        "figure": figure,
        "page": page,
        "as_of_param": stamp(report.as_of),
        "query": query.urlencode(),
    }
    return render(request, "reports/court_cases.html", context)
