"""A second person for bulk exports (ASVS 2.3.5): asked by one member, approved or
refused by another who may, downloaded once by the requester within a short window."""

from datetime import timedelta

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from conftest import _member, race, signed_in
from reunite.accounts.roles import Role
from reunite.audit.events import EventType
from reunite.audit.models import AuditEvent
from reunite.core.errors import Conflict, Forbidden, Invalid, NotFound
from reunite.interop import export_services
from reunite.interop.models import ExportRequest, ExportStatus
from reunite.people.choices import FamilyRole
from reunite.people.services import PersonInput, person_create
from reunite.tracing.models import Notification, NotificationKind

from .conftest import approved_export, member

pytestmark = pytest.mark.django_db

PURPOSE = "Bond hearing packet for the court"


def ask(user, *, kind="people", fmt="csv", now=None, **options):
    return export_services.export_request_create(
        actor=member(user), kind=kind, fmt=fmt, purpose=PURPOSE, now=now or timezone.now(), **options
    )


def url(name, export):
    return reverse(f"interop:{name}", args=[export.public_id])


def events(*types):
    return list(
        AuditEvent.objects.filter(event_type__in=types).order_by("id").values_list("event_type", flat=True)
    )


@pytest.fixture
def rosa(alice):
    return person_create(
        actor=member(alice),
        data=PersonInput(family_role=FamilyRole.PARENT, given_names="Rosa", paternal_surname="Tzul"),
        today=timezone.localdate(),
    )


@pytest.fixture
def omar(org_a):
    """An attorney of org A whose credentials nobody has verified yet."""
    return _member(org_a, "Omar Unverified", "omar@a.example.org", Role.ATTORNEY)


# --- Asking -----------------------------------------------------------------------------


def test_asking_gives_a_request_not_a_file_and_tells_the_possible_approvers(
    client, alice, ada, bob, dana, charlie, omar, django_capture_on_commit_callbacks
):
    signed_in(client, alice)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("interop:export_people"), {"what": "people", "format": "csv", "purpose": PURPOSE}
        )
    export = ExportRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == url("export_request", export)
    assert (export.status, export.requested_by, export.kind, export.format) == (
        ExportStatus.REQUESTED, alice, "people", "csv",
    )  # fmt: skip
    assert not AuditEvent.objects.filter(event_type=EventType.EXPORTED).exists()
    # Told: the organisation's admin (ada); not the requester, a legal assistant, an
    # auditor, an unverified attorney or another organisation.
    told = Notification.objects.filter(kind=NotificationKind.EXPORT_REQUESTED)
    assert {n.user for n in told} == {ada}
    assert [m.to for m in mail.outbox] == [[ada.email]]
    assert PURPOSE not in mail.outbox[0].body and "Rosa" not in mail.outbox[0].body
    signed_in(client, ada)
    notices = client.get(reverse("tracing:notifications")).content.decode()
    assert reverse("interop:export_requests") in notices


def test_a_request_needs_a_reason_and_a_format_its_kind_has(alice):
    with pytest.raises(Invalid):
        export_services.export_request_create(
            actor=member(alice), kind="people", fmt="csv", purpose="   ", now=timezone.now()
        )
    with pytest.raises(Invalid):
        ask(alice, kind="pfif", fmt="csv")
    with pytest.raises(Invalid):
        ask(alice, kind="people", fmt="xml")
    assert not ExportRequest.objects.exists()


def test_a_legal_assistant_or_an_auditor_cannot_ask(client, bob, dana):
    for user in (bob, dana):
        with pytest.raises(Forbidden):
            ask(user)
        signed_in(client, user)
        response = client.post(
            reverse("interop:export_people"), {"format": "csv", "purpose": PURPOSE}
        )
        assert response.status_code == 403
        assert client.get(reverse("interop:export_requests")).status_code == 403
    assert not ExportRequest.objects.exists()


# --- Approving --------------------------------------------------------------------------


