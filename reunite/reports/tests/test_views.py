"""The court report's pages and files: who sees what, CSV and PDF content, audit."""

import csv
import io
from urllib.parse import urlencode

import pytest
from django.urls import reverse
from django.utils import translation
from pypdf import PdfReader

from conftest import signed_in
from reunite.audit.events import EventType
from reunite.audit.models import AuditEvent
from reunite.cases.choices import Outcome
from reunite.core.tests.test_headers import csp_directives
from reunite.reports.tests.history import build_history, moment

pytestmark = pytest.mark.django_db

AS_OF = "2026-04-30T10:00:00Z"


@pytest.fixture
def history(alice):
    return build_history(alice.memberships.get())


def url(name, **params):
    return reverse(f"reports:{name}") + ("?" + urlencode(params) if params else "")


def test_the_page_shows_the_counts_stamped_with_as_of_generation_and_digest(client, history, alice):
    signed_in(client, alice)
    page = client.get(url("court", as_of=AS_OF))
    assert page.status_code == 200
    report = page.context["report"]
    assert report.as_of == moment(4, 30)
    assert report.counts["children.identified"] == 5
    body = page.content.decode()
    assert 'data-figure="children.identified">' in body
    assert report.digest in body
    assert "2026-04-30 10:00:00" in body
    event = AuditEvent.objects.filter(event_type=EventType.COURT_REPORT_VIEWED).get()
    assert event.data == {"as_of": AS_OF, "digest": report.digest}


def test_without_a_moment_the_report_is_as_of_now(client, alice):
    signed_in(client, alice)
    report = client.get(url("court")).context["report"]
    assert report.as_of == report.generated_at


def test_a_moment_in_the_future_is_refused_with_a_message(client, alice):
    signed_in(client, alice)
    page = client.get(url("court", as_of="2999-01-01T00:00"))
    assert page.context["report"] is None
    assert "Choose a moment in the past" in page.content.decode()


def test_counsel_get_a_link_from_each_count_to_its_cases(client, history, alice):
    signed_in(client, alice)
    body = client.get(url("court", as_of=AS_OF)).content.decode()
    link = url("court_cases", as_of=AS_OF, figure="children.reunified").replace("&", "&amp;")
    assert link in body
    page = client.get(url("court_cases", as_of=AS_OF, figure="children.discharged"))
    assert page.status_code == 200
    references = [case.reference for case in page.context["page"]]
    assert references == sorted(c.reference for c in history["cases"][1:3])
    assert history["cases"][1].reference in page.content.decode()
    event = AuditEvent.objects.filter(event_type=EventType.COURT_REPORT_CASES_LISTED).get()
    assert event.data["figure"] == "children.discharged"
    assert event.data["count"] == 2


@pytest.mark.parametrize("who", ["dana", "bob", "ada"])
def test_others_see_the_counts_but_not_the_cases(client, history, who, request):
    user = request.getfixturevalue(who)
    signed_in(client, user)
    page = client.get(url("court", as_of=AS_OF))
    assert page.status_code == 200
    assert page.context["report"].counts["children.identified"] == 5
    body = page.content.decode()
    assert reverse("reports:court_cases") not in body
    assert history["cases"][0].reference not in body
    drill = client.get(url("court_cases", as_of=AS_OF, figure="children.identified"))
    assert drill.status_code == 403


def test_another_organisations_counsel_sees_none_of_org_as_cases(client, history, charlie):
    signed_in(client, charlie)
    report = client.get(url("court", as_of=AS_OF)).context["report"]
    assert set(report.counts.values()) == {0}
    page = client.get(url("court_cases", as_of=AS_OF, figure="children.identified"))
    assert page.status_code == 200
    assert list(page.context["page"]) == []
    for case in history["cases"]:
        assert case.reference not in page.content.decode()


