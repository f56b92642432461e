"""Roles inside an organisation and what each may do."""

from enum import StrEnum

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ORG_ADMIN = "org_admin", _("Organisation admin")
    ATTORNEY = "attorney", _("Attorney")
    LEGAL_ASSISTANT = "legal_assistant", _("Legal assistant")
    FINANCE_OFFICER = "finance_officer", _("Finance officer")
    AUDITOR = "auditor", _("Auditor")


class Capability(StrEnum):
    MANAGE_MEMBERS = "manage_members"
    VIEW_AUDIT = "view_audit"
    VIEW_CLIENTS = "view_clients"
    EDIT_CLIENTS = "edit_clients"
    CONFIRM_MATCHES = "confirm_matches"  # also needs a verified attorney (see access.py)
    MANAGE_FUNDS = "manage_funds"
    APPROVE_PAYMENTS = "approve_payments"
    EXPORT_DATA = "export_data"


CAPABILITIES: dict[Role, frozenset[Capability]] = {
    Role.ORG_ADMIN: frozenset(
        {
            Capability.MANAGE_MEMBERS,
            Capability.VIEW_AUDIT,
            Capability.VIEW_CLIENTS,
            Capability.EDIT_CLIENTS,
            Capability.EXPORT_DATA,
        }
    ),
    Role.ATTORNEY: frozenset(
        {
            Capability.VIEW_CLIENTS,
            Capability.EDIT_CLIENTS,
            Capability.CONFIRM_MATCHES,
            Capability.EXPORT_DATA,
        }
    ),
    Role.LEGAL_ASSISTANT: frozenset({Capability.VIEW_CLIENTS, Capability.EDIT_CLIENTS}),
    Role.FINANCE_OFFICER: frozenset(
        {Capability.VIEW_CLIENTS, Capability.MANAGE_FUNDS, Capability.APPROVE_PAYMENTS}
    ),
    Role.AUDITOR: frozenset({Capability.VIEW_AUDIT}),
}


def can(role: str, capability: Capability) -> bool:
    return capability in CAPABILITIES.get(Role(role), frozenset())