def test_the_requester_cannot_approve_or_refuse_their_own_export(client, alice, ada):
    export = ask(alice)
    with pytest.raises(Forbidden):
        export_services.export_request_approve(actor=member(alice), export=export, now=timezone.now())
    with pytest.raises(Forbidden):
        export_services.export_request_refuse(
            actor=member(alice), export=export, reason="no", now=timezone.now()
        )
    signed_in(client, alice, reauthenticated=True)
    page = client.get(url("export_request", export)).content.decode()
    assert url("export_request_approve", export) not in page
    response = client.post(url("export_request_approve", export))
    assert response.status_code == 403
    assert "Nobody approves" in response.content.decode()
    export.refresh_from_db()
    assert export.status == ExportStatus.REQUESTED and export.decided_by is None
    # An admin asking is no different: another person must approve.
    own = ask(ada)
    with pytest.raises(Forbidden):
        export_services.export_request_approve(actor=member(ada), export=own, now=timezone.now())


def test_the_database_refuses_a_decision_by_the_requester(alice):
    export = ask(alice)
    export.status, export.decided_by, export.decided_at = ExportStatus.APPROVED, alice, timezone.now()
    with pytest.raises(IntegrityError), transaction.atomic():
        export.save()


def test_approval_needs_step_up_then_the_requester_is_told(
    client, alice, ada, django_capture_on_commit_callbacks
):
    export = ask(alice)
    signed_in(client, ada)
    page = client.get(url("export_request", export))
    assert page.status_code == 200 and page.context["decidable"] and page.context["size"] == 0
    first = client.post(url("export_request_approve", export))
    assert first["Location"].startswith(reverse("account_reauthenticate"))
    export.refresh_from_db()
    assert export.status == ExportStatus.REQUESTED

    signed_in(client, ada, reauthenticated=True)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("export_request_approve", export))
    assert response.status_code == 302
    export.refresh_from_db()
    assert (export.status, export.decided_by) == (ExportStatus.APPROVED, ada)
    assert export.expires_at == export.decided_at + timedelta(hours=24)
    told = Notification.objects.get(kind=NotificationKind.EXPORT_APPROVED)
    assert told.user == alice and mail.outbox[-1].to == [alice.email]


def test_a_verified_attorney_may_approve_an_admins_request(ada, alice):
    export = export_services.export_request_approve(
        actor=member(alice), export=ask(ada), now=timezone.now()
    )
    assert export.status == ExportStatus.APPROVED and export.decided_by == alice


def test_an_approver_without_the_right_is_refused(client, alice, ada, bob, dana, omar):
    """Only an organisation admin or a verified attorney approves: an unverified
    attorney may ask but not approve (nor see others' requests); a legal assistant and
    an auditor have no export pages at all."""
    export = ask(alice)
    with pytest.raises(Forbidden):
        export_services.export_request_approve(actor=member(omar), export=export, now=timezone.now())
    with pytest.raises(Forbidden):
        export_services.export_request_refuse(
            actor=member(omar), export=export, reason="no", now=timezone.now()
        )
    signed_in(client, omar, reauthenticated=True)
    assert client.post(url("export_request_approve", export)).status_code == 404
    assert client.get(url("export_request", export)).status_code == 404
    assert export.public_id not in {
        r.public_id for r in client.get(reverse("interop:export_requests")).context["awaiting"]
    }
    for user in (bob, dana):
        signed_in(client, user, reauthenticated=True)
        assert client.post(url("export_request_approve", export)).status_code == 403
    export.refresh_from_db()
    assert export.status == ExportStatus.REQUESTED
    # An unverified attorney may still ask, for someone else to approve.
    assert ask(omar).status == ExportStatus.REQUESTED


