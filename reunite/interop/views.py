"""Import and export pages. Each view parses, passes the gate, calls a service or a
selector, and responds."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from reunite.accounts.decorators import member_view, require_step_up
from reunite.accounts.roles import Capability
from reunite.core.errors import Conflict, Forbidden, Invalid, Unavailable
from reunite.interop import export_services, pfif_services, services
from reunite.interop.access import access_export_request, can_approve_exports
from reunite.interop.csv_codec import write_csv
from reunite.interop.forms import (
    ExportForm,
    MappingForm,
    PfifExportForm,
    PfifUploadForm,
    RefuseExportForm,
    UploadForm,
)
from reunite.interop.models import ExportFormat, ExportKind, ExportStatus, ImportStatus
from reunite.interop.rows import FIELDS

SHOWN_REJECTS = 200
SHOWN_PEOPLE = 50
SHOWN_EXPORTS = 50


@member_view(Capability.EDIT_CLIENTS)
def import_list(request):
    """The organisation's imports, newest first, and the upload form."""
    actor = request.membership
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            job = services.import_upload(actor=actor, file_name=upload.name, data=upload.read())
        except (Invalid, Unavailable) as exc:  # Unavailable: the virus scanner is down
            form.add_error("file", exc.message)
        else:
            return redirect("interop:import", public_id=job.public_id)
    jobs = list(services.import_job_list(actor=actor)[:50])
    status = 400 if form.errors else 200  # a success has redirected
    return render(request, "interop/import_list.html", {"form": form, "jobs": jobs}, status=status)


