"""Import and export pages. Each view parses, passes the gate, calls a service or a
selector, and responds."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from reunite.accounts.decorators import member_view, require_step_up
from reunite.accounts.roles import Capability
from reunite.core.errors import Conflict, Invalid
from reunite.interop import pfif_services, services
from reunite.interop.csv_codec import write_csv
from reunite.interop.forms import (
    ExportForm,
    MappingForm,
    PfifExportForm,
    PfifUploadForm,
    UploadForm,
)
from reunite.interop.models import ImportStatus
from reunite.interop.rows import FIELDS

SHOWN_REJECTS = 200
SHOWN_PEOPLE = 50


@member_view(Capability.EDIT_CLIENTS)
def import_list(request):
    """The organisation's imports, newest first, and the upload form."""
    actor = request.membership
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > services.limits.max_bytes():
            form.add_error(
                "file",
                _("This file is larger than %(mb)d MB: split it.")
                % {"mb": services.limits.max_bytes() // (1024 * 1024)},
            )
        else:
            try:
                job = services.import_upload(actor=actor, file_name=upload.name, data=upload.read())
            except Invalid as exc:
                form.add_error("file", exc.message)
            else:
                return redirect("interop:import", public_id=job.public_id)
    jobs = list(services.import_job_list(actor=actor)[:50])
    return render(request, "interop/import_list.html", {"form": form, "jobs": jobs})


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
    """A page with the format choice; downloading asks for the password again."""
    form = ExportForm(request.GET or None)
    if not form.is_valid():
        return render(request, "interop/export.html", {"form": ExportForm()})
    require_step_up(request)
    export = services.cases_export if form.cleaned_data["what"] == "cases" else services.people_export
    name, kind, content = export(
        actor=request.membership, fmt=form.cleaned_data["format"], today=timezone.localdate()
    )
    response = HttpResponse(content, content_type=kind)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


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
        except Invalid as exc:
            form.add_error("file", exc.message)
    return render(request, "interop/pfif_import.html", {"form": form, "result": result})


@member_view(Capability.EXPORT_DATA)
def pfif_export(request):
    """PFIF 1.4 of the organisation's own people, after the password is given again."""
    form = PfifExportForm(request.POST if request.method == "POST" else None)
    if request.method != "POST" or not form.is_valid():
        return render(request, "interop/pfif_export.html", {"form": form})
    require_step_up(request)
    result = pfif_services.pfif_export(
        actor=request.membership,
        now=timezone.now(),
        include_sensitive=form.cleaned_data["include_sensitive"],
    )
    response = HttpResponse(result.xml, content_type="application/xml")
    response["Content-Disposition"] = 'attachment; filename="reunite-pfif-1.4.xml"'
    return response
