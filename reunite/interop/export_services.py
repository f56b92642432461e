"""Bulk exports need a second person (ASVS 2.3.5).

A member with the export capability asks for an export (what, format, options and why);
another member of the organisation who may approve (reunite.interop.access) approves or
refuses it, after re-entering their password; the requester, and only the requester,
then downloads it once within EXPORT_DOWNLOAD_HOURS.

The file is generated at download time from the data as of then, inside the transaction
that marks the request downloaded: no file, plaintext or sealed, is ever stored, so
there is nothing to leak from the database or its backups between approval and
download, and nothing to clean up after a request expires. What the approver approves
is a kind of export of the organisation's own records (shown with its current size),
not a frozen list: within the short window the rows can only be what the requester
could export anyway.

Each step is one transaction with one audit event (ids, kinds and counts, never the
purpose or the reason). Concurrency: the request row is locked (select_for_update) for
every decision and for the download, so two approvers at once give one decision and
two downloads at once give one file.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from reunite.accounts.access import require
from reunite.accounts.models import Membership, User
from reunite.accounts.roles import Capability
from reunite.audit.events import EventType
from reunite.audit.services import record
from reunite.cases.models import ReunificationCase
from reunite.core.errors import Conflict, Forbidden, Invalid, NotFound
from reunite.interop import pfif_services, services
from reunite.interop.access import can_approve_exports
from reunite.interop.models import ExportFormat, ExportKind, ExportRequest, ExportStatus
from reunite.people.models import Person
from reunite.tracing.models import Notification, NotificationKind

PURPOSE_MAX = 500
FORMATS = {
    ExportKind.PEOPLE: {ExportFormat.CSV, ExportFormat.XLSX},
    ExportKind.CASES: {ExportFormat.CSV, ExportFormat.XLSX},
    ExportKind.PFIF: {ExportFormat.XML},
}
OPEN = (ExportStatus.REQUESTED, ExportStatus.APPROVED)


class _Expired(Exception):
    """Raised inside a transaction that must roll back; the request is then marked
    expired in a transaction of its own."""


# --- Reads ------------------------------------------------------------------------------


def export_request_list(*, actor: Membership, now: datetime) -> QuerySet[ExportRequest]:
    """The organisation's requests, newest first, with `overdue` (past its deadline while
    still waiting or approved: shown as expired, refused by every action)."""
    return (
        ExportRequest.objects.filter(organization=actor.organization)
        .select_related("requested_by", "decided_by")
        .annotate(
            overdue=ExpressionWrapper(
                Q(status__in=OPEN, expires_at__lte=now), output_field=BooleanField()
            )
        )
    )


def export_requests_mine(*, actor: Membership, now: datetime) -> QuerySet[ExportRequest]:
    return export_request_list(actor=actor, now=now).filter(requested_by=actor.user)


def export_requests_awaiting(*, actor: Membership, now: datetime) -> QuerySet[ExportRequest]:
    """Requests the actor may decide: others', waiting, not past their deadline."""
    if not can_approve_exports(actor):
        return ExportRequest.objects.none()
    return (
        export_request_list(actor=actor, now=now)
        .filter(status=ExportStatus.REQUESTED, expires_at__gt=now)
        .exclude(requested_by=actor.user)
    )


def export_size(*, export: ExportRequest) -> int:
    """How many rows the export would have now (shown to the approver; no values)."""
    if export.kind == ExportKind.CASES:
        return ReunificationCase.objects.filter(organization_id=export.organization_id).count()
    return Person.objects.filter(
        organization_id=export.organization_id, deleted_at__isnull=True, purged_at__isnull=True
    ).count()


def export_approvers(*, organization_id: int, excluding: User) -> list[User]:
    """The active members who may approve an export of the organisation, but the requester."""
    memberships = (
        Membership.objects.filter(organization_id=organization_id, is_active=True)
        .exclude(user=excluding)
        .select_related("user")
    )
    return [m.user for m in memberships if m.user.is_active and can_approve_exports(m)]


def export_request_viewed(*, actor: Membership, export: ExportRequest, now: datetime) -> None:
    """Showing a request shows its sealed purpose (and refusal reason): recorded."""
    record(
        event_type=EventType.EXPORT_VIEWED,
        actor=actor.user,
        organization=actor.organization,
        target=export,
        fields=["purpose", "refusal_reason"] if export.refusal_reason else ["purpose"],
        at=now,
    )


# --- Notices ----------------------------------------------------------------------------


