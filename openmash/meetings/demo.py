"""Demo meetings and availability: yesterday's (previous working day's) 15:00 MASH meeting
closed with attendance — the Early Help co-ordinator included — and an outcome for each child
(on their contacts' timelines); today's huddles and MASH meetings with agendas built from the
demo queues; one partner away with a colleague covering, and Education with nobody available,
so its outstanding requests are flagged. Runs after the pathway loaders, through the same
services staff use. Idempotent; synthetic people only (Faker en_GB, fixed seed).

The services stamp the real clock; the closed meeting's times are then moved back to when it
was held (demo only), as the enquiries demo does for its enquiries.
"""

from datetime import datetime, time, timedelta

from django.db import transaction
from django.utils import timezone
from faker import Faker

from openmash.accounts.models import Agency, Role, User
from openmash.accounts.roles import Role as R
from openmash.decisions.models import Analysis, Decision
from openmash.enquiries.models import EnquiryStatus, InformationRequest, MashEnquiry, RequestStatus
from openmash.timescales.calendar import LONDON
from openmash.timescales.services import current_calendar

from .agenda import previous_working_day
from .codes import AbsenceReason, AttendanceStatus, MeetingStatus, OutcomeCode, PartOfDay
from .models import AgendaItem, Meeting, Unavailability
from .services import (
    agenda_build,
    agenda_item_add,
    attendance_record,
    meeting_close,
    meeting_get_or_create,
    meeting_notes_update,
    meeting_start,
    meeting_types_ensure,
    meetings_create_for_day,
    outcome_record,
    unavailability_record,
)

SEED = 20260315
COVER_USERNAME = "police.cover"

#: What the demo meeting agreed, by the outcome the decisions demo later recorded (or the
#: analysis recommended), so the child's timeline tells one consistent story.
DECISION_TO_OUTCOME = {
    "nfa": OutcomeCode.NFA,
    "signpost": OutcomeCode.SIGNPOST,
    "single_agency": OutcomeCode.SINGLE_AGENCY,
    "early_help_2": OutcomeCode.EARLY_HELP,
    "early_help_3": OutcomeCode.EARLY_HELP,
    "assessment_s17": OutcomeCode.ASSESSMENT_S17,
    "strategy_s47": OutcomeCode.STRATEGY_S47,
}
OUTCOME_TEXT = {
    OutcomeCode.STRATEGY_S47: "Police and health information shows repeat domestic abuse with "
    "the children present. Strategy discussion to be convened by the practice manager with "
    "police (DS First Response) and health; the MASH social worker to prepare the chronology.",
    OutcomeCode.ASSESSMENT_S17: "Child and family assessment: the MASH social worker to complete "
    "the analysis and the practice manager to pass to the assessment team.",
    OutcomeCode.EARLY_HELP: "Needs can be met by early help: the Early Help co-ordinator to "
    "allocate to the family hub once consent is confirmed.",
    OutcomeCode.MORE_INFORMATION: "Practice manager to phone the school's designated safeguarding "
    "lead; back to the next MASH meeting.",
}
DEFAULT_TEXT = "Agreed at the meeting; the MASH social worker to record the analysis."


def _agreed_outcome(contact) -> OutcomeCode:
    decision = Decision.unscoped.filter(contact=contact).only("outcome").first()
    if decision is not None:
        return DECISION_TO_OUTCOME.get(decision.outcome, OutcomeCode.MORE_INFORMATION)
    analysis = Analysis.unscoped.filter(contact=contact).only("recommendation").first()
    if analysis is not None:
        return DECISION_TO_OUTCOME.get(analysis.recommendation, OutcomeCode.MORE_INFORMATION)
    return OutcomeCode.MORE_INFORMATION


def _cover_colleague(police: Agency) -> User:
    """A second police practitioner to cover for the demo one (no sign-in: unusable password)."""
    user = User.objects.filter(username=COVER_USERNAME).first()
    if user is not None:
        return user
    fake = Faker("en_GB")
    fake.seed_instance(SEED)
    user = User(
        username=COVER_USERNAME,
        first_name=fake.first_name(),
        last_name=fake.last_name(),
        email=f"{COVER_USERNAME}@demo.openmash.invalid",
        agency=police,
        job_title="MASH information officer (covering)",
    )
    user.set_unusable_password()
    user.save()
    user.roles.set(Role.objects.filter(code=R.PARTNER_PRACTITIONER))
    return user


def _availability(users: dict, day) -> int:
    created = 0
    police, education = users["police"], users["education"]
    if not Unavailability.objects.filter(practitioner=police, starts_on__lte=day, ends_on__gte=day):
        cover = _cover_colleague(police.agency)
        unavailability_record(
            actor=police,
            starts_on=day,
            ends_on=day + timedelta(days=2),
            part_of_day=PartOfDay.ALL_DAY,
            reason=AbsenceReason.PLANNED_LEAVE,
            cover=cover,
            today=day,
        )
        created += 1
    if not Unavailability.objects.filter(
        practitioner=education, starts_on__lte=day, ends_on__gte=day
    ):
        unavailability_record(
            actor=education,
            starts_on=day,
            ends_on=day,
            part_of_day=PartOfDay.ALL_DAY,
            reason=AbsenceReason.UNPLANNED,
            cover=None,
            today=day,
        )
        created += 1
    return created


