"""API tokens: creating, revoking and recognising them. Every change is audited."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from reunite.accounts.models import Membership
from reunite.api.models import ApiToken, Scope
from reunite.audit.events import EventType
from reunite.audit.services import record
from reunite.core.errors import Conflict, Invalid

TOKEN_PREFIX = "rnt_"  # noqa: S105 (a public marker, not a secret: lets scanners and people recognise tokens)
_PREFIX_BYTES = 6  # 12 hex characters: the part shown in lists
_SECRET_BYTES = 32  # 256 random bits
# last_used_at is written at most this often per token: one UPDATE per minute, not per call.
_TOUCH_EVERY = timedelta(minutes=1)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


@dataclass(frozen=True)
class NewToken:
    token: ApiToken
    plaintext: str  # shown once, never stored


@transaction.atomic
def token_create(
    *, actor: Membership, name: str, scopes: list[str], days: int, now: datetime
) -> NewToken:
    """A token for the actor's membership. Its rights are never more than the role's:
    the scopes only narrow what the role allows."""
    name = " ".join(name.split())
    if not name:
        raise Invalid(
            _("Give the token a name, for example the system that will use it."), code="name"
        )
    if not scopes or not set(scopes) <= set(Scope.values):
        raise Invalid(_("Choose at least one scope."), code="scopes")
    if not 1 <= days <= settings.API_TOKEN_MAX_DAYS:
        raise Invalid(
            _("A token lasts between 1 and %(days)s days.") % {"days": settings.API_TOKEN_MAX_DAYS},
            code="days",
        )
    prefix = TOKEN_PREFIX + secrets.token_hex(_PREFIX_BYTES)
    plaintext = f"{prefix}_{secrets.token_urlsafe(_SECRET_BYTES)}"
    token = ApiToken(
        user=actor.user,
        membership=actor,
        name=name,
        scopes=sorted(set(scopes)),
        prefix=prefix,
        secret_hash=_hash(plaintext),
        expires_at=now + timedelta(days=days),
    )
    token.full_clean(exclude=["expires_at"])  # the constraint needs created_at, set on save
    token.save()
    record(
        event_type=EventType.API_TOKEN_CREATED,
        actor=actor.user,
        organization=actor.organization,
        target=token,
        data={"prefix": prefix, "scopes": ",".join(token.scopes), "days": days},
    )
    return NewToken(token=token, plaintext=plaintext)


@transaction.atomic
def token_revoke(*, actor: Membership, token: ApiToken, now: datetime) -> ApiToken:
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.user_id != actor.user_id:
        raise Conflict()
    if token.revoked_at is None:
        token.revoked_at = now
        token.save(update_fields=["revoked_at", "updated_at"])
        record(
            event_type=EventType.API_TOKEN_REVOKED,
            actor=actor.user,
            organization=actor.organization,
            target=token,
            data={"prefix": token.prefix},
        )
    return token


def token_authenticate(*, plaintext: str, now: datetime, source_ip: str | None) -> ApiToken | None:
    """The live token `plaintext` names, with its membership, organisation and user; else
    None. A refusal of a token the portal issued (revoked, expired, wrong secret, member
    or organisation deactivated) is audited; random strings are not (they name no one)."""
    # "rnt_" + 12 hex digits, "_", then the secret (whose alphabet includes "_" too).
    prefix = plaintext[: len(TOKEN_PREFIX) + 2 * _PREFIX_BYTES]
    if not prefix.startswith(TOKEN_PREFIX) or plaintext[len(prefix) : len(prefix) + 1] != "_":
        return None
    if len(plaintext) > 200:
        return None
    token = (
        ApiToken.objects.select_related("user", "membership__organization", "membership__user")
        .filter(prefix=prefix)
        .first()
    )
    if token is None:
        return None
    membership = token.membership
    reason = ""
    if not hmac.compare_digest(token.secret_hash, _hash(plaintext)):
        reason = "secret"
    elif token.revoked_at is not None:
        reason = "revoked"
    elif now >= token.expires_at:
        reason = "expired"
    elif not (membership.is_active and membership.organization.is_active and token.user.is_active):
        reason = "inactive"
    if reason:
        record(
            event_type=EventType.API_TOKEN_REFUSED,
            actor=token.user,
            organization=membership.organization,
            target=token,
            data={"prefix": token.prefix, "reason": reason},
            source_ip=source_ip,
        )
        return None
    if token.last_used_at is None or now - token.last_used_at >= _TOUCH_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
