"""Agendas built from a seeded day: exactly the work the protocol puts on each meeting."""

import datetime as dt

import pytest
import time_machine

from openmash.contacts.models import ContactStatus
from openmash.enquiries.models import EnquiryStatus
from openmash.meetings.codes import ItemSource, MeetingStatus, OutcomeCode
from openmash.meetings.models import AgendaItem, Meeting
from openmash.meetings.services import agenda_build, meetings_create_for_day
from openmash.timescales.calendar import LONDON

from .factories import contact_with_child, enquiry_on, meeting_at

pytestmark = pytest.mark.django_db

TUESDAY = dt.date(2026, 3, 10)
MONDAY = dt.date(2026, 3, 9)
FRIDAY = dt.date(2026, 3, 6)


def at(day, hour, minute=0):
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=LONDON)


def agenda(meeting):
    return list(
        AgendaItem.unscoped.filter(meeting=meeting, removed_at=None)
        .select_related("contact")
        .order_by("position")
    )


def references(meeting):
    return [item.contact.reference for item in agenda(meeting)]


@pytest.fixture
def seeded_day(staff, agencies):
    """Contacts and enquiries as they stand at 06:00 on Tuesday 10 March 2026."""
    pm = staff["pm"]
    c = {}
    # Before Monday's 09:15 huddle, unrated: reviewed yesterday, not today.
    c["old_unrated"] = contact_with_child(reference="C26-000001", received_at=at(MONDAY, 9, 0))
    # New since Monday's huddle.
    c["monday_phone"] = contact_with_child(reference="C26-000002", received_at=at(MONDAY, 10))
    c["overnight_police"] = contact_with_child(
        reference="C26-000003",
        received_at=at(MONDAY, 22, 10),
        channel="police_notification",
        immediate_risk=True,
    )
    c["portal_early"] = contact_with_child(
        reference="C26-000004",
        received_at=at(TUESDAY, 7, 30),
        channel="public_portal",
        status=ContactStatus.SUBMITTED,
    )
    c["decided_monday"] = contact_with_child(
        reference="C26-000005", received_at=at(MONDAY, 11), status=ContactStatus.DECIDED
    )
    # Older outstanding work.
    c["red_friday"] = contact_with_child(
        reference="C26-000006",
        received_at=at(FRIDAY, 14),
        rag="red",
        status=ContactStatus.ENQUIRY,
        decision_due_at=at(MONDAY, 14),
    )
    c["amber_friday"] = contact_with_child(
        reference="C26-000007",
        received_at=at(FRIDAY, 15),
        rag="amber",
        status=ContactStatus.ENQUIRY,
        decision_due_at=at(TUESDAY, 15),
    )
    c["green_friday"] = contact_with_child(
        reference="C26-000008", received_at=at(FRIDAY, 10), rag="green"
    )
    c["amber_decided"] = contact_with_child(
        reference="C26-000009",
        received_at=at(FRIDAY, 9, 30),
        rag="amber",
        status=ContactStatus.DECIDED,
    )
    # Green, but waiting on Housing, where nobody is available (no practitioner at all).
    c["green_housing"] = contact_with_child(
        reference="C26-000010",
        received_at=at(FRIDAY, 11),
        rag="green",
        status=ContactStatus.ENQUIRY,
    )
    enquiry_on(
        c["red_friday"],
        opened_by=pm,
        agencies=[agencies["POLICE"]],
        status=EnquiryStatus.OPEN,
        outstanding={"POLICE"},
        ready_at=None,
    )
    enquiry_on(
        c["amber_friday"],
        opened_by=pm,
        agencies=[agencies["POLICE"], agencies["HOUSING"]],
        status=EnquiryStatus.OPEN,
        outstanding={"HOUSING"},
        ready_at=None,
    )
    enquiry_on(
        c["green_housing"],
        opened_by=pm,
        agencies=[agencies["HOUSING"]],
        status=EnquiryStatus.OPEN,
        outstanding={"HOUSING"},
        ready_at=None,
    )
    return c


@time_machine.travel(at(TUESDAY, 6, 0), tick=False)
def test_huddle_agenda_from_a_seeded_day(seeded_day):
    meetings = meetings_create_for_day(TUESDAY)
    spa = next(m for m in meetings if m.meeting_type.code == "spa_huddle")
    mash_huddle = next(m for m in meetings if m.meeting_type.code == "mash_huddle")

    # New work since Monday's huddle (immediate risk first, then as received), then outstanding
    # Red and Amber work, then work waiting on an agency with nobody available.
    expected = [
        "C26-000003",  # overnight police notification, immediate risk
        "C26-000002",  # Monday 10:00 phone call
        "C26-000004",  # portal referral at 07:30, to record
        "C26-000006",  # outstanding Red
        "C26-000007",  # outstanding Amber (and waiting on Housing)
        "C26-000010",  # Green, waiting on Housing: nobody available
    ]
    assert references(spa) == expected
    assert references(mash_huddle) == expected

    items = {i.contact.reference: i for i in agenda(spa)}
    assert all(i.source == ItemSource.AUTO for i in items.values())
    assert items["C26-000003"].reason.startswith(
        "New overnight / out of hours: police notification"
    )
    assert items["C26-000002"].reason.startswith("New since the last huddle: phone")
    assert items["C26-000004"].reason.endswith("online referral to record")
    assert items["C26-000006"].reason.startswith("Outstanding Red work")
    assert "(overdue)" in items["C26-000006"].reason
    assert "Information request to Housing outstanding" in items["C26-000007"].reason
    assert items["C26-000010"].reason.startswith("Information request to Housing outstanding")


