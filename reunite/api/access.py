"""The gate to an API token: only its owner, acting in the membership it was made for.
Anyone else's id is a NotFound, like every other gate."""

from reunite.accounts.models import Membership
from reunite.api.models import ApiToken
from reunite.core.errors import NotFound


def access_token(*, actor: Membership, public_id) -> ApiToken:
    token = ApiToken.objects.filter(user=actor.user, membership=actor, public_id=public_id).first()
    if token is None:
        raise NotFound()
    return token
