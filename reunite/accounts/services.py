"""Business rules for organisations, invitations and memberships."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import models, transaction
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from reunite.accounts import user_sessions
from reunite.accounts.access import require
from reunite.accounts.models import Invitation, Membership, Organization, User
from reunite.accounts.roles import Capability, Role
from reunite.audit.events import EventType
from reunite.audit.services import record
from reunite.core.errors import Conflict, Forbidden, Invalid, NotFound


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def organization_create(*, name: str, actor: User | None = None) -> Organization:
    organization = Organization(name=name.strip())
    try:
        organization.full_clean()
    except ValidationError as exc:
        raise Invalid("; ".join(exc.messages)) from exc
    organization.save()
    record(event_type=EventType.ORGANIZATION_CREATED, actor=actor, organization=organization)
    return organization


@transaction.atomic
def membership_create(
    *, organization: Organization, user: User, role: Role, actor: User | None = None
) -> Membership:
    """Add a user to an organisation directly (set-up commands and accepted invitations)."""
    membership = Membership(organization=organization, user=user, role=role)
    membership.full_clean()
    membership.save()
    record(
        event_type=EventType.INVITATION_ACCEPTED,
        actor=actor or user,
        organization=organization,
        target=membership,
        data={"role": role},
    )
    return membership


@transaction.atomic
def invitation_create(
    *,
    actor: Membership,
    email: str,
    role: Role,
    now: datetime,
    accept_url: Callable[[str], str],
) -> tuple[Invitation, str]:
    """An organisation admin invites `email` to the actor's organisation."""
    require(actor, Capability.MANAGE_MEMBERS)
    return invitation_issue(
        organization=actor.organization,
        email=email,
        role=role,
        now=now,
        accept_url=accept_url,
        invited_by=actor.user,
    )


@transaction.atomic
def invitation_issue(
    *,
    organization: Organization,
    email: str,
    role: Role,
    now: datetime,
    accept_url: Callable[[str], str],
    invited_by: User | None = None,
) -> tuple[Invitation, str]:
    """Create an invitation and email its one-time link.

    Returns the invitation and the raw token (only its hash is kept). `invited_by` is
    empty only for an organisation's first admin, invited by the operator's command.
    """
    email = email.strip().lower()
    if Membership.objects.filter(
        organization=organization, user__email=email, is_active=True
    ).exists():
        raise Conflict(_("This person is already a member of your organisation."))
    token = secrets.token_urlsafe(32)
    invitation = Invitation(
        organization=organization,
        email=email,
        role=role,
        token_hash=_token_hash(token),
        invited_by=invited_by,
        expires_at=now + timedelta(days=settings.INVITATION_DAYS),
    )
    invitation.full_clean()
    invitation.save()
    context = {
        "organization": organization.name,
        "inviter": invited_by.full_name if invited_by else _("The Reunite operator"),
        "role": Role(role).label,
        "link": accept_url(token),
        "days": settings.INVITATION_DAYS,
    }
    send_mail(
        subject=_("You are invited to join %(organization)s on Reunite") % context,
        message=render_to_string("accounts/email/invitation.txt", context),
        from_email=None,
        recipient_list=[email],
    )
    record(
        event_type=EventType.INVITATION_SENT,
        actor=invited_by,
        organization=organization,
        target=invitation,
        data={"role": role},
    )
    return invitation, token


def invitation_by_token(*, token: str, now: datetime) -> Invitation:
    invitation = (
        Invitation.objects.select_related("organization")
        .filter(token_hash=_token_hash(token))
        .first()
    )
    if invitation is None or not invitation.is_open(now=now):
        raise NotFound(_("This invitation is not valid: it was used, revoked or has expired."))
    return invitation


@transaction.atomic
def invitation_accept(
    *,
    token: str,
    now: datetime,
    full_name: str = "",
    password: str = "",
    user: User | None = None,
) -> Membership:
    """Accept an invitation: as a new user (name and password), or as the signed-in user
    the invitation was addressed to (joining a further organisation)."""
    invitation = invitation_by_token(token=token, now=now)
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not invitation.is_open(now=now):
        raise NotFound(_("This invitation is not valid: it was used, revoked or has expired."))
    if user is None:
        if User.objects.filter(email=invitation.email).exists():
            raise Conflict(
                _("An account with this email exists: sign in first, then open the link again.")
            )
        user = User(email=invitation.email, full_name=full_name.strip())
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise Invalid(" ".join(exc.messages), code="password") from exc
        user.set_password(password)
        user.full_clean()
        user.save()
        # The invitation link proves the address: it is verified from the start.
        EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=True)
    elif user.email != invitation.email:
        raise Forbidden(_("This invitation was sent to another email address."))
    existing = Membership.objects.filter(user=user, organization=invitation.organization).first()
    if existing:
        existing.role, existing.is_active = invitation.role, True
        existing.save(update_fields=["role", "is_active", "updated_at"])
        membership = existing
        record(
            event_type=EventType.INVITATION_ACCEPTED,
            actor=user,
            organization=invitation.organization,
            target=membership,
            data={"role": invitation.role},
        )
    else:
        membership = membership_create(
            organization=invitation.organization, user=user, role=invitation.role
        )
    invitation.accepted_at, invitation.accepted_by = now, user
    invitation.save(update_fields=["accepted_at", "accepted_by", "updated_at"])
    return membership


