"""The portal's own deployment checks, run by `reunite check --deploy` (and `make check`)."""

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security, deploy=True)
def uploads_are_scanned(app_configs, **kwargs):
    """Lists, PFIF files and case documents come from outside: in production they are
    scanned by clamd before they are read or kept (reunite/core/antivirus.py)."""
    if settings.UPLOAD_SCAN_CLAMD:
        return []
    return [
        checks.Warning(
            "Uploads are not scanned for viruses.",
            hint="Run clamd and set UPLOAD_SCAN_CLAMD (tcp://host:port or unix:///path).",
            id="reunite.W001",
        )
    ]
