"""Personal API tokens: a user acting for one organisation, with scopes, for a while.

The token itself is shown once, when it is created; the database keeps only its SHA-256
(the token is 256 random bits, so a plain hash is enough: nothing to brute-force) and a
short public prefix that lets the owner recognise it in a list and lets the portal find
the row without comparing hashes in SQL.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from reunite.accounts.models import Membership
from reunite.core.models import PublicModel


class Scope(models.TextChoices):
    READ = "read", _("Read: people, identifiers, custody, match candidates")
    WRITE = "write", _("Write: register and change people, add identifiers and custody")
    MATCH = "match", _("Match: review match candidates")


class ApiToken(PublicModel):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    # The organisation and role the token acts as; its rights are the membership's, now.
    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    scopes = models.JSONField(default=list)  # a subset of Scope values
    prefix = models.CharField(max_length=16, unique=True)
    secret_hash = models.CharField(max_length=64)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("created_at")), name="token_expires_later"
            ),
        ]

    def __str__(self):
        return f"api token {self.public_id} ({self.prefix})"

    def is_usable(self, *, now) -> bool:
        return self.revoked_at is None and now < self.expires_at
