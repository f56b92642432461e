"""Background work of imports (django-tasks: the database queue by default)."""

from django.utils import timezone
from django_tasks import task

from reunite.interop.services import import_fail, import_run
from reunite.tracing.tasks import find_candidates


@task()
def run_import(job_id: int) -> str:
    """Run or continue one import; a crash marks it failed (resumable) and re-raises."""
    try:
        return import_run(job_id=job_id, now=timezone.now).status
    except Exception:
        import_fail(job_id=job_id, at=timezone.now())
        raise


# Below the default priority: a list's searches (one task per batch) wait behind the
# imports themselves and the searches for people entered by hand, so that a resumed
# import does not sit behind the searches its first run queued.
BULK_SEARCH_PRIORITY = -10


@task(priority=BULK_SEARCH_PRIORITY)
def find_candidates_batch(person_ids: list[int]) -> int:
    """The candidate search tracing runs when one person changes, for a whole imported
    batch: one queued task instead of a thousand (queueing alone cost an import of
    100,000 rows most of its minute)."""
    return sum(find_candidates.call(person_id) for person_id in person_ids)