def _notify(users: list[User], *, organization_id: int, kind: str, subject: str) -> None:
    """An in-app notice to each user now, the email once the transaction commits (no
    email about a request that was rolled back). Neither names a client."""
    notices = [
        Notification.objects.create(user=user, organization_id=organization_id, kind=kind)
        for user in users
    ]

    def send():
        for notice in notices:
            send_mail(
                subject=subject,
                message=notice.message + "\n\n" + _("Sign in to Reunite to see the request."),
                from_email=None,
                recipient_list=[notice.user.email],
                fail_silently=True,
            )

    transaction.on_commit(send)


# --- Writes -----------------------------------------------------------------------------


@transaction.atomic
def export_request_create(
    *,
    actor: Membership,
    kind: str,
    fmt: str,
    purpose: str,
    now: datetime,
    include_sensitive: bool = False,
) -> ExportRequest:
    """Ask for an export. It waits EXPORT_APPROVAL_DAYS for a second person; the
    organisation's possible approvers are told (in the portal and by email)."""
    require(actor, Capability.EXPORT_DATA)
    if kind not in FORMATS or fmt not in FORMATS[kind]:
        raise Invalid(_("This export cannot be had in this format."), code="export_format")
    purpose = purpose.strip()
    if not purpose:
        raise Invalid(_("Say why the export is needed: the approver reads it."), code="purpose")
    if len(purpose) > PURPOSE_MAX:
        raise Invalid(
            _("Keep the reason under %(max)d characters.") % {"max": PURPOSE_MAX}, code="purpose"
        )
    export = ExportRequest(
        organization=actor.organization,
        requested_by=actor.user,
        kind=kind,
        format=fmt,
        options={"include_sensitive": bool(include_sensitive)} if kind == ExportKind.PFIF else {},
        purpose=purpose,
        expires_at=now + timedelta(days=settings.EXPORT_APPROVAL_DAYS),
    )
    export.full_clean()
    export.save()
    record(
        event_type=EventType.EXPORT_REQUESTED,
        actor=actor.user,
        organization=actor.organization,
        target=export,
        fields=["purpose"],
        data={
            "kind": kind,
            "format": fmt,
            "sensitive": bool(export.options.get("include_sensitive")),
        },
        at=now,
    )
    _notify(
        export_approvers(organization_id=actor.organization_id, excluding=actor.user),
        organization_id=actor.organization_id,
        kind=NotificationKind.EXPORT_REQUESTED,
        subject=_("Reunite: an export waits for your approval"),
    )
    return export


def _expired(actor: Membership, export: ExportRequest, now: datetime) -> Conflict:
    """Mark a request past its deadline expired (audited once) and say so."""
    with transaction.atomic():
        was = (
            ExportRequest.objects.select_for_update()
            .filter(pk=export.pk, status__in=OPEN)
            .values_list("status", flat=True)
            .first()
        )
        if was is not None:
            ExportRequest.objects.filter(pk=export.pk, status=was).update(
                status=ExportStatus.EXPIRED, updated_at=now
            )
            record(
                event_type=EventType.EXPORT_EXPIRED,
                actor=actor.user,
                organization=actor.organization,
                target=export,
                data={"was": was},
                at=now,
            )
    return _expired_error()


def _expired_error() -> Conflict:
    return Conflict(
        _("This export request has expired: ask for the export again."), code="export_expired"
    )


def _for_decision(actor: Membership, export: ExportRequest, now: datetime) -> ExportRequest:
    if not can_approve_exports(actor):
        raise Forbidden(
            _("Only an organisation admin or a verified attorney can approve or refuse an export."),
            code="not_an_approver",
        )
    locked = (
        ExportRequest.objects.select_for_update()
        .filter(pk=export.pk, organization=actor.organization)
        .first()
    )
    if locked is None:
        raise NotFound()
    if locked.requested_by_id == actor.user_id:
        raise Forbidden(_("Nobody approves or refuses their own export."), code="self_approval")
    if locked.status == ExportStatus.EXPIRED:
        raise _expired_error()
    if locked.status != ExportStatus.REQUESTED:
        raise Conflict(_("This export has been decided already."), code="export_decided")
    if locked.expires_at <= now:
        raise _Expired()
    return locked


def export_request_approve(
    *, actor: Membership, export: ExportRequest, now: datetime
) -> ExportRequest:
    """The second person's approval: the requester may then download the export once
    within EXPORT_DOWNLOAD_HOURS, and is told so."""
    try:
        return _approve(actor=actor, export=export, now=now)
    except _Expired:
        raise _expired(actor, export, now) from None


