"""Who may ask for, approve and download a bulk export (ASVS 2.3.5).

- Asking: any role with the export capability (organisation admin, attorney).
- Approving or refusing: another active member of the same organisation who is an
  organisation admin or a verified attorney: the people the organisation already trusts
  to verify attorneys and to confirm matches. An unverified attorney may ask but not
  approve; nobody approves their own request (also a database constraint).
- Downloading: the requester only, still holding the export capability.

A request of another organisation, or one the actor neither made nor may decide, is a
404 like any record that is not theirs.
"""

from __future__ import annotations

from reunite.accounts.access import has
from reunite.accounts.models import Membership
from reunite.accounts.roles import Capability, Role
from reunite.core.errors import NotFound
from reunite.interop.models import ExportRequest


def can_approve_exports(actor: Membership | None) -> bool:
    return (
        actor is not None
        and has(actor, Capability.EXPORT_DATA)
        and (actor.role == Role.ORG_ADMIN or actor.is_verified_attorney)
    )


def access_export_request(*, actor: Membership, public_id) -> ExportRequest:
    """The organisation's export request, for its requester or a possible approver."""
    export = (
        ExportRequest.objects.select_related("requested_by", "decided_by")
        .filter(organization=actor.organization, public_id=public_id)
        .first()
    )
    if export is None:
        raise NotFound()
    if not (export.requested_by_id == actor.user_id or can_approve_exports(actor)):
        raise NotFound()
    return export