def _closed_meeting(users: dict, day) -> Meeting | None:
    """The previous working day's 15:00 MASH meeting, run and closed by the demo practice
    manager, with outcomes for the enquiries that were ready."""
    types = meeting_types_ensure()
    held_on = previous_working_day(current_calendar(), day)
    starts_at = datetime.combine(held_on, time(15, 0), tzinfo=LONDON)
    meeting = meeting_get_or_create(types["mash_meeting"], held_on, starts_at, None)
    meeting.meeting_type = types["mash_meeting"]
    if meeting.status == MeetingStatus.CLOSED:
        return None
    pm = users["pm"]
    agenda_build(meeting, actor=pm)
    meeting = meeting_start(meeting, actor=pm, expected_version=meeting.version)
    agencies = {a.code: a for a in Agency.objects.all()}
    for key, role, status in (
        ("pm", "Chair – SPA and MASH practice manager", AttendanceStatus.PRESENT),
        ("sw", "MASH social worker", AttendanceStatus.PRESENT),
        ("eh", "Early Help co-ordinator", AttendanceStatus.PRESENT),
        ("police", "MASH information co-ordinator", AttendanceStatus.PRESENT),
        ("health", "MASH health professional", AttendanceStatus.PRESENT),
        ("education", "MASH education officer", AttendanceStatus.APOLOGIES),
    ):
        user = users[key]
        attendance_record(
            meeting,
            actor=pm,
            agency=agencies[user.agency.code],
            attendee=user,
            role=role,
            status=status,
        )
    # Enquiries whose responses were in when it met (the decisions demo has since analysed
    # them, so the queues no longer offer them): the chair puts them on the agenda.
    discussed = MashEnquiry.unscoped.filter(
        status__in=[EnquiryStatus.READY, EnquiryStatus.ANALYSED]
    ).select_related("contact")
    for enquiry in discussed.order_by("ready_at", "pk")[:3]:
        if not AgendaItem.unscoped.filter(meeting=meeting, contact=enquiry.contact).exists():
            agenda_item_add(
                meeting,
                actor=pm,
                reference=enquiry.contact.reference,
                reason="Agency responses in – awaiting discussion",
            )
    items = list(
        AgendaItem.unscoped.filter(meeting=meeting, removed_at=None)
        .select_related("meeting__meeting_type", "contact")
        .order_by("position")
    )
    for item in items:
        code = _agreed_outcome(item.contact)
        outcome_record(
            item,
            actor=pm,
            expected_version=item.version,
            outcome_code=code,
            outcome=OUTCOME_TEXT.get(code, DEFAULT_TEXT),
            early_help_considered=True,
        )
    meeting = meeting_notes_update(
        meeting,
        actor=pm,
        expected_version=meeting.version,
        staffing_notes="Full team in. Police practitioner on planned leave from tomorrow; a "
        "police colleague covers.",
        capacity_notes=f"{len(items)} enquiries discussed; capacity for tomorrow's screening.",
    )
    meeting = meeting_close(meeting, actor=pm, expected_version=meeting.version)
    # Demo only: the meeting was held at 15:00 on the previous working day.
    Meeting.objects.filter(pk=meeting.pk).update(
        started_at=starts_at + timedelta(minutes=2), closed_at=starts_at + timedelta(minutes=48)
    )
    for minutes, item in enumerate(items, start=1):
        AgendaItem.unscoped.filter(pk=item.pk, recorded_at__isnull=False).update(
            recorded_at=starts_at + timedelta(minutes=5 + 12 * minutes)
        )
    return meeting


def _late_response_item(meetings, pm) -> None:
    """On today's first MASH meeting, the chair puts an enquiry still waiting for Education
    (nobody available there today) to decide whether to go ahead without the response."""
    first = next((m for m in meetings if m.meeting_type.code == "mash_meeting" and m.is_open), None)
    if first is None or AgendaItem.unscoped.filter(meeting=first).exists():
        return
    waiting = (
        InformationRequest.unscoped.filter(
            status=RequestStatus.REQUESTED,
            agency__code="EDUCATION",
            enquiry__status=EnquiryStatus.OPEN,
        )
        .select_related("enquiry__contact")
        .order_by("due_at")
        .first()
    )
    if waiting is not None:
        agenda_item_add(
            first,
            actor=pm,
            reference=waiting.enquiry.contact.reference,
            reason="Education's response is overdue and nobody is available there today: "
            "decide whether to go ahead without it",
        )


def load_demo_meetings() -> str | None:
    usernames = ("pm", "sw", "eh", "police", "health", "education")
    users = {u.username: u for u in User.objects.filter(username__in=usernames)}
    if len(users) != len(usernames):
        return "Meetings: skipped (demo staff missing)"
    calendar = current_calendar()
    day = timezone.localdate()
    if not calendar.is_working_day(day):
        day = previous_working_day(calendar, day)
    with transaction.atomic():
        absences = _availability(users, day)
        closed = _closed_meeting(users, day)
        meetings = meetings_create_for_day(day)
        _late_response_item(meetings, users["pm"])
    items = AgendaItem.unscoped.filter(meeting__in=meetings, removed_at=None).count()
    return (
        f"Meetings: {len(meetings)} on {day:%d %B %Y} with {items} agenda items"
        + ("; the previous MASH meeting closed with outcomes" if closed else "")
        + (f"; {absences} absences recorded" if absences else "")
    )
