"""The demo loader: today's meetings with agendas, a closed MASH meeting with outcomes on the
children's timelines, one partner away with cover and one agency with nobody available —
idempotently, after the pathway loaders."""

import datetime as dt

import pytest
import time_machine

from openmash.accounts.demo import create_demo_staff
from openmash.accounts.models import Agency, User
from openmash.core.demo import DEMO_LOADERS
from openmash.meetings.codes import AttendanceStatus, MeetingStatus
from openmash.meetings.demo import load_demo_meetings
from openmash.meetings.models import AgendaItem, Attendance, Meeting, Unavailability
from openmash.meetings.selectors import agencies_with_nobody_available
from openmash.timescales.calendar import LONDON

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "moment",
    [
        dt.datetime(2026, 3, 11, 8, 0, tzinfo=LONDON),  # Wednesday before the huddles
        dt.datetime(2026, 3, 14, 10, 0, tzinfo=LONDON),  # Saturday: the previous working day
    ],
)
def test_demo_meetings(agencies, moment):
    create_demo_staff({})
    with time_machine.travel(moment, tick=False):
        assert load_demo_meetings in DEMO_LOADERS
        for loader in DEMO_LOADERS:
            loader()
        pm = User.objects.get(username="pm")
        day = dt.date(2026, 3, 11) if moment.weekday() < 5 else dt.date(2026, 3, 13)

        todays = Meeting.objects.filter(date=day)
        assert todays.count() >= 4
        huddle = todays.get(meeting_type__code="spa_huddle")
        assert AgendaItem.unscoped.filter(meeting=huddle).exists()

        closed = Meeting.objects.get(status=MeetingStatus.CLOSED)
        assert closed.meeting_type.code == "mash_meeting" and closed.date < day
        outcomes = AgendaItem.unscoped.filter(meeting=closed).exclude(outcome_code="")
        # The s47 strategy discussion the decisions demo records was agreed at the meeting.
        assert outcomes.filter(outcome_code="strategy_s47").exists()
        contact = outcomes.first().contact
        assert AgendaItem.objects.for_user(pm).filter(contact=contact).exists()
        first_mash = todays.filter(meeting_type__code="mash_meeting").order_by("starts_at")[0]
        assert "nobody is available there today" in (
            AgendaItem.unscoped.get(meeting=first_mash).reason
        )
        attendance = Attendance.objects.filter(meeting=closed)
        assert attendance.filter(agency__code="EARLY_HELP", status=AttendanceStatus.PRESENT)

        away = Unavailability.objects.select_related("practitioner", "cover")
        police = away.get(practitioner__username="police")
        assert police.cover is not None and police.cover.agency.code == "POLICE"
        assert away.get(practitioner__username="education").cover is None
        at = dt.datetime.combine(day, dt.time(10), tzinfo=LONDON)
        unavailable = agencies_with_nobody_available(at)
        assert Agency.objects.get(code="EDUCATION").pk in unavailable
        assert Agency.objects.get(code="POLICE").pk not in unavailable

        counts = (Meeting.objects.count(), AgendaItem.unscoped.count(), away.count())
        load_demo_meetings()
        assert (Meeting.objects.count(), AgendaItem.unscoped.count(), away.count()) == counts
