"""Background work of imports (django-tasks: the database queue by default)."""

from django.utils import timezone
from django_tasks import task

from reunite.interop.services import import_fail, import_run


@task()
def run_import(job_id: int) -> str:
    """Run or continue one import; a crash marks it failed (resumable) and re-raises."""
    try:
        return import_run(job_id=job_id, now=timezone.now).status
    except Exception:
        import_fail(job_id=job_id, at=timezone.now())
        raise
