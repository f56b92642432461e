"""Reads of API tokens, scoped by who asks."""

from django.db.models import QuerySet

from reunite.accounts.models import Membership
from reunite.api.models import ApiToken


def token_list(*, actor: Membership) -> QuerySet[ApiToken]:
    """The user's own tokens for the organisation they are acting in, newest first."""
    return ApiToken.objects.filter(user=actor.user, membership=actor).order_by("-created_at")
