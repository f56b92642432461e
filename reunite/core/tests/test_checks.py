"""The portal's own `check --deploy` warnings."""

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from reunite.core.checks import uploads_are_scanned


def test_a_deployment_without_virus_scanning_is_warned(settings):
    settings.UPLOAD_SCAN_CLAMD = ""
    with pytest.raises(SystemCheckError, match=r"reunite\.W001"):
        call_command("check", "--deploy", "--fail-level", "WARNING", "--tag", "security")
    assert [w.id for w in uploads_are_scanned(None)] == ["reunite.W001"]


def test_with_a_scanner_the_warning_is_gone(settings):
    settings.UPLOAD_SCAN_CLAMD = "tcp://127.0.0.1:3310"
    assert uploads_are_scanned(None) == []