def test_another_organisation_can_neither_see_nor_decide_nor_download(client, alice, ada, charlie):
    export = approved_export(alice, ada)
    waiting = ask(alice)
    signed_in(client, charlie, reauthenticated=True)
    for target in (export, waiting):
        assert client.get(url("export_request", target)).status_code == 404
        for name in ("export_request_approve", "export_request_refuse", "export_request_download"):
            assert client.post(url(name, target), {"reason": "x"}).status_code == 404
    listing = client.get(reverse("interop:export_requests"))
    assert listing.context["mine"] == [] and listing.context["awaiting"] == []
    with pytest.raises(NotFound):  # the service's own lookup is scoped to the organisation
        export_services.export_request_approve(actor=member(charlie), export=waiting, now=timezone.now())
    waiting.refresh_from_db()
    assert waiting.status == ExportStatus.REQUESTED


def test_a_request_waits_only_so_long_for_approval(alice, ada, settings):
    settings.EXPORT_APPROVAL_DAYS = 7
    asked_at = timezone.now() - timedelta(days=8)
    export = ask(alice, now=asked_at)
    with pytest.raises(Conflict):
        export_services.export_request_approve(actor=member(ada), export=export, now=timezone.now())
    export.refresh_from_db()
    assert export.status == ExportStatus.EXPIRED and export.decided_by is None
    assert events(EventType.EXPORT_EXPIRED) == [EventType.EXPORT_EXPIRED]


# --- Refusing ---------------------------------------------------------------------------


def test_a_refused_request_yields_nothing(client, alice, ada, rosa, django_capture_on_commit_callbacks):
    export = ask(alice)
    signed_in(client, ada)
    empty = client.post(url("export_request_refuse", export), {"reason": ""})
    assert empty.status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("export_request_refuse", export), {"reason": "Not for this"})
    assert response.status_code == 302
    export.refresh_from_db()
    assert (export.status, export.decided_by, export.refusal_reason) == (
        ExportStatus.REFUSED, ada, "Not for this",
    )  # fmt: skip
    assert Notification.objects.get(kind=NotificationKind.EXPORT_REFUSED).user == alice
    with pytest.raises(Conflict):  # decided: it cannot be approved afterwards
        export_services.export_request_approve(actor=member(ada), export=export, now=timezone.now())

    signed_in(client, alice, reauthenticated=True)
    page = client.get(url("export_request", export)).content.decode()
    assert "Not for this" in page and url("export_request_download", export) not in page
    download = client.post(url("export_request_download", export))
    assert download.status_code == 409 and "Rosa" not in download.content.decode()
    assert not AuditEvent.objects.filter(
        event_type__in=[EventType.EXPORTED, EventType.PFIF_EXPORTED, EventType.EXPORT_DOWNLOADED]
    ).exists()


# --- Downloading ------------------------------------------------------------------------


def test_the_requester_downloads_once_and_a_second_download_is_refused(client, alice, ada, rosa):
    export = approved_export(alice, ada)
    signed_in(client, alice)
    assert client.post(url("export_request_download", export))["Location"].startswith(
        reverse("account_reauthenticate")
    )
    signed_in(client, alice, reauthenticated=True)
    first = client.post(url("export_request_download", export))
    assert first.status_code == 200 and "Rosa" in first.content.decode("utf-8-sig")
    assert first["Content-Disposition"].startswith('attachment; filename="people-')
    export.refresh_from_db()
    assert (export.status, export.rows) == (ExportStatus.DOWNLOADED, 1)

    second = client.post(url("export_request_download", export))
    assert second.status_code == 409 and "downloaded already" in second.content.decode()
    assert "Rosa" not in second.content.decode()
    assert events(EventType.EXPORTED, EventType.EXPORT_DOWNLOADED) == [
        EventType.EXPORTED, EventType.EXPORT_DOWNLOADED,
    ]  # fmt: skip


