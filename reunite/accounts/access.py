"""The one place that decides who sees what.

An actor is a Membership: a user acting for one organisation in one role. Every
sensitive entity has one gate here. A missing record and a forbidden one look the same
(NotFound, a 404), so that ids from another organisation reveal nothing.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from reunite.accounts.models import Invitation, Membership
from reunite.accounts.roles import Capability, can
from reunite.core.errors import Forbidden, NotFound


def has(actor: Membership | None, capability: Capability) -> bool:
    return actor is not None and actor.is_active and can(actor.role, capability)


def require(actor: Membership | None, capability: Capability) -> None:
    """For pages without a record: a role that lacks the capability gets a 403."""
    if not has(actor, capability):
        raise Forbidden(_("Your role in this organisation does not allow this."))


def access_membership(*, actor: Membership, public_id, write: bool = False) -> Membership:
    """A membership of the actor's organisation. Reading needs member management or
    audit rights, or being that member; writing needs member management."""
    membership = (
        Membership.objects.select_related("user", "organization", "attorney_verified_by")
        .filter(organization=actor.organization, public_id=public_id)
        .first()
    )
    if membership is None:
        raise NotFound()
    is_self = membership.pk == actor.pk
    allowed = has(actor, Capability.MANAGE_MEMBERS) or (
        not write and (is_self or has(actor, Capability.VIEW_AUDIT))
    )
    if not allowed:
        raise NotFound()
    return membership


def access_invitation(*, actor: Membership, public_id) -> Invitation:
    invitation = Invitation.objects.filter(
        organization=actor.organization, public_id=public_id
    ).first()
    if invitation is None or not has(actor, Capability.MANAGE_MEMBERS):
        raise NotFound()
    return invitation
