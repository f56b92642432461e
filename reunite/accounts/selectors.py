"""Reads of accounts data, always scoped by who is asking."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from reunite.accounts import user_sessions
from reunite.accounts.models import Invitation, Membership, Organization, User


def memberships_of(*, user: User) -> QuerySet[Membership]:
    """The user's active memberships in active organisations (for the switcher)."""
    return (
        Membership.objects.filter(user=user, is_active=True, organization__is_active=True)
        .select_related("organization")
        .order_by("organization__name")
    )


def default_membership(*, user: User) -> Membership | None:
    return memberships_of(user=user).first()


def active_membership(*, user: User, chosen: str | None) -> Membership | None:
    """The membership the user chose in this session, else their first one."""
    memberships = memberships_of(user=user).select_related("user")
    if chosen:
        membership = memberships.filter(public_id=chosen).first()
        if membership:
            return membership
    return memberships.first()


def member_list(*, actor: Membership) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(organization=actor.organization)
        .select_related("user", "attorney_verified_by")
        .order_by("-is_active", "user__full_name")
    )


def open_invitations(*, actor: Membership, now) -> QuerySet[Invitation]:
    return Invitation.objects.filter(
        organization=actor.organization,
        accepted_at__isnull=True,
        revoked_at__isnull=True,
        expires_at__gt=now,
    ).select_related("invited_by")


def member_ids(*, organization_id) -> list:
    """Public ids of everyone who is or was a member (for scoping audit views)."""
    return list(
        Membership.objects.filter(organization__public_id=organization_id).values_list(
            "user__public_id", flat=True
        )
    )


def other_organizations(*, actor: Membership) -> QuerySet[Organization]:
    """Active organisations other than the actor's (whom a record can be shared with)."""
    return Organization.objects.filter(is_active=True).exclude(pk=actor.organization_id).order_by("name")


@dataclass(frozen=True)
class SessionRow:
    id: str
    current: bool
    device: str
    ip: str
    signed_in_at: datetime | None
    last_seen_at: datetime | None


def _moment(timestamp) -> datetime | None:
    if timestamp is None:
        return None
    return datetime.fromtimestamp(timestamp, tz=timezone.get_current_timezone())


def user_session_list(*, user: User, current_session_key: str, now: datetime) -> list[SessionRow]:
    """The user's own live sessions, the current one first, then by last request.
    Sessions past the idle or total limit are left out: the next request ends them."""
    rows = []
    moment = now.timestamp()
    for session, data in user_sessions.sessions_of(user.pk):
        auth_at, last_seen = (
            data.get(user_sessions.SESSION_AUTH_AT),
            data.get(user_sessions.SESSION_LAST_SEEN),
        )
        if auth_at is None or last_seen is None:
            continue
        if moment - last_seen > settings.SESSION_IDLE_SECONDS:
            continue
        if moment - auth_at > settings.SESSION_MAX_SECONDS:
            continue
        rows.append(
            SessionRow(
                id=user_sessions.session_public_id(session.session_key),
                current=session.session_key == current_session_key,
                device=data.get(user_sessions.SESSION_DEVICE, ""),
                ip=data.get(user_sessions.SESSION_IP, ""),
                signed_in_at=_moment(auth_at),
                last_seen_at=_moment(last_seen),
            )
        )
    rows.sort(key=lambda row: (not row.current, -(row.last_seen_at or now).timestamp()))
    return rows
