"""Background work of the tracing app (django-tasks: the database queue by default)."""

from django.utils import timezone
from django_tasks import task

from reunite.tracing.services import candidates_refresh


@task()
def find_candidates(person_id: int) -> int:
    """Re-key a changed person and score them against the other side."""
    return len(candidates_refresh(person_id=person_id, now=timezone.now()))
