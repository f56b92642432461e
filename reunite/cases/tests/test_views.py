"""The case pages: list and page in a fixed number of queries, every form through its
service, opening from a confirmed match's page, documents only through the gate."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from conftest import signed_in
from reunite.audit.events import EventType
from reunite.audit.models import AuditEvent
from reunite.cases import services
from reunite.cases.choices import (
    ChallengeStatus,
    DecisionChoice,
    DecisionForm,
    FlagCategory,
    FlagSource,
    FlagStatus,
    Stage,
    TaskKind,
)
from reunite.cases.models import ReunificationCase
from reunite.cases.tests.conftest import NOW, member
from reunite.people.choices import FamilyRole
from reunite.people.tests.factories import PersonFactory
from reunite.tracing import services as tracing
from reunite.tracing.models import CandidateStatus, Decision, MatchCandidate

pytestmark = pytest.mark.django_db


def detail(case):
    return reverse("cases:detail", kwargs={"public_id": case.public_id})


def test_the_list_takes_the_same_queries_for_many_cases(client, alice, case):
    signed_in(client, alice)
    url = reverse("cases:list") + "?stage=identified&mine=on"
    client.get(url)  # warm the session and the caches
    before = _count(client, url)
    for _ in range(5):
        services.case_open(
            actor=member(alice),
            children=[PersonFactory(organization=case.organization, family_role=FamilyRole.CHILD)],
            adults=[PersonFactory(organization=case.organization)],
            now=NOW,
        )
    assert _count(client, url) == before
    response = client.get(url)
    assert response.status_code == 200
    assert case.reference in response.content.decode()


def _count(client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    return len(queries)


def _fill(case, alice, mother, child):
    actor = member(alice)
    services.task_create(
        actor=actor,
        case=case,
        title="Call ORR",
        kind=TaskKind.CALL,
        due_on=None,
        assignee=alice,
        now=NOW,
    )
    services.parent_decision_record(
        actor=actor,
        case=case,
        parent=mother,
        choice=DecisionChoice.REUNIFY_US,
        language="es",
        interpreter_used=True,
        counsel_present=True,
        form=DecisionForm.WRITTEN,
        decided_at=NOW,
    )
    services.eligibility_flag_raise(
        actor=actor,
        case=case,
        person=mother,
        category=FlagCategory.RED_FLAG,
        evidence="e",
        source=FlagSource.COURT,
        now=NOW,
    )
    services.case_document_upload(actor=actor, case=case, file_name="a.txt", data=b"x", now=NOW)


def test_the_case_page_shows_everything_in_a_fixed_number_of_queries(
    client, alice, case, mother, child
):
    signed_in(client, alice)
    _fill(case, alice, mother, child)
    client.get(detail(case))
    before = _count(client, detail(case))
    _fill(case, alice, mother, child)
    _fill(case, alice, mother, child)
    assert _count(client, detail(case)) == before
    response = client.get(detail(case))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Call ORR" in body and mother.given_names in body
    assert AuditEvent.objects.filter(
        event_type=EventType.CASE_VIEWED, target_id=str(case.public_id)
    ).exists()


def test_outsiders_get_404_and_the_auditor_403(client, case, charlie, dana):
    signed_in(client, charlie)
    assert client.get(detail(case)).status_code == 404
    signed_in(client, dana)
    assert client.get(detail(case)).status_code == 403


def test_the_transition_form_moves_the_case_or_says_why_not(client, alice, case):
    signed_in(client, alice)
    url = reverse("cases:transition", kwargs={"public_id": case.public_id})
    response = client.post(url, {"to": Stage.LOCATED, "reason": ""})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.stage == Stage.LOCATED
    response = client.post(url, {"to": Stage.CLOSED, "outcome": "", "reason": "x"})
    assert response.status_code == 400
    assert "outcome" in response.content.decode()
    response = client.post(url, {"to": Stage.REUNIFIED})  # not a next step from here
    assert response.status_code == 400


def test_every_form_goes_through_its_service(client, alice, case, mother, child):
    signed_in(client, alice)
    kw = {"public_id": case.public_id}
    posts = [
        (
            "cases:task_add",
            {
                "title": "File",
                "kind": TaskKind.DOCUMENT,
                "due_on": "2026-04-01",
                "assignee": alice.public_id,
            },
        ),
        (
            "cases:check_add",
            {
                "kind": "interview",
                "result": "consistent",
                "person": child.public_id,
                "verified_on": "2026-03-01",
            },
        ),
        (
            "cases:flag_add",
            {
                "person": mother.public_id,
                "category": FlagCategory.NOT_PARENT,
                "source": FlagSource.ICE,
                "evidence": "DHS says",
            },
        ),
        (
            "cases:decision_add",
            {
                "person": mother.public_id,
                "choice": DecisionChoice.REUNIFY_HOME,
                "language": "es",
                "counsel_present": "on",
                "form": DecisionForm.RECORDED,
                "decided_on": "2026-03-01",
            },
        ),
        (
            "cases:outreach_add",
            {
                "person": mother.public_id,
                "channel": "radio",
                "outcome": "unreachable",
                "country": "hn",
                "department": "Olancho",
            },
        ),
    ]
    for name, data in posts:
        response = client.post(reverse(name, kwargs=kw), data)
        assert response.status_code == 302, (name, response.content.decode()[:2000])
    assert case.tasks.get().assignee == alice
    assert case.parentage_checks.get().person == child
    flag = case.eligibility_flags.get()
    decision = case.decisions.get()
    assert case.outreach.get().country == "HN"
    task = case.tasks.get()
    assert (
        client.post(reverse("cases:task_done", kwargs={"public_id": task.public_id})).status_code
        == 302
    )
    task.refresh_from_db()
    assert task.done_at is not None
    prefix = str(flag.public_id)
    client.post(
        reverse("cases:flag_review", kwargs={"public_id": flag.public_id}),
        {
            f"{prefix}-status": FlagStatus.UPHELD,
            f"{prefix}-challenge_status": ChallengeStatus.CHALLENGED,
        },
    )
    flag.refresh_from_db()
    assert (flag.status, flag.challenge_status) == (FlagStatus.UPHELD, ChallengeStatus.CHALLENGED)
    client.post(
        reverse("cases:decision_revoke", kwargs={"public_id": decision.public_id}),
        {f"{decision.public_id}-reason": "asked for time"},
    )
    decision.refresh_from_db()
    assert decision.revocation_reason == "asked for time"


def test_a_person_outside_the_case_is_refused_by_the_form(client, alice, case):
    signed_in(client, alice)
    stranger = PersonFactory(organization=case.organization)
    response = client.post(
        reverse("cases:flag_add", kwargs={"public_id": case.public_id}),
        {"person": stranger.public_id, "category": FlagCategory.ABUSE, "source": FlagSource.ORR},
    )
    assert response.status_code == 400
    assert not case.eligibility_flags.exists()


def test_an_upload_lying_about_its_type_is_refused(client, alice, case):
    signed_in(client, alice)
    url = reverse("cases:document_upload", kwargs={"public_id": case.public_id})
    fake = SimpleUploadedFile(
        "acta.pdf", b"<html><script>alert(1)</script></html>", "application/pdf"
    )
    response = client.post(url, {"file": fake})
    assert response.status_code == 400
    assert not case.documents.exists()


def test_a_document_is_served_only_as_a_guarded_download(client, alice, charlie, case):
    signed_in(client, alice)
    upload = reverse("cases:document_upload", kwargs={"public_id": case.public_id})
    pdf = b"%PDF-1.7\n1 0 obj<<>>endobj\n%%EOF\n"
    client.post(upload, {"file": SimpleUploadedFile("../../Acta María.pdf", pdf, "text/html")})
    document = case.documents.get()
    assert (document.file_name, document.content_type) == ("Acta María.pdf", "application/pdf")
    url = reverse("cases:document", kwargs={"public_id": document.public_id})
    response = client.get(url)
    assert response.status_code == 200 and response.content == pdf
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    assert AuditEvent.objects.filter(
        event_type=EventType.DOCUMENT_DOWNLOADED, target_id=str(document.public_id)
    ).exists()
    signed_in(client, charlie)
    assert client.get(url).status_code == 404


def test_a_confirmed_match_page_opens_the_case(client, family, alice, charlie):
    match = MatchCandidate.objects.get(candidate=family[1])
    for user in (alice, charlie):
        tracing.candidate_review(
            actor=member(user),
            match=match,
            decision=Decision.CONFIRM,
            reason="",
            now=timezone.now(),
        )
    match.refresh_from_db()
    assert match.status == CandidateStatus.CONFIRMED
    signed_in(client, alice)
    page = client.get(reverse("tracing:match", kwargs={"public_id": match.public_id}))
    open_url = reverse("cases:open_from_match", kwargs={"public_id": match.public_id})
    assert open_url in page.content.decode()
    response = client.post(open_url)
    case = ReunificationCase.objects.get(match=match)
    assert response["Location"] == detail(case)
    assert client.post(open_url)["Location"] == detail(case)  # twice: the same case


def test_the_overdue_queue_shows_late_tasks_and_records_the_reading(client, alice, bob, case):
    services.task_create(
        actor=member(alice),
        case=case,
        title="Answer the court",
        kind=TaskKind.COURT_DEADLINE,
        due_on=timezone.localdate() - datetime.timedelta(days=1),
        assignee=bob,
        now=NOW,
    )
    signed_in(client, bob)
    response = client.get(reverse("cases:overdue"))
    assert "Answer the court" in response.content.decode()
    event = AuditEvent.objects.filter(event_type=EventType.CASE_VIEWED).get()
    assert event.data == {"list": "overdue", "count": 1}


def test_the_assign_form_sets_the_staff_or_refuses_a_wrong_role(client, alice, bob, case):
    signed_in(client, alice)
    url = reverse("cases:assign", kwargs={"public_id": case.public_id})
    response = client.post(url, {"attorney": bob.public_id, "assistant": ""})
    assert response.status_code == 400  # a legal assistant is not an attorney
    response = client.post(url, {"attorney": alice.public_id, "assistant": ""})
    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.attorney, case.assistant) == (alice, None)