@transaction.atomic
def invitation_revoke(*, actor: Membership, invitation: Invitation, now: datetime) -> None:
    require(actor, Capability.MANAGE_MEMBERS)
    if invitation.accepted_at is not None:
        raise Conflict(_("This invitation has already been accepted."))
    invitation.revoked_at = now
    invitation.save(update_fields=["revoked_at", "updated_at"])
    record(
        event_type=EventType.INVITATION_REVOKED,
        actor=actor.user,
        organization=actor.organization,
        target=invitation,
    )


def _ensure_another_admin(membership: Membership) -> None:
    others = Membership.objects.filter(
        organization=membership.organization, role=Role.ORG_ADMIN, is_active=True
    ).exclude(pk=membership.pk)
    if membership.role == Role.ORG_ADMIN and not others.exists():
        raise Conflict(_("An organisation needs at least one active admin."))


@transaction.atomic
def membership_change_role(*, actor: Membership, membership: Membership, role: Role) -> Membership:
    require(actor, Capability.MANAGE_MEMBERS)
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.role == role:
        return membership
    if role != Role.ORG_ADMIN:
        _ensure_another_admin(membership)
    previous = membership.role
    membership.role = role
    if role != Role.ATTORNEY:
        membership.attorney_verified_at = membership.attorney_verified_by = None
    membership.full_clean()
    membership.save()
    record(
        event_type=EventType.ROLE_CHANGED,
        actor=actor.user,
        organization=actor.organization,
        target=membership,
        fields=["role"],
        data={"from": previous, "to": role},
    )
    return membership


@transaction.atomic
def membership_deactivate(*, actor: Membership, membership: Membership) -> Membership:
    require(actor, Capability.MANAGE_MEMBERS)
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    _ensure_another_admin(membership)
    membership.is_active = False
    membership.save(update_fields=["is_active", "updated_at"])
    # Their open sessions end too (ASVS 7.4.5): whoever holds their laptop now must sign
    # in again, with both factors, to reach even their other organisations.
    ended = user_sessions_end(user=membership.user)
    record(
        event_type=EventType.MEMBER_DEACTIVATED,
        actor=actor.user,
        organization=actor.organization,
        target=membership,
        data={"sessions_ended": ended},
    )
    return membership


class FactorResetReason(models.TextChoices):
    LOST = "lost", gettext_lazy("Phone or security key lost or stolen")
    BROKEN = "broken", gettext_lazy("Phone or security key broken or replaced")
    CODES_LOST = "codes_lost", gettext_lazy("Authenticator and recovery codes both lost")


class IdentityCheck(models.TextChoices):
    IN_PERSON = "in_person", gettext_lazy("In person, with an identity document")
    VIDEO = "video", gettext_lazy("On a video call, with an identity document")


@transaction.atomic
def member_factors_reset(
    *,
    actor: Membership,
    membership: Membership,
    reason: str,
    identity_check: str,
    sign_in_url: str,
) -> int:
    """An organisation admin removes every second factor of a member who lost them all
    (ASVS 6.4.4). The admin vouches for the member's identity as at the invitation; the
    member's sessions end, and their next sign-in (password) reaches nothing but the
    enrolment of a new factor (RequireMFAMiddleware). The "last factor cannot be removed"
    rule (MFAAdapter) guards a member's own settings, not this. Returns how many factors
    were removed."""
    require(actor, Capability.MANAGE_MEMBERS)
    if membership.organization_id != actor.organization_id:
        raise NotFound()
    if reason not in FactorResetReason.values or identity_check not in IdentityCheck.values:
        raise Invalid(_("Say why, and how you confirmed who the member is."))
    member = membership.user
    if member.pk == actor.user_id:
        raise Forbidden(
            _("You cannot reset your own second factors: another admin of your organisation can.")
        )
    if (
        Membership.objects.filter(user=member, role=Role.ORG_ADMIN, is_active=True)
        .exclude(organization_id=actor.organization_id)
        .exists()
    ):
        raise Forbidden(
            _(
                "This member is an admin of another organisation: only the Reunite operator "
                "can reset their second factors."
            )
        )
    # allauth's signals are not sent: the receivers would record the member as the actor.
    removed, _by_model = Authenticator.objects.filter(user=member).delete()
    ended = user_sessions_end(user=member)
    context = {
        "organization": actor.organization.name,
        "admin": actor.user.full_name,
        "link": sign_in_url,
    }
    send_mail(
        subject=_("Your second factors on Reunite were reset"),
        message=render_to_string("accounts/email/factors_reset.txt", context),
        from_email=None,
        recipient_list=[member.email],
    )
    record(
        event_type=EventType.MFA_RESET,
        actor=actor.user,
        organization=actor.organization,
        target=membership,
        data={
            "reason": reason,
            "identity_check": identity_check,
            "factors_removed": removed,
            "sessions_ended": ended,
        },
    )
    return removed