def test_the_password_given_again_resumes_the_download(client, alice, ada, rosa, password):
    export = approved_export(alice, ada)
    signed_in(client, alice)
    asked = client.post(url("export_request_download", export))
    assert asked["Location"].startswith(reverse("account_reauthenticate"))
    response = client.post(asked["Location"], {"password": password})
    assert response.status_code == 200 and "Rosa" in response.content.decode("utf-8-sig")
    export.refresh_from_db()
    assert export.status == ExportStatus.DOWNLOADED


def test_a_download_before_approval_is_refused(client, alice, rosa):
    export = ask(alice)
    signed_in(client, alice, reauthenticated=True)
    assert client.post(url("export_request_download", export)).status_code == 409
    with pytest.raises(Conflict):
        export_services.export_request_download(actor=member(alice), export=export, now=timezone.now())


def test_an_expired_download_is_refused(alice, ada, rosa, settings):
    settings.EXPORT_DOWNLOAD_HOURS = 24
    export = ask(alice)
    approved_at = timezone.now()
    export = export_services.export_request_approve(actor=member(ada), export=export, now=approved_at)
    with pytest.raises(Conflict) as refused:
        export_services.export_request_download(
            actor=member(alice), export=export, now=approved_at + timedelta(hours=24, seconds=1)
        )
    assert refused.value.code == "export_expired"
    export.refresh_from_db()
    assert export.status == ExportStatus.EXPIRED and export.downloaded_at is None
    assert events(EventType.EXPORT_EXPIRED, EventType.EXPORTED) == [EventType.EXPORT_EXPIRED]
    with pytest.raises(Conflict) as again:  # and stays refused, even within the old window
        export_services.export_request_download(actor=member(alice), export=export, now=approved_at)
    assert again.value.code == "export_expired"
    assert events(EventType.EXPORT_EXPIRED) == [EventType.EXPORT_EXPIRED]  # recorded once


def test_only_the_requester_downloads(client, alice, ada, rosa, org_a):
    export = approved_export(alice, ada)
    other = _member(org_a, "Ana Other", "ana@a.example.org", Role.ATTORNEY, verified=True)
    for user in (ada, other):  # the approver, and another attorney who may approve
        with pytest.raises(Forbidden):
            export_services.export_request_download(actor=member(user), export=export, now=timezone.now())
        signed_in(client, user, reauthenticated=True)
        response = client.post(url("export_request_download", export))
        assert response.status_code == 403 and "Rosa" not in response.content.decode()
    export.refresh_from_db()
    assert export.status == ExportStatus.APPROVED  # still the requester's to download
    assert not AuditEvent.objects.filter(event_type=EventType.EXPORTED).exists()


def test_a_requester_who_lost_the_export_right_cannot_download(alice, ada, rosa):
    export = approved_export(alice, ada)
    membership = member(alice)
    membership.role, membership.attorney_verified_at = Role.LEGAL_ASSISTANT, None
    membership.save()
    with pytest.raises(Forbidden):
        export_services.export_request_download(actor=membership, export=export, now=timezone.now())


def test_a_pfif_request_keeps_its_options_to_the_download(client, alice, ada, rosa):
    signed_in(client, alice)
    client.post(reverse("interop:pfif_export"), {"purpose": PURPOSE, "include_sensitive": "on"})
    export = ExportRequest.objects.get()
    assert export.options == {"include_sensitive": True}
    export_services.export_request_approve(actor=member(ada), export=export, now=timezone.now())
    signed_in(client, alice, reauthenticated=True)
    response = client.post(url("export_request_download", export))
    assert response["Content-Type"] == "application/xml" and b"Rosa" in response.content
    event = AuditEvent.objects.get(event_type=EventType.PFIF_EXPORTED)
    assert event.data["sensitive"] is True and event.data["persons"] == 1


# --- Audit and the list -----------------------------------------------------------------