@transaction.atomic
def _approve(*, actor: Membership, export: ExportRequest, now: datetime) -> ExportRequest:
    export = _for_decision(actor, export, now)
    export.status = ExportStatus.APPROVED
    export.decided_by, export.decided_at = actor.user, now
    export.expires_at = now + timedelta(hours=settings.EXPORT_DOWNLOAD_HOURS)
    export.full_clean()
    export.save()
    record(
        event_type=EventType.EXPORT_APPROVED,
        actor=actor.user,
        organization=actor.organization,
        target=export,
        data={
            "kind": export.kind,
            "format": export.format,
            "hours": settings.EXPORT_DOWNLOAD_HOURS,
        },
        at=now,
    )
    _notify(
        [export.requested_by],
        organization_id=export.organization_id,
        kind=NotificationKind.EXPORT_APPROVED,
        subject=_("Reunite: your export was approved"),
    )
    return export


def export_request_refuse(
    *, actor: Membership, export: ExportRequest, reason: str, now: datetime
) -> ExportRequest:
    """The second person's refusal, with a reason the requester reads. Nothing is
    exported, ever, from a refused request."""
    reason = reason.strip()
    if not reason:
        raise Invalid(_("Say why the export is refused."), code="reason")
    if len(reason) > PURPOSE_MAX:
        raise Invalid(
            _("Keep the reason under %(max)d characters.") % {"max": PURPOSE_MAX}, code="reason"
        )
    try:
        return _refuse(actor=actor, export=export, reason=reason, now=now)
    except _Expired:
        raise _expired(actor, export, now) from None


@transaction.atomic
def _refuse(*, actor: Membership, export: ExportRequest, reason: str, now: datetime):
    export = _for_decision(actor, export, now)
    export.status = ExportStatus.REFUSED
    export.decided_by, export.decided_at = actor.user, now
    export.refusal_reason = reason
    export.full_clean()
    export.save()
    record(
        event_type=EventType.EXPORT_REFUSED,
        actor=actor.user,
        organization=actor.organization,
        target=export,
        fields=["refusal_reason"],
        data={"kind": export.kind, "format": export.format},
        at=now,
    )
    _notify(
        [export.requested_by],
        organization_id=export.organization_id,
        kind=NotificationKind.EXPORT_REFUSED,
        subject=_("Reunite: your export was refused"),
    )
    return export


def export_request_download(
    *, actor: Membership, export: ExportRequest, now: datetime
) -> services.ExportFile:
    """The approved export, generated now, for its requester, once. Raises Forbidden
    for anyone else (or a requester who lost the export right) and Conflict when the
    request is not approved, was downloaded already or is past its window."""
    try:
        return _download(actor=actor, export=export, now=now)
    except _Expired:
        raise _expired(actor, export, now) from None


@transaction.atomic
def _download(*, actor: Membership, export: ExportRequest, now: datetime) -> services.ExportFile:
    if export.requested_by_id != actor.user_id or export.organization_id != actor.organization_id:
        raise Forbidden(
            _("Only the person who asked for this export can download it."), code="not_requester"
        )
    require(actor, Capability.EXPORT_DATA)
    export = ExportRequest.objects.select_for_update().get(pk=export.pk)
    if export.status == ExportStatus.DOWNLOADED:
        raise Conflict(
            _("This export has been downloaded already; an approval gives one download."),
            code="export_downloaded",
        )
    if export.status == ExportStatus.EXPIRED:
        raise _expired_error()
    if export.status != ExportStatus.APPROVED:
        raise Conflict(_("This export has not been approved."), code="export_not_approved")
    if export.expires_at <= now:
        raise _Expired()
    file = _generate(actor, export, now)
    export.status, export.downloaded_at, export.rows = ExportStatus.DOWNLOADED, now, file.rows
    export.full_clean()
    export.save()
    record(
        event_type=EventType.EXPORT_DOWNLOADED,
        actor=actor.user,
        organization=actor.organization,
        target=export,
        data={"kind": export.kind, "format": export.format, "rows": file.rows},
        at=now,
    )
    return file


def _generate(actor: Membership, export: ExportRequest, now: datetime) -> services.ExportFile:
    """The file itself; each generator audits what it wrote (fields and counts)."""
    today = timezone.localdate(now)
    if export.kind == ExportKind.PFIF:
        result = pfif_services.pfif_export(
            actor=actor, now=now, include_sensitive=bool(export.options.get("include_sensitive"))
        )
        return services.ExportFile(
            "reunite-pfif-1.4.xml", "application/xml", result.xml, result.persons
        )
    generate = services.cases_export if export.kind == ExportKind.CASES else services.people_export
    return generate(actor=actor, fmt=export.format, today=today)
