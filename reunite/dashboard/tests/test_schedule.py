"""`reunite schedule`: the daily retention purge beside the hourly audit anchor."""

import datetime
import io
from types import SimpleNamespace

import pytest
import time_machine
from django.core.management import call_command

from reunite.dashboard.management.commands import schedule
from reunite.people.retention import PurgeResult
from reunite.people.tests.factories import PersonFactory

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 3, 10, 22, 30, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def _setup(settings, tmp_path):
    settings.TIME_ZONE = "UTC"
    settings.RESTORE_WINDOW_DAYS = 30
    settings.AUDIT_ANCHOR_MINUTES = 60
    settings.AUDIT_ANCHOR_PATH = tmp_path / "anchors.log"


def test_daily_purge_expires_then_wipes(org_a):
    due = PersonFactory(organization=org_a, retention_until=NOW.date() - datetime.timedelta(days=1))
    assert schedule.daily_purge(now=NOW) == PurgeResult(expired=1, wiped=0)
    due.refresh_from_db()
    assert due.deleted_at == NOW and due.purged_at is None
    later = NOW + datetime.timedelta(days=31)
    assert schedule.daily_purge(now=later) == PurgeResult(expired=0, wiped=1)
    due.refresh_from_db()
    assert due.purged_at == later and due.given_names == ""


def test_once_purges_and_anchors(settings, org_a):
    PersonFactory(organization=org_a, retention_until=datetime.date(2000, 1, 1))
    out = io.StringIO()
    call_command("schedule", "--once", stdout=out)
    assert "purge: 1 expired, 0 wiped" in out.getvalue()
    assert "anchored audit event" in out.getvalue()
    assert settings.AUDIT_ANCHOR_PATH.read_text()


class _Stop(Exception):
    pass


def test_the_loop_purges_once_a_day_and_anchors_every_period(monkeypatch, org_a):
    with time_machine.travel(NOW, tick=False) as clock:
        naps = []

        def sleep(seconds):
            naps.append(seconds)
            if len(naps) == 3:
                raise _Stop
            clock.shift(datetime.timedelta(seconds=seconds))

        monkeypatch.setattr(schedule, "time", SimpleNamespace(sleep=sleep))
        out = io.StringIO()
        with pytest.raises(_Stop):
            call_command("schedule", stdout=out)
    # 22:30 purge, 23:30 no purge (same day), 00:30 purge (a new day).
    assert out.getvalue().count("purge:") == 2
    assert naps == [3600, 3600, 3600]
