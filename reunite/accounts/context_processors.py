from reunite.accounts.access import has
from reunite.accounts.roles import Capability
from reunite.accounts.selectors import memberships_of


def membership(request):
    """The active membership, the others to switch to, and what the role may do."""
    current = getattr(request, "membership", None)
    if current is None:
        return {"membership": None}
    return {
        "membership": current,
        "other_memberships": [m for m in memberships_of(user=request.user) if m.pk != current.pk],
        "capabilities": {c.value: has(current, c) for c in Capability},
    }