@member_view(Capability.EDIT_CLIENTS)
def import_detail(request, public_id):
    """Before the run: a preview and the column mapping. After: progress and results."""
    actor = request.membership
    job = services.access_import_job(actor=actor, public_id=public_id)
    if job.status != ImportStatus.UPLOADED:
        return render(request, "interop/import_detail.html", _results(actor, job))
    source = request.POST.get("source", "") if request.method == "POST" else ""
    form = MappingForm(
        request.POST or None,
        columns=job.columns,
        initial_mapping=services.suggested_mapping(job=job, source_name=source),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.import_start(
                actor=actor,
                job=job,
                kind=data["kind"],
                mapping=form.mapping(),
                source_name=data["source"],
                options={
                    "consent": data["consent"],
                    "language": data["language"],
                    "custody_kind": data["custody_kind"],
                },
            )
        except (Invalid, Conflict) as exc:
            form.add_error(None, exc.message)
        else:
            return redirect("interop:import", public_id=job.public_id)
    _table, preview = services.import_preview(job=job)
    sources = list(services.import_source_list(actor=actor).values_list("name", flat=True))
    context = {"job": job, "form": form, "preview": preview, "sources": sources, "fields": FIELDS}
    return render(request, "interop/import_mapping.html", context)


def _results(actor, job) -> dict:
    context = {"job": job}
    if job.status == ImportStatus.DONE:
        context["rejected"] = list(job.rejected_rows.all()[:SHOWN_REJECTS])
        context["people"] = list(services.imported_people(actor=actor, job=job)[:SHOWN_PEOPLE])
    return context


@member_view(Capability.EDIT_CLIENTS)
def import_progress(request, public_id):
    """The progress partial htmx polls every second until the run ends; then the whole
    page is reloaded to show the results."""
    job = services.access_import_job(actor=request.membership, public_id=public_id)
    response = render(request, "interop/_progress.html", {"job": job})
    if job.finished and request.headers.get("HX-Request"):
        response["HX-Refresh"] = "true"
    return response


@member_view(Capability.EDIT_CLIENTS)
def import_rejected(request, public_id):
    """The refused rows as a CSV to fix and upload again (formulas neutralised)."""
    actor = request.membership
    job = services.access_import_job(actor=actor, public_id=public_id)
    header, rows = services.rejected_rows_file(actor=actor, job=job)
    response = HttpResponse(write_csv(header, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="rejected-{job.public_id}.csv"'
    return response


@require_POST
@member_view(Capability.EDIT_CLIENTS)
def import_resume(request, public_id):
    actor = request.membership
    job = services.access_import_job(actor=actor, public_id=public_id)
    try:
        services.import_resume(actor=actor, job=job)
    except Conflict as exc:
        messages.error(request, exc.message)
    return redirect("interop:import", public_id=job.public_id)


@member_view(Capability.EXPORT_DATA)
def export_people(request):
    """Ask for an export of people or cases: a second person approves it, then it can be
    downloaded once (export_services)."""
    form = ExportForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        return _ask(request, form, kind=data["what"] or ExportKind.PEOPLE, fmt=data["format"])
    return render(request, "interop/export.html", {"form": form})


def _ask(request, form, *, kind: str, fmt: str, include_sensitive: bool = False):
    try:
        export = export_services.export_request_create(
            actor=request.membership,
            kind=kind,
            fmt=fmt,
            purpose=form.cleaned_data["purpose"],
            include_sensitive=include_sensitive,
            now=timezone.now(),
        )
    except Invalid as exc:
        form.add_error(None, exc.message)
        template = "interop/pfif_export.html" if kind == ExportKind.PFIF else "interop/export.html"
        return render(request, template, {"form": form}, status=400)
    messages.success(
        request,
        _("Asked. A second person must approve the export before you can download it."),
    )
    return redirect("interop:export_request", public_id=export.public_id)


@member_view(Capability.EDIT_CLIENTS)
def pfif_import(request):
    """Upload a Person Finder (PFIF) file; each person lands or is reported with a reason."""
    form = PfifUploadForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        try:
            result = pfif_services.pfif_import(
                actor=request.membership,
                data=form.cleaned_data["file"].read(),
                today=timezone.localdate(),
                kind=form.cleaned_data["kind"],
            )
        except (Invalid, Unavailable) as exc:  # Unavailable: the virus scanner is down
            form.add_error("file", exc.message)
    return render(
        request,
        "interop/pfif_import.html",
        {"form": form, "result": result},
        status=400 if form.errors else 200,
    )


@member_view(Capability.EXPORT_DATA)
def pfif_export(request):
    """Ask for PFIF 1.4 of the organisation's own people (approved by a second person)."""
    form = PfifExportForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        return _ask(
            request,
            form,
            kind=ExportKind.PFIF,
            fmt=ExportFormat.XML,
            include_sensitive=form.cleaned_data["include_sensitive"],
        )
    return render(request, "interop/pfif_export.html", {"form": form})


@require_GET
@member_view(Capability.EXPORT_DATA)
def export_requests(request):
    """The actor's own export requests, and those waiting for the actor's approval."""
    actor, now = request.membership, timezone.now()
    context = {
        "mine": list(export_services.export_requests_mine(actor=actor, now=now)[:SHOWN_EXPORTS]),
        "awaiting": list(
            export_services.export_requests_awaiting(actor=actor, now=now)[:SHOWN_EXPORTS]
        ),
        "can_approve": can_approve_exports(actor),
    }
    return render(request, "interop/export_requests.html", context)


def _request_page(request, export, *, refuse_form=None, error: str = "", status: int = 200):
    actor, now = request.membership, timezone.now()
    open_ = export.expires_at > now
    waiting = export.status == ExportStatus.REQUESTED and open_
    decidable = waiting and can_approve_exports(actor) and export.requested_by_id != actor.user_id
    export_services.export_request_viewed(actor=actor, export=export, now=now)
    context = {
        "export": export,
        "overdue": export.status in export_services.OPEN and not open_,
        "mine": export.requested_by_id == actor.user_id,
        "decidable": decidable,
        "downloadable": export.status == ExportStatus.APPROVED
        and open_
        and export.requested_by_id == actor.user_id,
        "size": export_services.export_size(export=export) if decidable else None,
        "refuse_form": refuse_form or RefuseExportForm(),
        "error": error,
    }
    return render(request, "interop/export_request.html", context, status=status)


@require_GET
@member_view(Capability.EXPORT_DATA)
def export_request(request, public_id):
    export = access_export_request(actor=request.membership, public_id=public_id)
    return _request_page(request, export)


@require_POST
@member_view(Capability.EXPORT_DATA)
def export_request_approve(request, public_id):
    """The second person approves, after giving their password again."""
    export = access_export_request(actor=request.membership, public_id=public_id)
    require_step_up(request)
    try:
        export = export_services.export_request_approve(
            actor=request.membership, export=export, now=timezone.now()
        )
    except Forbidden as exc:  # one's own request, or no right to approve: said on the page
        return _request_page(request, export, error=exc.message, status=403)
    except Conflict as exc:
        export.refresh_from_db()
        return _request_page(request, export, error=exc.message, status=409)
    messages.success(request, _("Approved: the person who asked can now download it once."))
    return redirect("interop:export_request", public_id=export.public_id)


@require_POST
@member_view(Capability.EXPORT_DATA)
def export_request_refuse(request, public_id):
    export = access_export_request(actor=request.membership, public_id=public_id)
    form = RefuseExportForm(request.POST)
    if not form.is_valid():
        return _request_page(request, export, refuse_form=form, status=400)
    try:
        export = export_services.export_request_refuse(
            actor=request.membership,
            export=export,
            reason=form.cleaned_data["reason"],
            now=timezone.now(),
        )
    except Forbidden as exc:
        return _request_page(request, export, error=exc.message, status=403)
    except (Invalid, Conflict) as exc:
        export.refresh_from_db()
        return _request_page(request, export, error=exc.message, status=409)
    messages.success(request, _("Refused. The person who asked is told why."))
    return redirect("interop:export_request", public_id=export.public_id)


@require_POST
@member_view(Capability.EXPORT_DATA)
def export_request_download(request, public_id):
    """The requester's one download, after giving their password again; the file is
    generated now. Anyone else gets a 403 (the gate already hid other organisations)."""
    export = access_export_request(actor=request.membership, public_id=public_id)
    if export.requested_by_id != request.user.pk:
        raise Forbidden(_("Only the person who asked for this export can download it."))
    require_step_up(request)
    try:
        file = export_services.export_request_download(
            actor=request.membership, export=export, now=timezone.now()
        )
    except Conflict as exc:
        export.refresh_from_db()
        return _request_page(request, export, error=exc.message, status=409)
    response = HttpResponse(file.content, content_type=file.content_type)
    response["Content-Disposition"] = f'attachment; filename="{file.name}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