def test_every_step_is_audited_with_ids_and_counts_never_the_reason(client, alice, ada, rosa):
    export = ask(alice)
    refused = ask(alice)
    export_services.export_request_refuse(
        actor=member(ada), export=refused, reason="Tzul family only", now=timezone.now()
    )
    export_services.export_request_approve(actor=member(ada), export=export, now=timezone.now())
    export_services.export_request_download(actor=member(alice), export=export, now=timezone.now())
    signed_in(client, ada)
    client.get(url("export_request", refused))
    trail = AuditEvent.objects.filter(event_type__startswith="export.").order_by("id")
    assert [(e.event_type, e.target_id) for e in trail] == [
        (EventType.EXPORT_REQUESTED, str(export.public_id)),
        (EventType.EXPORT_REQUESTED, str(refused.public_id)),
        (EventType.EXPORT_REFUSED, str(refused.public_id)),
        (EventType.EXPORT_APPROVED, str(export.public_id)),
        (EventType.EXPORTED, ""),
        (EventType.EXPORT_DOWNLOADED, str(export.public_id)),
        (EventType.EXPORT_VIEWED, str(refused.public_id)),
    ]
    by_type = {e.event_type: e for e in trail}
    assert by_type[EventType.EXPORT_REQUESTED].fields == ["purpose"]
    assert by_type[EventType.EXPORT_REFUSED].fields == ["refusal_reason"]
    assert by_type[EventType.EXPORT_DOWNLOADED].data == {"kind": "people", "format": "csv", "rows": 1}
    decisions = {EventType.EXPORT_APPROVED, EventType.EXPORT_REFUSED}
    assert {e.actor_id for e in trail if e.event_type in decisions} == {ada.public_id}
    for event in trail:
        text = repr((event.data, event.fields))
        assert PURPOSE not in text and "Tzul" not in text and "Rosa" not in text


def test_the_list_shows_mine_and_those_awaiting_me(client, alice, ada, django_assert_max_num_queries):
    mine = ask(alice)
    theirs = ask(ada)
    old = ask(ada, now=timezone.now() - timedelta(days=30))
    signed_in(client, alice)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("interop:export_requests"))
    assert [r.public_id for r in response.context["mine"]] == [mine.public_id]
    assert [r.public_id for r in response.context["awaiting"]] == [theirs.public_id]
    signed_in(client, ada)
    listing = client.get(reverse("interop:export_requests"))
    overdue = {r.public_id: r.overdue for r in listing.context["mine"]}
    assert overdue == {theirs.public_id: False, old.public_id: True}
    assert [r.public_id for r in listing.context["awaiting"]] == [mine.public_id]


# --- Concurrency ------------------------------------------------------------------------


def test_two_approvers_at_once_give_one_decision(transactional_db, alice, ada, org_a):
    other = _member(org_a, "Ana Other", "ana@a.example.org", Role.ATTORNEY, verified=True)
    export = ask(alice)
    outcomes = race(
        lambda: export_services.export_request_approve(actor=member(ada), export=export, now=timezone.now()),
        lambda: export_services.export_request_refuse(actor=member(other), export=export, reason="no", now=timezone.now()),
    )  # fmt: skip
    assert sorted(type(o).__name__ for o in outcomes) == ["Conflict", "NoneType"]
    decided = events(EventType.EXPORT_APPROVED, EventType.EXPORT_REFUSED)
    assert len(decided) == 1
    export.refresh_from_db()
    assert export.status in {ExportStatus.APPROVED, ExportStatus.REFUSED}


def test_two_downloads_at_once_give_one_file(transactional_db, alice, ada, rosa):
    export = approved_export(alice, ada)
    files = []

    def download():
        files.append(export_services.export_request_download(actor=member(alice), export=export, now=timezone.now()))

    outcomes = race(download, download)
    assert sorted(type(o).__name__ for o in outcomes) == ["Conflict", "NoneType"]
    assert len(files) == 1 and files[0].rows == 1
    assert events(EventType.EXPORT_DOWNLOADED, EventType.EXPORTED) == [
        EventType.EXPORTED, EventType.EXPORT_DOWNLOADED,
    ]  # fmt: skip