@time_machine.travel(at(TUESDAY, 6, 0), tick=False)
def test_refreshing_an_agenda_adds_only_new_work_and_keeps_the_chairs_order(seeded_day, staff):
    meetings_create_for_day(TUESDAY)
    spa = Meeting.objects.get(meeting_type__code="spa_huddle", date=TUESDAY)
    before = references(spa)
    first = agenda(spa)[0]
    AgendaItem.unscoped.filter(pk=first.pk).update(position=99)  # the chair moved it last
    with time_machine.travel(at(TUESDAY, 8, 50), tick=False):
        late = contact_with_child(reference="C26-000011", received_at=at(TUESDAY, 8, 45))
        added = agenda_build(spa, actor=staff["pm"])
    assert added == 1
    # Nothing already there is added twice or moved; the new contact goes at the end.
    assert references(spa) == [*before[1:], before[0], late.reference]


def test_huddle_after_a_bank_holiday_covers_the_whole_break(staff):
    # Monday 4 May 2026 is the early May bank holiday: Tuesday's huddle looks back to Friday.
    friday = contact_with_child(received_at=at(dt.date(2026, 5, 1), 16))
    saturday = contact_with_child(received_at=at(dt.date(2026, 5, 2), 12), channel="out_of_hours")
    thursday = contact_with_child(received_at=at(dt.date(2026, 4, 30), 16))
    with time_machine.travel(at(dt.date(2026, 5, 5), 6), tick=False):
        assert meetings_create_for_day(dt.date(2026, 5, 4)) == []
        meetings_create_for_day(dt.date(2026, 5, 5))
    spa = Meeting.objects.get(meeting_type__code="spa_huddle", date=dt.date(2026, 5, 5))
    assert references(spa) == [friday.reference, saturday.reference]
    assert thursday.reference not in references(spa)


@pytest.fixture
def ready_enquiries(staff, agencies):
    """Enquiries at 06:00 on Tuesday: three awaiting discussion, one already discussed, one
    carried over (deferred), one still open."""
    pm = staff["pm"]
    police, health = agencies["POLICE"], agencies["HEALTH"]

    def ready(ref, ready_at, **contact_fields):
        contact = contact_with_child(
            reference=ref,
            status=ContactStatus.ENQUIRY,
            rag=contact_fields.pop("rag", "amber"),
            received_at=at(MONDAY, 9),
            **contact_fields,
        )
        enquiry_on(contact, opened_by=pm, agencies=[police, health], ready_at=ready_at)
        return contact

    c = {
        "k": ready("C26-000021", at(MONDAY, 16)),
        "l": ready("C26-000022", at(MONDAY, 16, 30), immediate_risk=True, rag="red"),
        "m": ready("C26-000023", at(MONDAY, 11)),
        "n": ready("C26-000024", at(MONDAY, 10)),
    }
    c["o"] = contact_with_child(reference="C26-000025", status=ContactStatus.ENQUIRY, rag="red")
    enquiry_on(
        c["o"],
        opened_by=pm,
        agencies=[police],
        status=EnquiryStatus.OPEN,
        outstanding={"POLICE"},
        ready_at=None,
    )
    # Monday's 15:00 MASH meeting discussed M (decided) and deferred N.
    monday = meeting_at("mash_meeting", at(MONDAY, 15), status=MeetingStatus.CLOSED)
    for position, (key, code) in enumerate(
        (("m", OutcomeCode.STRATEGY_S47), ("n", OutcomeCode.DEFERRED)), start=1
    ):
        AgendaItem.unscoped.create(
            meeting=monday,
            contact=c[key],
            position=position,
            source=ItemSource.AUTO,
            outcome_code=code,
            outcome="Synthetic outcome.",
        )
    return c


@time_machine.travel(at(TUESDAY, 6, 0), tick=False)
def test_mash_meeting_agenda_holds_enquiries_awaiting_discussion(ready_enquiries, staff):
    meetings_create_for_day(TUESDAY)
    morning, afternoon = Meeting.objects.filter(
        meeting_type__code="mash_meeting", date=TUESDAY
    ).order_by("starts_at")

    # Immediate risk first; then by when the responses came in. Not M (discussed), not O (open).
    assert references(morning) == ["C26-000022", "C26-000024", "C26-000021"]
    items = {i.contact.reference: i for i in agenda(morning)}
    assert items["C26-000024"].reason.endswith(
        "carried over from an earlier MASH meeting – awaiting discussion"
    )
    assert items["C26-000021"].reason.startswith("Agency responses in Mon 09 Mar 16:00")
    # Everything is waiting for the 11:30 meeting, so the 15:00 one starts empty.
    assert references(afternoon) == []

    # 11:30 discusses K and N; L is not reached. After it closes, the 15:00 agenda gets L.
    for item in agenda(morning):
        if item.contact.reference != "C26-000022":
            AgendaItem.unscoped.filter(pk=item.pk).update(outcome_code=OutcomeCode.NFA)
    Meeting.objects.filter(pk=morning.pk).update(status=MeetingStatus.CLOSED)
    agenda_build(afternoon, actor=staff["pm"])
    assert references(afternoon) == ["C26-000022"]
    assert agenda(afternoon)[0].reason.endswith(
        "carried over from an earlier MASH meeting – awaiting discussion"
    )
