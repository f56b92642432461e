"""Imports of lists and their status, read-only, through the interop gate
(`access_import_job`): what the import pages show, nothing of the file's content."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from reunite.accounts.access import require
from reunite.accounts.roles import Capability
from reunite.api.pagination import PAGE_PARAMETERS, CountFreePagination
from reunite.api.views import ApiView, paginated
from reunite.interop import services as interop
from reunite.interop.models import ImportJob, ImportKind, ImportStatus

SHOWN_REJECTS = 200  # as on the import page; the full list is the page's CSV download


class ImportSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    kind = serializers.ChoiceField(choices=ImportKind.choices)
    status = serializers.ChoiceField(choices=ImportStatus.choices)
    source = serializers.CharField(allow_null=True, help_text="The saved source's name.")
    uploaded_by = serializers.CharField(help_text="The member's name.")
    total_rows = serializers.IntegerField()
    processed_rows = serializers.IntegerField()
    percent = serializers.IntegerField()
    created_count = serializers.IntegerField()
    updated_count = serializers.IntegerField()
    unchanged_count = serializers.IntegerField()
    rejected_count = serializers.IntegerField()
    failure = serializers.CharField(help_text="Why a failed run stopped (no values).")
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)


class RejectedRowSerializer(serializers.Serializer):
    line = serializers.IntegerField()
    field = serializers.CharField()
    reason = serializers.CharField()


class ImportDetailSerializer(ImportSerializer):
    rejected = RejectedRowSerializer(
        many=True, help_text=f"The first {SHOWN_REJECTS} refused rows, once the run is done."
    )


def _job(job: ImportJob) -> dict:
    return {
        "id": job.public_id,
        "kind": job.kind,
        "status": job.status,
        "source": job.source.name if job.source else None,
        "uploaded_by": job.uploaded_by.full_name,
        "percent": job.percent,
        "failure": job.failure,
        **{
            name: getattr(job, name)
            for name in (
                "total_rows",
                "processed_rows",
                "created_count",
                "updated_count",
                "unchanged_count",
                "rejected_count",
                "created_at",
                "started_at",
                "finished_at",
            )
        },
    }


class ImportsView(ApiView):
    """Your organisation's imports of lists, newest first."""

    @extend_schema(
        operation_id="imports_list",
        parameters=PAGE_PARAMETERS,
        responses=paginated(ImportSerializer, "PaginatedImports"),
    )
    def get(self, request):
        actor = self.actor
        require(actor, Capability.EDIT_CLIENTS)  # as the import pages
        pager = CountFreePagination()
        page = pager.paginate_queryset(interop.import_job_list(actor=actor), request, self)
        return pager.get_paginated_response(
            ImportSerializer([_job(job) for job in page], many=True).data
        )


class ImportView(ApiView):
    """One import: its progress, counts and refused rows (line, field, reason)."""

    @extend_schema(operation_id="imports_retrieve", responses=ImportDetailSerializer)
    def get(self, request, public_id):
        job = interop.access_import_job(actor=self.actor, public_id=public_id)
        rejected = []
        if job.status == ImportStatus.DONE:
            rejected = [
                {"line": row.line, "field": row.field, "reason": row.reason}
                for row in job.rejected_rows.all()[:SHOWN_REJECTS]
            ]
        return Response(ImportDetailSerializer(_job(job) | {"rejected": rejected}).data)