def test_an_unknown_figure_goes_back_to_the_report(client, alice):
    signed_in(client, alice)
    response = client.get(url("court_cases", as_of=AS_OF, figure="children.everything"))
    assert response.status_code == 302
    assert response["Location"] == reverse("reports:court")


def test_csv_holds_the_stamp_and_every_count(client, history, alice):
    signed_in(client, alice)
    response = client.get(url("court_csv", as_of=AS_OF))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "court-report-20260430T100000Z.csv" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    head = {row[0]: row[1] for row in rows[:4]}
    assert head["As of"] == AS_OF
    assert head["Organisation"] == "Border Legal Aid (test A)"
    counts = {row[0]: int(row[3]) for row in rows[6:]}
    report = client.get(url("court", as_of=AS_OF)).context["report"]
    assert counts == report.counts
    assert head["Digest (SHA-256)"] == report.digest
    event = AuditEvent.objects.filter(event_type=EventType.COURT_REPORT_EXPORTED).get()
    assert event.data == {"as_of": AS_OF, "digest": report.digest, "format": "csv"}
    assert event.actor_id == alice.public_id


def test_csv_neutralises_a_formula_in_the_organisation_name(client, alice, org_a):
    org_a.name = "=HYPERLINK(1)"
    org_a.save()
    signed_in(client, alice)
    rows = list(csv.reader(io.StringIO(client.get(url("court_csv")).content.decode("utf-8-sig"))))
    assert rows[0][1] == "'=HYPERLINK(1)"


def pdf_text(response) -> str:
    reader = PdfReader(io.BytesIO(response.content))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_pdf_is_a_valid_pdf_with_the_counts_and_the_digest(client, history, alice, org_a):
    org_a.name = "Asociación Jurídica Niñez y Familia — Créteil"  # accents must survive
    org_a.save()
    signed_in(client, alice)
    response = client.get(url("court_pdf", as_of=AS_OF))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    text = pdf_text(response)
    report = client.get(url("court", as_of=AS_OF)).context["report"]
    assert "Asociación Jurídica Niñez y Familia — Créteil" in text
    assert report.digest[:32] in text.replace("\n", "")
    lines = text.splitlines()
    for figure in report.figures:
        assert any(
            (line.startswith(str(figure.label)) and line.endswith(f" {figure.count}"))
            or line == f"{figure.label}{figure.count}"
            or line == f"{figure.label} {figure.count}"
            for line in lines
        ), figure.key
    assert AuditEvent.objects.filter(
        event_type=EventType.COURT_REPORT_EXPORTED, data__format="pdf"
    ).exists()


@pytest.mark.parametrize("language", ["es", "fr"])
def test_pdf_in_the_readers_language_keeps_its_accents(client, alice, language):
    signed_in(client, alice)
    with translation.override(language):
        labels = [str(Outcome.AGED_OUT.label), str(Outcome.REUNIFIED_ELSEWHERE.label)]
    assert any(c in "".join(labels) for c in "áéíóúñèêàç")  # the catalogue has them
    response = client.get(url("court_pdf"), headers={"Accept-Language": language})
    text = pdf_text(response)
    for label in labels:
        assert label in text


def test_the_report_keeps_the_strict_content_security_policy(client, history, alice):
    signed_in(client, alice)
    page = client.get(url("court", as_of=AS_OF))
    policy = page["Content-Security-Policy"]
    assert "unsafe-inline" not in policy
    assert csp_directives(page)["default-src"] == "'none'"
    assert "style=" not in page.content.decode()
    assert "<script>" not in page.content.decode()


def test_the_report_costs_a_fixed_number_of_queries(
    client, history, alice, django_assert_max_num_queries
):
    signed_in(client, alice)
    client.get(url("court", as_of=AS_OF))
    with django_assert_max_num_queries(24) as few:
        client.get(url("court", as_of=AS_OF))
    build_history(alice.memberships.get())  # the same families again: twice the rows
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(url("court", as_of=AS_OF))
    assert page.context["report"].counts["children.identified"] == 10
