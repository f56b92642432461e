"""The gates to a case and to what hangs from it. Only the owner organisation's members
who may see clients (view_clients; edit_clients to write) reach a case; a missing case
and another organisation's both raise NotFound (a 404)."""

from __future__ import annotations

from django.db.models import QuerySet

from reunite.accounts.access import has
from reunite.accounts.models import Membership
from reunite.accounts.roles import Capability
from reunite.cases.models import (
    CaseDocument,
    EligibilityFlag,
    ParentDecision,
    ReunificationCase,
    Task,
)
from reunite.core.errors import NotFound


def visible_cases(*, actor: Membership, write: bool = False) -> QuerySet[ReunificationCase]:
    capability = Capability.EDIT_CLIENTS if write else Capability.VIEW_CLIENTS
    if not has(actor, capability):
        return ReunificationCase.objects.none()
    return ReunificationCase.objects.filter(organization=actor.organization)


def access_case(*, actor: Membership, public_id, write: bool = False) -> ReunificationCase:
    case = (
        visible_cases(actor=actor, write=write)
        .select_related("attorney", "assistant", "match", "opened_by")
        .filter(public_id=public_id)
        .first()
    )
    if case is None:
        raise NotFound()
    return case


def _within(model, *, actor: Membership, public_id, write: bool):
    row = (
        model.objects.filter(case__in=visible_cases(actor=actor, write=write), public_id=public_id)
        .select_related("case")
        .first()
    )
    if row is None:
        raise NotFound()
    return row


def access_task(*, actor: Membership, public_id, write: bool = False) -> Task:
    return _within(Task, actor=actor, public_id=public_id, write=write)


def access_case_document(*, actor: Membership, public_id) -> CaseDocument:
    """Reading a document is reading the case: view_clients in the owner organisation."""
    return _within(CaseDocument, actor=actor, public_id=public_id, write=False)


def access_eligibility_flag(
    *, actor: Membership, public_id, write: bool = False
) -> EligibilityFlag:
    return _within(EligibilityFlag, actor=actor, public_id=public_id, write=write)


def access_parent_decision(*, actor: Membership, public_id, write: bool = False) -> ParentDecision:
    return _within(ParentDecision, actor=actor, public_id=public_id, write=write)