@transaction.atomic
def membership_set_credentials(
    *, actor: Membership, membership: Membership, bar_number: str, bar_state: str, eoir_id: str
) -> Membership:
    """An attorney's bar admission or EOIR accreditation. Any change needs a new check."""
    if membership.pk != actor.pk:
        require(actor, Capability.MANAGE_MEMBERS)
    if membership.role != Role.ATTORNEY:
        raise Invalid(_("Only attorneys and accredited representatives carry credentials."))
    bar_number, bar_state, eoir_id = bar_number.strip(), bar_state.strip().upper(), eoir_id.strip()
    if not eoir_id and not (bar_number and bar_state):
        raise Invalid(_("Give a bar number and state, or an EOIR ID."))
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    changed = [
        name
        for name, value in (
            ("bar_number", bar_number),
            ("bar_state", bar_state),
            ("eoir_id", eoir_id),
        )
        if getattr(membership, name) != value
    ]
    if not changed:
        return membership
    membership.bar_number, membership.bar_state, membership.eoir_id = bar_number, bar_state, eoir_id
    membership.attorney_verified_at = membership.attorney_verified_by = None
    membership.full_clean()
    membership.save()
    record(
        event_type=EventType.ATTORNEY_CREDENTIALS_CHANGED,
        actor=actor.user,
        organization=actor.organization,
        target=membership,
        fields=changed,
    )
    return membership


@transaction.atomic
def attorney_verify(*, actor: Membership, membership: Membership, now: datetime) -> Membership:
    """An organisation admin vouches for an attorney's credentials."""
    require(actor, Capability.MANAGE_MEMBERS)
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.role != Role.ATTORNEY:
        raise Invalid(_("Only attorneys can be verified."))
    if not membership.eoir_id and not (membership.bar_number and membership.bar_state):
        raise Invalid(_("Record the attorney's bar number and state, or EOIR ID, first."))
    membership.attorney_verified_at, membership.attorney_verified_by = now, actor.user
    membership.save(update_fields=["attorney_verified_at", "attorney_verified_by", "updated_at"])
    record(
        event_type=EventType.ATTORNEY_VERIFIED,
        actor=actor.user,
        organization=actor.organization,
        target=membership,
    )
    return membership


@transaction.atomic
def membership_switch(*, user: User, public_id, organization_before=None) -> Membership:
    """Validate a switch of the active organisation (the session keeps the choice)."""
    membership = (
        Membership.objects.filter(
            user=user, public_id=public_id, is_active=True, organization__is_active=True
        )
        .select_related("organization")
        .first()
    )
    if membership is None:
        raise NotFound()
    record(
        event_type=EventType.ORGANIZATION_SWITCHED,
        actor=user,
        organization=membership.organization,
        data={"from": str(organization_before) if organization_before else None},
    )
    return membership


def user_sessions_end(*, user: User, keep_session_key: str | None = None) -> int:
    """End every session of `user` except the one named (ASVS 7.4.3: after a second
    factor is added, removed or its recovery codes renewed, a session opened with the old
    factors must sign in again). Sessions live in the database; they are few, and this
    runs only when a factor changes. Returns how many ended."""
    ended = 0
    for session, _data in user_sessions.sessions_of(user.pk):
        if session.session_key == keep_session_key:
            continue
        session.delete()
        ended += 1
    return ended


@transaction.atomic
def user_session_end(
    *,
    actor: User,
    session_id: str,
    current_session_key: str,
    organization: Organization | None = None,
    source_ip: str | None = None,
) -> None:
    """A member ends one of their own other sessions, named by its public id (ASVS
    7.5.2). Their current session ends by signing out, not here."""
    for session, _data in user_sessions.sessions_of(actor.pk):
        if user_sessions.session_public_id(session.session_key) != session_id:
            continue
        if session.session_key == current_session_key:
            raise Invalid(_("This is the session you are using: sign out to end it."))
        session.delete()
        record(
            event_type=EventType.SESSIONS_ENDED,
            actor=actor,
            organization=organization,
            data={"ended": 1, "scope": "one"},
            source_ip=source_ip,
        )
        return
    raise NotFound(_("That session has already ended."))


@transaction.atomic
def user_sessions_end_others(
    *,
    actor: User,
    current_session_key: str,
    organization: Organization | None = None,
    source_ip: str | None = None,
) -> int:
    """A member ends every session of theirs but the one they are using (ASVS 7.5.2)."""
    ended = user_sessions_end(user=actor, keep_session_key=current_session_key)
    record(
        event_type=EventType.SESSIONS_ENDED,
        actor=actor,
        organization=organization,
        data={"ended": ended, "scope": "others"},
        source_ip=source_ip,
    )
    return ended
