"""Who reads the court report, and who may open the cases behind its figures.

The figures are counts: every role that sees clients or audits the organisation reads
them. The cases behind a figure are client work: counsel only (attorneys, who hold
`confirm_matches`), and only their own organisation's cases."""

from __future__ import annotations

from reunite.accounts.access import has
from reunite.accounts.models import Membership
from reunite.accounts.roles import Capability


def can_read_report(actor: Membership | None) -> bool:
    return has(actor, Capability.VIEW_CLIENTS) or has(actor, Capability.VIEW_AUDIT)


def can_drill_down(actor: Membership | None) -> bool:
    return has(actor, Capability.CONFIRM_MATCHES) and has(actor, Capability.VIEW_CLIENTS)
