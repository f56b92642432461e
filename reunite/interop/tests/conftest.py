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
