from reunite.tracing.selectors import unread_notifications


def notifications(request):
    """How many unread notices the header's bell shows."""
    membership = getattr(request, "membership", None)
    if membership is None:
        return {}
    return {
        "unread_notifications": unread_notifications(
            user=request.user, organization_id=membership.organization_id
        ).count()
    }
