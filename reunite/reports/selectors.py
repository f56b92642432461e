"""The court report's reads, scoped by the actor."""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from reunite.accounts.models import Membership
from reunite.cases.access import visible_cases
from reunite.cases.models import ReunificationCase
from reunite.core.errors import Forbidden, Invalid, NotFound
from reunite.reports import court
from reunite.reports.access import can_drill_down, can_read_report


def court_report(*, actor: Membership, as_of: datetime, now: datetime) -> court.CourtReport:
    """The actor's organisation's court report at `as_of`. A moment in the future is
    refused: its counts could still change, and the report must be reproducible."""
    if not can_read_report(actor):
        raise Forbidden()
    if as_of > now:
        raise Invalid(_("Choose a moment in the past: the future can still change."), code="as_of")
    return court.compute(organization=actor.organization, as_of=as_of, now=now)


def court_report_cases(
    *, actor: Membership, as_of: datetime, key: str, now: datetime
) -> tuple[court.CourtReport, court.Figure, QuerySet[ReunificationCase]]:
    """The cases behind one figure: counsel only, the organisation's own cases only."""
    if not can_drill_down(actor):
        raise Forbidden()
    if key not in court.FIGURE_KEYS:
        raise NotFound()
    report = court_report(actor=actor, as_of=as_of, now=now)
    figure = report.figure(key)
    cases = (
        visible_cases(actor=actor)
        .filter(pk__in=sorted(figure.case_pks))
        .select_related("attorney", "assistant")
        .order_by("reference")
    )
    return report, figure, cases
