"""The contract-awards CSV uploaded to the exclusion list goes past the virus scanner too
(ASVS 5.4.3): an infected file is refused with nothing added and an audit event."""

import pytest

from reunite.audit.events import EventType
from reunite.audit.models import AuditEvent
from reunite.core.errors import Invalid, Unavailable
from reunite.core.tests import fake_clamd
from reunite.core.tests.fake_clamd import EICAR, SIGNATURE
from reunite.funds import services
from reunite.funds.models import ExclusionEntry
from reunite.funds.tests.conftest import member
from reunite.funds.tests.test_gifts import AWARDS

pytestmark = pytest.mark.django_db
clamd, clamd_down = fake_clamd.clamd, fake_clamd.clamd_down


def test_a_clean_awards_file_is_scanned_then_read(clamd, fiona):
    result = services.exclusions_import(actor=member(fiona), data=AWARDS.encode())
    assert clamd.scanned == [AWARDS.encode()]
    assert result.created == ExclusionEntry.objects.count() > 0


def test_an_infected_awards_file_adds_nothing_and_is_audited(clamd, fiona):
    infected = AWARDS.encode() + EICAR + b"\n"
    with pytest.raises(Invalid) as refused:
        services.exclusions_import(actor=member(fiona), data=infected)
    assert refused.value.code == "infected"
    assert not ExclusionEntry.objects.exists()
    event = AuditEvent.objects.get(event_type=EventType.UPLOAD_INFECTED)
    assert event.data == {"upload": "exclusions", "signature": SIGNATURE, "size": len(infected)}


def test_a_scanner_that_is_down_refuses_the_file(clamd_down, fiona):
    with pytest.raises(Unavailable):
        services.exclusions_import(actor=member(fiona), data=AWARDS.encode())
    assert not ExclusionEntry.objects.exists()
