"""The malicious-file library (malicious.py), each file uploaded through the real page a
person would use: the list import, the PFIF import and the case document upload. Each
must be refused with a clear message, with no server error, no row saved and nothing
written to disk (every upload is forced through Django's temporary files, which must be
gone afterwards). The API has no upload endpoint (imports are read-only there).

Formula cells and the encodings a person may really have are not refused: they are read
as the text they are, and exports neutralise formulas."""

import html
import io
from pathlib import Path

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from conftest import signed_in
from reunite.audit.events import EventType
from reunite.audit.models import AuditEvent
from reunite.cases import uploads
from reunite.cases.models import CaseDocument, CaseDocumentContent
from reunite.cases.tests.conftest import case, child, mother  # noqa: F401  (fixtures)
from reunite.interop import pfif
from reunite.interop.csv_codec import Refused
from reunite.interop.models import ImportedRecord, ImportJob, ImportSource, RejectedRow
from reunite.interop.tests import malicious
from reunite.interop.tests.conftest import download_export
from reunite.interop.tests.malicious import DOCUMENT, IMPORT, PFIF, UPLOAD_LIMIT, Hostile
from reunite.interop.xlsx_codec import read_table
from reunite.people.models import Person

pytestmark = pytest.mark.django_db

LIBRARY = malicious.library()
# Where a traversal in a zip part or a file name would land if anything unpacked it
# (only checked for absence: nothing is ever written there).
ESCAPES = [
    Path("/tmp/reunite-owned.txt"),  # noqa: S108  (the traversal's target, checked absent)
    Path("/tmp/run.exe"),  # noqa: S108  (idem)
    Path("/etc/cron.d/reunite-owned"),
]


def test_the_library_holds_more_than_sixty_files_for_every_entry_point():
    assert len(LIBRARY) >= 60
    assert len({h.label for h in LIBRARY}) == len(LIBRARY)  # unique test ids
    assert {h.where for h in LIBRARY} == {IMPORT, PFIF, DOCUMENT}
    assert all(sum(h.where == w for h in LIBRARY) >= 20 for w in (IMPORT, PFIF, DOCUMENT))


@pytest.fixture
def sandbox(settings, tmp_path):
    """Small limits, and every upload spooled to a temporary file we can watch."""
    settings.IMPORT_MAX_BYTES = UPLOAD_LIMIT
    settings.CASE_DOCUMENT_MAX_BYTES = UPLOAD_LIMIT
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 0
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path / "spool")
    settings.MEDIA_ROOT = str(tmp_path / "media")
    (tmp_path / "spool").mkdir()
    return tmp_path


def _rows() -> dict[str, int]:
    models = [
        Person,
        ImportJob,
        ImportedRecord,
        ImportSource,
        RejectedRow,
        CaseDocument,
        CaseDocumentContent,
    ]
    counts = {model.__name__: model.objects.count() for model in models}
    # The refusal itself is recorded (request.refused, ASVS 16.3.3); nothing else is.
    counts["AuditEvent"] = AuditEvent.objects.exclude(event_type=EventType.REQUEST_REFUSED).count()
    return counts


def _upload(client, hostile: Hostile, case_id):
    upload = SimpleUploadedFile(hostile.name, hostile.data, "application/octet-stream")
    if hostile.where == IMPORT:
        return client.post(reverse("interop:imports"), {"file": upload})
    if hostile.where == PFIF:
        return client.post(reverse("interop:pfif_import"), {"file": upload, "kind": "described"})
    url = reverse("cases:document_upload", kwargs={"public_id": case_id})
    return client.post(url, {"file": upload})


@pytest.mark.parametrize("hostile", LIBRARY, ids=[h.label for h in LIBRARY])
def test_each_malicious_file_is_refused_through_its_page(client, alice, case, sandbox, hostile):  # noqa: F811
    signed_in(client, alice)
    before = _rows()
    response = _upload(client, hostile, case.public_id)
    assert response.status_code == 400
    page = html.unescape(response.content.decode())
    assert hostile.expect in page, f"{hostile.expect!r} not shown"
    assert _rows() == before  # no person, import, record, document or audit event
    assert AuditEvent.objects.filter(event_type=EventType.REQUEST_REFUSED).count() == 1
    assert not any((sandbox / "spool").iterdir()), "a temporary upload was left behind"
    assert not (sandbox / "media").exists()
    assert not any(path.exists() for path in ESCAPES)


@pytest.mark.parametrize("hostile", LIBRARY, ids=[h.label for h in LIBRARY])
def test_each_malicious_file_is_refused_by_its_codec_with_its_code(hostile):
    """The same files straight at the codec: the precise reason (the pages show one
    message for every refused document)."""
    if hostile.where == IMPORT:
        if not hostile.code:  # refused by the import service (a header and no rows)
            assert read_table(hostile.data, max_bytes=UPLOAD_LIMIT).rows == []
            return
        with pytest.raises(Refused) as refused:
            read_table(hostile.data, max_bytes=UPLOAD_LIMIT)
        assert refused.value.code == hostile.code
        assert refused.value.template and refused.value.reason
    elif hostile.where == PFIF:
        try:
            document = pfif.parse(hostile.data, max_bytes=UPLOAD_LIMIT)
        except pfif.PfifError as exc:
            assert exc.template and str(exc)
            if "submitted" not in hostile.expect:  # (Django's form refuses empty files first)
                assert hostile.expect.lower() in str(exc).lower()
        else:  # well-formed, but nothing in it (refused by the PFIF import service)
            assert (document.persons, document.notes) == ((), ())
    elif len(hostile.data) <= UPLOAD_LIMIT:
        with pytest.raises(uploads.Rejected) as rejected:
            uploads.check(hostile.name, hostile.data)
        assert rejected.value.reason == hostile.code


