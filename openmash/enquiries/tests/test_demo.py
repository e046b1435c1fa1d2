import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from openmash.accounts.demo import create_demo_staff
from openmash.enquiries.demo import load_demo_enquiries
from openmash.enquiries.models import EnquiryStatus, InformationRequest, MashEnquiry
from openmash.governance.models import SharingRecord
from openmash.timescales.calendar import LONDON

from .factories import RecordedContactFactory

pytestmark = pytest.mark.django_db
HOUR = dt.timedelta(hours=1)


@pytest.mark.parametrize(
    "moment",
    [
        dt.datetime(2025, 3, 11, 11, 30, tzinfo=LONDON),  # Tuesday morning
        dt.datetime(2025, 3, 15, 10, 0, tzinfo=LONDON),  # Saturday
    ],
)
def test_demo_enquiries_show_every_state_and_are_idempotent(agencies, moment):
    create_demo_staff({})
    with time_machine.travel(moment, tick=False):
        _check_demo_enquiries(working_hours=moment.weekday() < 5)


def _check_demo_enquiries(working_hours):
    now = timezone.now()
    for days in (6, 5, 4, 1, 1, 0):
        RecordedContactFactory(received_at=now - dt.timedelta(days=days, minutes=30))

    summary = load_demo_enquiries()
    after = timezone.now()
    assert "6 opened" in summary

    enquiries = MashEnquiry.unscoped.all()
    assert enquiries.count() == 6
    assert enquiries.filter(status=EnquiryStatus.READY).count() >= 1
    requests = InformationRequest.unscoped.all()
    assert {r.agency.code for r in requests} == {"POLICE", "HEALTH", "EDUCATION"}
    responded = requests.filter(status="responded")
    assert {r.agency.code for r in responded} >= {"POLICE", "HEALTH"}
    assert requests.filter(status="requested", due_at__lt=now).exists()  # overdue
    assert requests.filter(status="requested", due_at__gt=now).exists()  # still in time
    due_soon = requests.filter(status="requested", due_at__gt=now, due_at__lte=now + HOUR)
    assert due_soon.exists() == working_hours
    for request in requests:
        assert request.requested_at <= after and request.due_at > request.requested_at
        if request.responded_at:
            assert request.requested_at <= request.responded_at <= after
    assert SharingRecord.objects.filter(kind="agency_response").count() == responded.count()

    assert load_demo_enquiries() == "MASH enquiries: already present"
    assert MashEnquiry.unscoped.count() == 6


def test_demo_enquiries_wait_for_contacts(agencies):
    create_demo_staff({})
    assert "skipped" in load_demo_enquiries()
    assert not MashEnquiry.unscoped.exists()
