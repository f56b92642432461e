"""Helpers for the interop tests: upload and run a list as a member would."""

import pytest

from reunite.interop import services


def member(user):
    return user.memberships.get()


@pytest.fixture
def run_list(django_capture_on_commit_callbacks):
    """Upload `data` as `user`, map it automatically (or with `mapping`) and run it; the
    background task runs at once (ImmediateBackend), candidate searches too."""

    def run(
        user,
        data: bytes,
        *,
        kind="parents",
        mapping=None,
        source="ICE list",
        options=None,
        name="list.csv",
    ):
        with django_capture_on_commit_callbacks(execute=True):
            job = services.import_upload(actor=member(user), file_name=name, data=data)
            services.import_start(
                actor=member(user),
                job=job,
                kind=kind,
                mapping=mapping or services.suggested_mapping(job=job, source_name=source),
                source_name=source,
                options=options or {},
            )
        job.refresh_from_db()
        return job

    return run


def approved_export(requester, approver, *, kind="people", fmt="csv", include_sensitive=False):
    """An export request by `requester`, approved by `approver` (services, no pages)."""
    from django.utils import timezone

    from reunite.interop import export_services

    export = export_services.export_request_create(
        actor=member(requester),
        kind=kind,
        fmt=fmt,
        purpose="Court filing",
        include_sensitive=include_sensitive,
        now=timezone.now(),
    )
    return export_services.export_request_approve(
        actor=member(approver), export=export, now=timezone.now()
    )


def download_export(client, requester, approver, **options):
    """Ask through the page, have `approver` approve, download as `requester` after
    step-up: the response of the download."""
    from django.urls import reverse

    from conftest import signed_in

    export = approved_export(requester, approver, **options)
    signed_in(client, requester, reauthenticated=True)
    return client.post(reverse("interop:export_request_download", args=[export.public_id]))
