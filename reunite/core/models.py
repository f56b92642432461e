"""Abstract bases every Reunite model stands on."""

import uuid

from django.db import models


class PublicModel(models.Model):
    """A row with a random public id (the only id that appears in URLs) and timestamps."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
