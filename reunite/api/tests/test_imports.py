"""Imports and their status, read-only, through the interop gate."""

import pytest

from reunite.interop.models import ImportStatus, RejectedRow
from reunite.interop.services import import_upload

pytestmark = pytest.mark.django_db

IMPORTS = "/api/v1/imports/"


@pytest.fixture
def job(bob):
    job = import_upload(
        actor=bob.memberships.get(), file_name="ice-list.csv", data=b"given_names\nRosa\n"
    )
    return job


def test_bob_sees_his_organisations_imports_and_their_status(as_user, bob, job):
    client = as_user(bob, scopes=["read"])
    rows = client.get(IMPORTS).json()["results"]
    assert [row["id"] for row in rows] == [str(job.public_id)]
    assert rows[0]["status"] == ImportStatus.UPLOADED and rows[0]["uploaded_by"] == "Bob Paralegal"
    assert "ice-list" not in str(rows) and "Rosa" not in str(rows)  # no file name, no content


def test_refused_rows_are_listed_once_done(as_user, bob, job):
    job.status = ImportStatus.DONE
    job.rejected_count = 1
    job.save()
    RejectedRow.objects.create(
        job=job, line=2, field="birth_date", reason="Not a date", raw='["Rosa"]'
    )
    detail = as_user(bob, scopes=["read"]).get(f"{IMPORTS}{job.public_id}/").json()
    assert detail["rejected"] == [{"line": 2, "field": "birth_date", "reason": "Not a date"}]
    assert "Rosa" not in str(detail)


def test_others_get_404_and_roles_without_editing_403(as_user, charlie, dana, job):
    assert as_user(charlie).get(f"{IMPORTS}{job.public_id}/").status_code == 404
    assert as_user(charlie).get(IMPORTS).json()["results"] == []
    assert as_user(dana).get(IMPORTS).status_code == 403
    assert as_user(dana).get(f"{IMPORTS}{job.public_id}/").status_code == 404
