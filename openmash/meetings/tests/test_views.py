"""The meetings pages: permissions, the agency firewall (partners see only their own
agency's items; others are not found), the chair's actions, outcomes on the child's contact
page, the PDF agenda and minutes with their Record of Sharing, and cover warnings."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from openmash.audit.models import AuditEntry
from openmash.audit.services import seal_pending
from openmash.governance.codes import DisclosureKind
from openmash.governance.models import SharingRecord
from openmash.meetings import services
from openmash.meetings.codes import AttendanceStatus, MeetingStatus, OutcomeCode, PartOfDay
from openmash.meetings.models import AgendaItem, Meeting
from openmash.timescales.calendar import LONDON

from .factories import contact_with_child, enquiry_on, meeting_at

pytestmark = pytest.mark.django_db


def url(name, *args):
    return reverse(f"meetings:{name}", args=args)


@pytest.fixture
def meeting(staff, agencies):
    """Today's 11:30 MASH meeting, in progress, with two enquiries: one asked police and
    health, the other asked health and education."""
    pm = staff["pm"]
    police, health, education = agencies["POLICE"], agencies["HEALTH"], agencies["EDUCATION"]
    first = contact_with_child(status="enquiry", rag="red")
    second = contact_with_child(status="enquiry", rag="amber")
    enquiry_on(first, opened_by=pm, agencies=[police, health])
    enquiry_on(second, opened_by=pm, agencies=[health, education])
    starts = timezone.localtime().replace(hour=11, minute=30, second=0, microsecond=0)
    meeting = meeting_at("mash_meeting", starts)
    services.agenda_build(meeting, actor=pm)
    meeting = services.meeting_start(meeting, actor=pm, expected_version=meeting.version)
    meeting.first, meeting.second = first, second
    return meeting


def _item(meeting, contact):
    return AgendaItem.unscoped.get(meeting=meeting, contact=contact)


# -- permissions --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name,method,who,expected",
    [
        ("index", "get", "dpo", 403),
        ("index", "get", "police", 200),
        ("index", "post", "police", 403),
        ("index", "post", "sw", 403),
        ("arrange", "get", "sw", 403),
        ("coverage", "get", "police", 403),
        ("coverage", "get", "eh", 403),
        ("coverage", "get", "pm", 200),
        ("availability", "get", "dpo", 200),
        ("availability", "get", "police", 200),
    ],
)
def test_page_permissions(staff, client_for, name, method, who, expected):
    response = getattr(client_for(staff[who]), method)(url(name))
    assert response.status_code == expected


def test_signed_out_users_are_sent_to_sign_in(client):
    response = client.get(url("index"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_only_a_chair_acts_on_a_meeting(staff, client_for, meeting):
    item = _item(meeting, meeting.first)
    for who in ("police", "sw", "eh", "dpo"):
        client = client_for(staff[who])
        for name, args in (
            ("meeting_close", (meeting.pk,)),
            ("meeting_refresh", (meeting.pk,)),
            ("item_add", (meeting.pk,)),
            ("item_move", (meeting.pk, item.pk)),
            ("item_remove", (meeting.pk, item.pk)),
        ):
            assert client.post(url(name, *args), {"version": 2}).status_code == 403, (who, name)
        response = client.post(
            url("item_detail", meeting.pk, item.pk),
            {"outcome_code": "nfa", "outcome": "x", "version": item.version},
        )
        assert response.status_code in (403, 404)
    assert _item(meeting, meeting.first).outcome_code == ""


# -- the agency firewall ------------------------------------------------------------------------


def test_partners_see_only_their_own_agencys_items(staff, client_for, meeting):
    first, second = meeting.first, meeting.second
    police = client_for(staff["police"])
    page = police.get(url("meeting_detail", meeting.pk)).content.decode()
    assert first.reference in page and second.reference not in page
    assert "only the items for children your agency was asked about" in page
    assert "Start the meeting" not in page and "Close the meeting" not in page

    health = client_for(staff["health"]).get(url("meeting_detail", meeting.pk)).content.decode()
    assert first.reference in health and second.reference in health

    # Another agency's item is not found, whether viewed or printed.
    other = _item(meeting, second)
    assert police.get(url("item_detail", meeting.pk, other.pk)).status_code == 404
    own = _item(meeting, first)
    response = police.get(url("item_detail", meeting.pk, own.pk))
    assert response.status_code == 200
    assert "Go to the contact" not in response.content.decode()
    agenda = police.get(url("agenda", meeting.pk)).content.decode()
    assert first.reference in agenda and second.reference not in agenda

    csc = client_for(staff["sw"]).get(url("meeting_detail", meeting.pk)).content.decode()
    assert first.reference in csc and second.reference in csc


def test_viewing_an_item_is_in_the_access_log(staff, client_for, meeting):
    item = _item(meeting, meeting.first)
    client_for(staff["pm"]).get(url("item_detail", meeting.pk, item.pk))
    child = meeting.first.people(manager="unscoped").get()
    seal_pending()  # views are staged until sealed (ADR 0008)
    entry = AuditEntry.objects.filter(
        kind=AuditEntry.Kind.ACCESS, actor=staff["pm"], person_id=child.person_id
    ).get()
    assert entry.channel == "meetings:item_detail"


def test_the_meeting_page_costs_a_constant_number_of_queries(
    staff, client_for, meeting, agencies, django_assert_max_num_queries
):
    client = client_for(staff["pm"])
    client.get(url("meeting_detail", meeting.pk))  # warm the session and caches
    with django_assert_max_num_queries(40) as few:
        client.get(url("meeting_detail", meeting.pk))
    for _ in range(8):
        contact = contact_with_child(status="enquiry", rag="green")
        enquiry_on(contact, opened_by=staff["pm"], agencies=[agencies["POLICE"]])
        services.agenda_item_add(meeting, actor=staff["pm"], reference=contact.reference)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url("meeting_detail", meeting.pk))


# -- the chair's agenda -------------------------------------------------------------------------


def test_chair_adds_reorders_and_removes_items(staff, client_for, meeting):
    client = client_for(staff["pm"])
    extra = contact_with_child(reference="C26-004242")
    response = client.post(url("item_add", meeting.pk), {"reference": "c26-004242"})
    assert response.status_code == 302
    refs = lambda: list(  # noqa: E731
        AgendaItem.unscoped.filter(meeting=meeting, removed_at=None)
        .order_by("position")
        .values_list("contact__reference", flat=True)
    )
    assert refs()[-1] == extra.reference

    response = client.post(url("item_add", meeting.pk), {"reference": "C26-000000"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "There is a problem" in page and "No contact has the reference C26-000000" in page
    assert 'href="#id_reference"' in page

    item = _item(meeting, extra)
    client.post(url("item_move", meeting.pk, item.pk), {"direction": "up"})
    assert refs().index(extra.reference) == len(refs()) - 2

    confirm = client.get(url("item_remove", meeting.pk, item.pk))
    assert "Remove C26-004242 from the agenda?" in confirm.content.decode()
    assert extra.reference in refs()  # nothing removed by looking
    client.post(url("item_remove", meeting.pk, item.pk))
    assert extra.reference not in refs()


def test_recording_an_outcome_puts_it_on_the_childs_contact_page(staff, client_for, meeting):
    client = client_for(staff["pm"])
    item = _item(meeting, meeting.first)
    page = client.get(url("item_detail", meeting.pk, item.pk)).content.decode()
    assert "Outcome agreed" in page and "Early help was considered" in page

    response = client.post(
        url("item_detail", meeting.pk, item.pk),
        {"outcome_code": "", "outcome": "", "version": item.version},
    )
    assert response.status_code == 400
    assert "Select the outcome agreed." in response.content.decode()

    response = client.post(
        url("item_detail", meeting.pk, item.pk),
        {
            "outcome_code": OutcomeCode.STRATEGY_S47,
            "outcome": "Strategy discussion with police at 14:00 today.",
            "early_help_considered": "on",
            "version": item.version,
        },
    )
    assert response.status_code == 302
    contact_page = client.get(reverse("contacts:detail", args=[meeting.first.pk]))
    text = contact_page.content.decode()
    assert "MASH meeting" in text and "Strategy discussion (s47)" in text
    assert "Strategy discussion with police at 14:00 today." in text
    # The contributing partner sees it on the meeting page; the other partner does not.
    police = client_for(staff["police"]).get(url("meeting_detail", meeting.pk)).content.decode()
    assert "Strategy discussion (s47)" in police
    education = client_for(staff["education"]).get(url("meeting_detail", meeting.pk))
    assert "Strategy discussion (s47)" not in education.content.decode()


def test_a_stale_outcome_form_keeps_what_was_typed(staff, client_for, meeting):
    item = _item(meeting, meeting.first)
    seen = item.version
    services.outcome_record(
        item, actor=staff["pm2"], expected_version=seen, outcome_code="nfa", outcome="NFA"
    )
    response = client_for(staff["pm"]).post(
        url("item_detail", meeting.pk, item.pk),
        {"outcome_code": "strategy_s47", "outcome": "My typed words", "version": seen},
    )
    assert response.status_code == 409
    page = response.content.decode()
    assert "while you were writing yours" in page and "My typed words" in page
    assert "No further action" in page  # the outcome now recorded is shown
    assert f'name="version" value="{seen + 1}"' in page


def test_closing_needs_early_help_attendance(staff, agencies, client_for, meeting):
    client = client_for(staff["pm"])
    response = client.post(url("meeting_close", meeting.pk), {"version": meeting.version})
    assert response.status_code == 400
    assert "Early Help co-ordinator attends every MASH meeting" in response.content.decode()
    response = client.post(
        url("attendance_add", meeting.pk),
        {"agency": agencies["EARLY_HELP"].pk, "attendee": staff["eh"].pk, "status": "present"},
    )
    assert response.status_code == 302
    meeting.refresh_from_db()
    response = client.post(url("meeting_close", meeting.pk), {"version": meeting.version})
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.CLOSED


def test_attendance_form_errors_are_summarised(staff, agencies, client_for, meeting):
    response = client_for(staff["pm"]).post(
        url("attendance_add", meeting.pk), {"agency": agencies["HEALTH"].pk}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Select the member of staff, or enter their name." in page
    assert "Select whether they were present or sent apologies." in page


# -- agenda and minutes -------------------------------------------------------------------------


def _close(meeting, staff, agencies):
    services.attendance_record(
        meeting,
        actor=staff["pm"],
        agency=agencies["EARLY_HELP"],
        attendee=staff["eh"],
        status=AttendanceStatus.PRESENT,
    )
    for contact in (meeting.first, meeting.second):
        item = _item(meeting, contact)
        services.outcome_record(
            item,
            actor=staff["pm"],
            expected_version=item.version,
            outcome_code=OutcomeCode.EARLY_HELP,
            outcome="Early help offer.",
        )
    meeting.refresh_from_db()
    return services.meeting_close(meeting, actor=staff["pm"], expected_version=meeting.version)


def test_agenda_pdf_and_print_page(staff, client_for, meeting):
    client = client_for(staff["pm"])
    response = client.get(url("agenda_pdf", meeting.pk))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert 'filename="agenda-mash-meeting-' in response["Content-Disposition"]
    page = client.get(url("agenda", meeting.pk)).content.decode()
    assert meeting.first.reference in page and "OFFICIAL-SENSITIVE" in page
    # Minutes exist only once the meeting is closed.
    assert client.get(url("minutes", meeting.pk)).status_code == 404


def test_minutes_downloaded_by_a_partner_are_a_recorded_disclosure(
    staff, agencies, client_for, meeting
):
    _close(meeting, staff, agencies)
    before = SharingRecord.objects.filter(kind=DisclosureKind.MEETING_MINUTES)

    csc = client_for(staff["pm"]).get(url("minutes_pdf", meeting.pk))
    assert csc.status_code == 200 and csc.content.startswith(b"%PDF")
    assert not before.exists()  # children's social care's own copy is not a disclosure

    education = client_for(staff["education"]).get(url("minutes_pdf", meeting.pk))
    assert education.status_code == 200 and education.content.startswith(b"%PDF")
    records = list(before.all())
    assert len(records) == 1  # only the item education was asked about
    record = records[0]
    assert record.to_agency == agencies["EDUCATION"]
    assert record.from_agency == agencies["CSC"]
    assert record.contact == meeting.second
    assert record.record_id == str(_item(meeting, meeting.second).pk)

    client_for(staff["health"]).get(url("minutes_pdf", meeting.pk))
    health = SharingRecord.objects.filter(
        kind=DisclosureKind.MEETING_MINUTES, to_agency=agencies["HEALTH"]
    )
    assert {r.contact_id for r in health} == {meeting.first.pk, meeting.second.pk}

    minutes = client_for(staff["education"]).get(url("minutes", meeting.pk)).content.decode()
    assert meeting.second.reference in minutes and meeting.first.reference not in minutes


# -- index, availability and cover --------------------------------------------------------------


@time_machine.travel(dt.datetime(2026, 3, 11, 8, 0, tzinfo=LONDON), tick=False)
def test_chair_creates_todays_meetings_from_the_index(staff, client_for):
    response = client_for(staff["pm"]).post(url("index"))
    assert response.status_code == 302
    assert Meeting.objects.filter(date=dt.date(2026, 3, 11)).count() == 4
    page = client_for(staff["police"]).get(url("index")).content.decode()
    assert "SPA huddle" in page and "MASH meeting" in page
    assert "Create today" not in page and "Update today" not in page


@time_machine.travel(dt.datetime(2026, 3, 14, 8, 0, tzinfo=LONDON), tick=False)
def test_no_meetings_on_a_saturday(staff, client_for):
    client = client_for(staff["pm"])
    assert "not a working day" in client.get(url("index")).content.decode()
    client.post(url("index"))
    assert not Meeting.objects.exists()


def test_recording_time_away_and_cover(staff, client_for):
    client = client_for(staff["police"])
    today = timezone.localdate()
    response = client.post(
        url("availability"),
        {
            "starts_on_0": today.day,
            "starts_on_1": today.month,
            "starts_on_2": today.year,
            "ends_on_0": today.day,
            "ends_on_1": today.month,
            "ends_on_2": today.year,
            "part_of_day": PartOfDay.ALL_DAY,
            "reason": "training",
            "cover": staff["health"].pk,
        },
    )
    assert response.status_code == 400  # not a police colleague: not offered, not accepted
    page = response.content.decode()
    assert "There is a problem" in page
    response = client.post(
        url("availability"),
        {
            "starts_on_0": today.day,
            "starts_on_1": today.month,
            "starts_on_2": today.year,
            "ends_on_0": today.day,
            "ends_on_1": today.month,
            "ends_on_2": today.year,
            "part_of_day": PartOfDay.ALL_DAY,
            "reason": "training",
            "cover": staff["police2"].pk,
        },
    )
    assert response.status_code == 302
    page = client.get(url("availability")).content.decode()
    assert "Training" in page and staff["police2"].get_full_name() in page
    covering = client_for(staff["police2"]).get(url("availability")).content.decode()
    assert "You are covering for" in covering


def test_coverage_page_and_enquiry_warning_flag_an_agency_with_nobody_available(
    staff, agencies, client_for
):
    today = timezone.localdate()
    for who in ("education",):
        services.unavailability_record(
            actor=staff[who],
            starts_on=today,
            ends_on=today,
            part_of_day=PartOfDay.ALL_DAY,
            reason="unplanned",
        )
    services.unavailability_record(
        actor=staff["police"],
        starts_on=today,
        ends_on=today,
        part_of_day=PartOfDay.ALL_DAY,
        reason="planned_leave",
        cover=staff["police2"],
    )
    contact = contact_with_child(status="enquiry", rag="red")
    enquiry = enquiry_on(
        contact,
        opened_by=staff["pm"],
        agencies=[agencies["POLICE"], agencies["EDUCATION"]],
        status="open",
        outstanding={"POLICE", "EDUCATION"},
        ready_at=None,
    )
    page = client_for(staff["pm"]).get(url("coverage")).content.decode()
    assert "Nobody available" in page
    assert "Education (1 outstanding)" in page
    assert "Police (" not in page  # covered
    assert "Unplanned" not in page  # reasons are never shown to others

    enquiry_page = client_for(staff["pm"]).get(
        reverse("enquiries:enquiry_detail", args=[enquiry.pk])
    )
    text = enquiry_page.content.decode()
    assert "Nobody at Education is available today and no cover is arranged" in text
    assert "Nobody at Police" not in text


def test_huddle_agenda_flags_requests_to_an_agency_with_nobody_available(
    staff, agencies, client_for
):
    contact = contact_with_child(status="enquiry", rag="amber")
    enquiry_on(
        contact,
        opened_by=staff["pm"],
        agencies=[agencies["HOUSING"]],
        status="open",
        outstanding={"HOUSING"},
        ready_at=None,
    )
    starts = timezone.localtime() + dt.timedelta(minutes=5)
    huddle = meeting_at("mash_huddle", starts)
    services.agenda_item_add(huddle, actor=staff["pm"], reference=contact.reference)
    page = client_for(staff["pm"]).get(url("meeting_detail", huddle.pk)).content.decode()
    assert "Nobody available: Housing" in page
    assert "Nobody available today, and no cover arranged: " in page
