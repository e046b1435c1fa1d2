"""The meetings services called directly: daily creation, the chair's agenda changes,
running and closing a meeting, outcomes and their Record of Sharing, and availability."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from openmash.core.errors import ConflictError, DomainError, NotPermitted, TransitionNotAllowed
from openmash.governance.codes import DisclosureKind
from openmash.governance.models import SharingRecord
from openmash.meetings import services
from openmash.meetings.codes import (
    AbsenceReason,
    AttendanceStatus,
    ItemSource,
    MeetingStatus,
    OutcomeCode,
    PartOfDay,
)
from openmash.meetings.models import AgendaItem, Meeting, MeetingType, Unavailability
from openmash.meetings.selectors import agencies_with_nobody_available
from openmash.meetings.tasks import meetings_create_today
from openmash.timescales.calendar import LONDON
from openmash.timescales.models import ClosureDay

from .factories import contact_with_child, enquiry_on, meeting_at

pytestmark = pytest.mark.django_db

WEDNESDAY = dt.date(2026, 3, 11)


def at(day, hour, minute=0):
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=LONDON)


# -- daily creation -----------------------------------------------------------------------------


def test_meeting_types_are_the_protocols_and_loading_twice_changes_nothing(db):
    services.meeting_types_ensure()
    services.meeting_types_ensure()
    types = {t.code: t for t in MeetingType.objects.prefetch_related("times")}
    assert set(types) == {
        "spa_huddle",
        "mash_huddle",
        "mash_meeting",
        "dan_triage",
        "midwifery_safeguarding",
    }
    times = {code: [f"{t.starts_at:%H:%M}" for t in mt.times.all()] for code, mt in types.items()}
    assert times["spa_huddle"] == ["09:15"]
    assert times["mash_huddle"] == ["09:30"]
    assert times["mash_meeting"] == ["11:30", "15:00"]
    assert times["dan_triage"] == [] and not types["dan_triage"].auto_schedule
    assert not types["midwifery_safeguarding"].auto_schedule
    assert types["mash_meeting"].early_help_expected


@time_machine.travel(at(WEDNESDAY, 6), tick=False)
def test_daily_job_creates_the_days_meetings_once(db):
    assert meetings_create_today() == 4
    assert meetings_create_today() == 4  # a doubled beat run
    services.meetings_create_for_day(WEDNESDAY)
    meetings = Meeting.objects.filter(date=WEDNESDAY).order_by("starts_at")
    assert [
        (m.meeting_type.code, timezone.localtime(m.starts_at, LONDON).strftime("%H:%M"))
        for m in meetings
    ] == [
        ("spa_huddle", "09:15"),
        ("mash_huddle", "09:30"),
        ("mash_meeting", "11:30"),
        ("mash_meeting", "15:00"),
    ]
    assert all(m.status == MeetingStatus.PLANNED and m.agenda_built_at for m in meetings)


@pytest.mark.parametrize(
    "day",
    [
        dt.date(2026, 3, 14),  # Saturday
        dt.date(2026, 3, 15),  # Sunday
        dt.date(2026, 12, 25),  # Christmas Day
        dt.date(2026, 8, 31),  # summer bank holiday
    ],
)
def test_no_meetings_on_weekends_and_bank_holidays(db, day):
    assert services.meetings_create_for_day(day) == []
    assert not Meeting.objects.exists()


def test_no_meetings_on_a_local_closure_day(db):
    ClosureDay.objects.create(date=WEDNESDAY, reason="Office move")
    assert services.meetings_create_for_day(WEDNESDAY) == []


def test_only_a_chair_creates_meetings_on_demand(staff):
    with pytest.raises(NotPermitted):
        services.meetings_create_for_day(WEDNESDAY, actor=staff["police"])
    assert len(services.meetings_create_for_day(WEDNESDAY, actor=staff["pm"])) == 4


def test_the_chair_arranges_a_dan_triage(staff):
    types = services.meeting_types_ensure()
    meeting = services.meeting_arrange(
        actor=staff["pm"], meeting_type=types["dan_triage"], day=WEDNESDAY, starts_at=dt.time(10)
    )
    assert meeting.meeting_type.code == "dan_triage"
    with pytest.raises(DomainError, match="already a DAN triage at 10:00"):
        services.meeting_arrange(
            actor=staff["pm"],
            meeting_type=types["dan_triage"],
            day=WEDNESDAY,
            starts_at=dt.time(10),
        )


# -- the chair's agenda -------------------------------------------------------------------------


@pytest.fixture
def huddle(db):
    return meeting_at("mash_huddle", at(WEDNESDAY, 9, 30))


def _refs(meeting):
    return list(
        AgendaItem.unscoped.filter(meeting=meeting, removed_at=None)
        .order_by("position")
        .values_list("contact__reference", flat=True)
    )


def test_chair_adds_by_reference_moves_and_removes(staff, huddle):
    pm = staff["pm"]
    a, b, c = (contact_with_child(reference=f"C26-00010{n}") for n in range(3))
    for contact in (a, b, c):
        services.agenda_item_add(huddle, actor=pm, reference=contact.reference.lower())
    assert _refs(huddle) == [a.reference, b.reference, c.reference]
    item_c = AgendaItem.unscoped.get(meeting=huddle, contact=c)
    assert item_c.source == ItemSource.CHAIR and item_c.reason == "Added by the chair"

    services.agenda_item_move(item_c, actor=pm, direction="up")
    assert _refs(huddle) == [a.reference, c.reference, b.reference]
    services.agenda_item_move(item_c, actor=pm, direction="up")
    services.agenda_item_move(item_c, actor=pm, direction="up")  # already first: no change
    assert _refs(huddle) == [c.reference, a.reference, b.reference]
    item_a = AgendaItem.unscoped.get(meeting=huddle, contact=a)
    services.agenda_item_move(item_a, actor=pm, direction="down")
    assert _refs(huddle) == [c.reference, b.reference, a.reference]

    services.agenda_item_remove(item_a, actor=pm)
    assert _refs(huddle) == [c.reference, b.reference]
    # Removed items are remembered: the queues do not put them back...
    a.received_at = at(WEDNESDAY, 8)
    a.save(update_fields=["received_at"])
    with time_machine.travel(at(WEDNESDAY, 9), tick=False):
        services.agenda_build(huddle, actor=pm)
    assert a.reference not in _refs(huddle)
    # ...but the chair can, and it goes at the end.
    services.agenda_item_add(huddle, actor=pm, reference=a.reference, reason="Back on")
    assert _refs(huddle) == [c.reference, b.reference, a.reference]


def test_adding_refuses_unknown_and_duplicate_references(staff, huddle):
    contact = contact_with_child()
    services.agenda_item_add(huddle, actor=staff["pm"], reference=contact.reference)
    with pytest.raises(DomainError, match="already on this agenda") as error:
        services.agenda_item_add(huddle, actor=staff["pm"], reference=contact.reference)
    assert error.value.field == "reference"
    with pytest.raises(DomainError, match="No contact has the reference C26-999999"):
        services.agenda_item_add(huddle, actor=staff["pm"], reference=" c26-999999 ")
    with pytest.raises(DomainError, match="Enter the contact reference"):
        services.agenda_item_add(huddle, actor=staff["pm"], reference="  ")


def test_a_contact_whose_processing_is_restricted_stays_off_agendas(staff, huddle):
    """UK GDPR Art 18: the chair is told why; the daily build skips it."""
    from openmash.contacts.models import ContactPerson
    from openmash.governance.models import ProcessingRestriction

    contact = contact_with_child(received_at=at(WEDNESDAY, 8))
    child = ContactPerson.unscoped.get(contact=contact).person
    ProcessingRestriction.unscoped.create(
        person=child, ground="accuracy", started_at=timezone.now(), started_by=staff["pm"]
    )
    with pytest.raises(DomainError, match="restricted") as error:
        services.agenda_item_add(huddle, actor=staff["pm"], reference=contact.reference)
    assert error.value.field == "reference"
    assert "cannot be put on an agenda" in str(error.value)
    with time_machine.travel(at(WEDNESDAY, 9), tick=False):
        services.agenda_build(huddle, actor=staff["pm"])
    assert contact.reference not in _refs(huddle)


def test_only_a_chair_changes_an_agenda(staff, huddle):
    contact = contact_with_child()
    for who in ("sw", "police", "eh"):
        with pytest.raises(NotPermitted):
            services.agenda_item_add(huddle, actor=staff[who], reference=contact.reference)


# -- running a meeting --------------------------------------------------------------------------


@pytest.fixture
def mash_meeting(staff, agencies):
    """The 11:30 MASH meeting with one enquiry (police and health asked) on its agenda."""
    contact = contact_with_child(status="enquiry", rag="amber")
    enquiry_on(contact, opened_by=staff["pm"], agencies=[agencies["POLICE"], agencies["HEALTH"]])
    meeting = meeting_at("mash_meeting", at(WEDNESDAY, 11, 30))
    services.agenda_build(meeting, actor=staff["pm"])
    return meeting


def _item(meeting):
    return AgendaItem.unscoped.select_related("meeting__meeting_type", "contact").get(
        meeting=meeting
    )


def test_running_a_mash_meeting_records_outcomes_and_closes(staff, agencies, mash_meeting):
    pm = staff["pm"]
    item = _item(mash_meeting)
    with pytest.raises(TransitionNotAllowed, match="Start the meeting"):
        services.outcome_record(
            item, actor=pm, expected_version=1, outcome_code="nfa", outcome="No concerns."
        )
    meeting = services.meeting_start(mash_meeting, actor=pm, expected_version=1)
    assert meeting.status == MeetingStatus.IN_PROGRESS and meeting.chair == pm

    with pytest.raises(DomainError, match="Select the outcome agreed"):
        services.outcome_record(
            item, actor=pm, expected_version=1, outcome_code="reviewed", outcome="x"
        )  # a huddle outcome is not a MASH meeting outcome
    services.outcome_record(
        item,
        actor=pm,
        expected_version=item.version,
        outcome_code=OutcomeCode.ASSESSMENT_S17,
        outcome="Child and family assessment; allocate to the assessment team today.",
        early_help_considered=True,
    )
    item.refresh_from_db()
    assert item.outcome_code == OutcomeCode.ASSESSMENT_S17 and item.recorded_by == pm
    # Both agencies asked about the contact see the outcome: one disclosure each.
    shared = SharingRecord.objects.filter(kind=DisclosureKind.OUTCOME_TO_PARTNER)
    assert {r.to_agency.code for r in shared} == {"POLICE", "HEALTH"}
    assert all(r.contact_id == item.contact_id and r.record_id == str(item.pk) for r in shared)

    # The Early Help co-ordinator is expected at every MASH meeting.
    with pytest.raises(DomainError, match="Early Help co-ordinator"):
        services.meeting_close(meeting, actor=pm, expected_version=meeting.version)
    services.attendance_record(
        meeting,
        actor=pm,
        agency=agencies["EARLY_HELP"],
        attendee=staff["eh"],
        status=AttendanceStatus.APOLOGIES,
    )
    meeting = services.meeting_close(meeting, actor=pm, expected_version=meeting.version)
    assert meeting.status == MeetingStatus.CLOSED and meeting.closed_by == pm
    with pytest.raises(TransitionNotAllowed, match="closed"):
        services.agenda_item_remove(item, actor=pm)
    with pytest.raises(TransitionNotAllowed, match="closed"):
        services.meeting_notes_update(
            meeting,
            actor=pm,
            expected_version=meeting.version,
            staffing_notes="",
            capacity_notes="",
        )


def test_a_second_chair_on_a_stale_page_gets_a_conflict(staff, mash_meeting):
    meeting = services.meeting_start(mash_meeting, actor=staff["pm"], expected_version=1)
    item = _item(meeting)
    seen = item.version
    services.outcome_record(
        item,
        actor=staff["pm"],
        expected_version=seen,
        outcome_code=OutcomeCode.NFA,
        outcome="No further action.",
    )
    with pytest.raises(ConflictError, match="recorded for this item by Test User"):
        services.outcome_record(
            _item(meeting),
            actor=staff["pm2"],
            expected_version=seen,
            outcome_code=OutcomeCode.STRATEGY_S47,
            outcome="Strategy discussion.",
        )
    assert _item(meeting).outcome_code == OutcomeCode.NFA
    with pytest.raises(ConflictError):
        services.meeting_notes_update(
            meeting, actor=staff["pm2"], expected_version=1, staffing_notes="x", capacity_notes=""
        )


def test_an_item_with_an_outcome_stays_on_the_agenda(staff, mash_meeting):
    meeting = services.meeting_start(mash_meeting, actor=staff["pm"], expected_version=1)
    item = _item(meeting)
    services.outcome_record(
        item, actor=staff["pm"], expected_version=item.version, outcome_code="nfa", outcome="NFA"
    )
    with pytest.raises(DomainError, match="stays on the agenda"):
        services.agenda_item_remove(item, actor=staff["pm"])


def test_attendance_rules(staff, agencies, mash_meeting):
    pm = staff["pm"]
    with pytest.raises(DomainError, match="works for Police, not Health"):
        services.attendance_record(
            mash_meeting,
            actor=pm,
            agency=agencies["HEALTH"],
            attendee=staff["police"],
            status=AttendanceStatus.PRESENT,
        )
    with pytest.raises(DomainError, match="Select the member of staff, or enter their name"):
        services.attendance_record(
            mash_meeting, actor=pm, agency=agencies["HEALTH"], status=AttendanceStatus.PRESENT
        )
    first = services.attendance_record(
        mash_meeting,
        actor=pm,
        agency=agencies["POLICE"],
        attendee=staff["police"],
        status=AttendanceStatus.APOLOGIES,
    )
    again = services.attendance_record(
        mash_meeting,
        actor=pm,
        agency=agencies["POLICE"],
        attendee=staff["police"],
        status=AttendanceStatus.PRESENT,
    )
    assert again.pk == first.pk and again.status == AttendanceStatus.PRESENT
    visitor = services.attendance_record(
        mash_meeting,
        actor=pm,
        agency=agencies["HEALTH"],
        attendee_name="  Visiting   midwife ",
        status=AttendanceStatus.PRESENT,
    )
    assert visitor.name == "Visiting midwife"


# -- availability and cover ---------------------------------------------------------------------


def _away(user, day=WEDNESDAY, cover=None, part=PartOfDay.ALL_DAY, ends_on=None):
    return services.unavailability_record(
        actor=user,
        starts_on=day,
        ends_on=ends_on or day,
        part_of_day=part,
        reason=AbsenceReason.PLANNED_LEAVE,
        cover=cover,
        today=day,
    )


def test_an_agency_with_nobody_in_and_no_cover_is_flagged(staff, agencies):
    morning, afternoon = at(WEDNESDAY, 10), at(WEDNESDAY, 14)
    flagged = agencies_with_nobody_available(morning)
    assert agencies["HOUSING"].pk in flagged  # no practitioner at all
    assert agencies["HEALTH"].pk not in flagged
    assert agencies["CSC"].pk not in flagged  # no requests

    _away(staff["health"])
    assert agencies["HEALTH"].pk in agencies_with_nobody_available(morning)

    # Police: one away with a colleague covering, so still available; both away, not.
    _away(staff["police"], cover=staff["police2"])
    assert agencies["POLICE"].pk not in agencies_with_nobody_available(morning)
    Unavailability.objects.filter(practitioner=staff["police"]).delete()
    _away(staff["police"])
    _away(staff["police2"], part=PartOfDay.MORNING)
    assert agencies["POLICE"].pk in agencies_with_nobody_available(morning)
    assert agencies["POLICE"].pk not in agencies_with_nobody_available(afternoon)

    # Deactivated practitioners do not count.
    staff["education"].is_active = False
    staff["education"].save(update_fields=["is_active"])
    assert agencies["EDUCATION"].pk in agencies_with_nobody_available(morning)


def test_unavailability_rules(staff):
    police = staff["police"]
    with pytest.raises(DomainError, match="colleague from your own agency") as error:
        _away(police, cover=staff["health"])
    assert error.value.field == "cover"
    with pytest.raises(DomainError, match="Choose a colleague"):
        _away(police, cover=police)
    with pytest.raises(DomainError, match="must be a single day"):
        _away(police, part=PartOfDay.MORNING, ends_on=WEDNESDAY + dt.timedelta(days=1))
    with pytest.raises(DomainError, match="same as or after"):
        _away(police, ends_on=WEDNESDAY - dt.timedelta(days=1))
    with pytest.raises(DomainError, match="today or a later day"):
        services.unavailability_record(
            actor=police,
            starts_on=WEDNESDAY - dt.timedelta(days=3),
            ends_on=WEDNESDAY - dt.timedelta(days=2),
            part_of_day=PartOfDay.ALL_DAY,
            reason=AbsenceReason.TRAINING,
            today=WEDNESDAY,
        )
    _away(police, part=PartOfDay.MORNING)
    _away(police, part=PartOfDay.AFTERNOON)  # the two halves do not overlap
    with pytest.raises(DomainError, match="already recorded time away"):
        _away(police)
    with pytest.raises(DomainError, match="is also away then"):
        _away(staff["police2"], cover=police)
    entry = Unavailability.objects.filter(practitioner=police).first()
    with pytest.raises(NotPermitted):
        services.unavailability_cancel(entry, actor=staff["police2"])
    services.unavailability_cancel(entry, actor=police)
    assert Unavailability.objects.filter(practitioner=police).count() == 1