# --- tolerated: formulas and real-world encodings are read as text ----------------------


def _run(run_list, user, data: bytes):
    job = run_list(user, data, mapping={"given_names": "given_names", "paternal_surname": "paternal_surname"})
    return job, Person.objects.filter(pk__in=ImportedRecord.objects.filter(job=job).values("person"))


def test_formula_cells_are_kept_as_text_on_import_and_neutralised_on_export(
    client, alice, ada, run_list
):
    lines = ["given_names,paternal_surname"]
    lines += [f'"{formula.replace(chr(34), chr(34) * 2)}",Tzul' for formula in malicious.FORMULAS]
    job, people = _run(run_list, alice, ("\n".join(lines) + "\n").encode())
    assert job.created_count == len(malicious.FORMULAS), list(job.rejected_rows.values("reason"))
    # Kept as written (spaces at the ends trimmed, as for any name): a name is a name.
    stored = {p.given_names for p in people}
    assert stored == {f.strip() for f in malicious.FORMULAS}

    exported = download_export(client, alice, ada, fmt="csv").content.decode("utf-8-sig")
    cells = [line.split(",") for line in exported.splitlines()]
    dangerous = [c for row in cells for c in row if c.lstrip('"').startswith(("=", "+", "-", "@"))]
    assert dangerous == []
    exported_xlsx = download_export(client, alice, ada, fmt="xlsx").content
    workbook = openpyxl.load_workbook(io.BytesIO(exported_xlsx))
    values = [c for row in workbook.active.iter_rows(values_only=True) for c in row if c]
    assert not any(str(v).startswith(("=", "+", "-", "@", "\t", "\r")) for v in values)
    assert sum(str(v).startswith("'") for v in values) >= len(malicious.FORMULAS)


def test_refused_rows_download_with_their_formulas_neutralised(client, alice, run_list):
    data = b'="cmd"|A1,Tzul,1985-02-31\n@SUM(A1),Xol,not a date\n'
    job = run_list(
        alice,
        b"given_names,paternal_surname,date_of_birth\n" + data,
        mapping={
            "given_names": "given_names",
            "paternal_surname": "paternal_surname",
            "date_of_birth": "date_of_birth",
        },
    )
    assert job.rejected_count == 2 and Person.objects.count() == 0
    signed_in(client, alice)
    response = client.get(reverse("interop:import_rejected", args=[job.public_id]))
    rows = response.content.decode("utf-8-sig").splitlines()[1:]
    assert len(rows) == 2
    assert all(("'=" in row or "'@" in row) for row in rows)
    assert not any(cell.startswith(("=", "+", "@")) for row in rows for cell in row.split(","))


@pytest.mark.parametrize("label", list(malicious.TOLERATED))
def test_real_world_encodings_and_line_ends_are_read_correctly(alice, run_list, label):
    job, people = _run(run_list, alice, malicious.TOLERATED[label])
    assert job.rejected_count == 0 and job.created_count >= 1
    surnames = {p.paternal_surname for p in people}
    assert surnames & {"Tzul", "Peña", "“Peña”", "Núñez"}
    assert not any("Ã" in s for s in surnames)  # no mojibake


def test_a_hostile_file_name_is_cleaned_never_used_as_a_path(client, alice, case, sandbox):  # noqa: F811
    signed_in(client, alice)
    url = reverse("cases:document_upload", kwargs={"public_id": case.public_id})
    names = [
        "../../../../tmp/reunite-owned.txt",
        "..\\..\\reunite-owned.txt",
        "note\u202etxt.txt",
        "no\x00te\x1b[31m.txt",
        "/etc/passwd.txt",
    ]
    for name in names:
        client.post(url, {"file": SimpleUploadedFile(name, b"Rosa Tzul\n", "text/plain")})
    stored = list(CaseDocument.objects.values_list("file_name", flat=True))
    assert len(stored) == len(names)
    for name in stored:
        assert "/" not in name and "\\" not in name and ".." not in name
        assert name.isprintable() and "\u202e" not in name and name.endswith(".txt")
    assert not any((sandbox / "spool").iterdir())
    assert not any(path.exists() for path in ESCAPES)


@pytest.mark.parametrize(
    ("where", "data", "spanish"),
    [
        (IMPORT, b"given_names\nRo\x00sa\n", "Este archivo no se puede importar"),
        (PFIF, malicious.pfif_doc(prolog="<!DOCTYPE pfif:pfif>").encode(), "Este archivo PFIF"),
    ],
)
def test_the_refusal_is_said_in_the_readers_language(client, alice, settings, where, data, spanish):
    signed_in(client, alice)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    response = _upload(client, Hostile("es", "x.csv", data, where, ""), None)
    assert spanish in html.unescape(response.content.decode())
