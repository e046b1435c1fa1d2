"""Reads of meetings, agendas and availability. Agenda items point at contacts, so they are
read only through ``AgendaItem.objects.for_user(user)`` (the scope rule below): children's
social care and early help staff see every item; a partner sees only the items for contacts
their agency was asked about in a MASH enquiry — at the meeting, in the minutes and on the
PDF. Functions that show one item for display write the access log."""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Count, Exists, OuterRef, Prefetch, Q
from django.http import Http404
from django.utils import timezone

from openmash.accounts.models import Agency, User
from openmash.accounts.roles import ROLE_CAPABILITIES
from openmash.accounts.roles import Capability as C
from openmash.accounts.scopes import can_read_contacts, is_partner_responder
from openmash.audit.services import access_record_for_people
from openmash.contacts.codes import PersonRole
from openmash.contacts.models import ContactPerson
from openmash.core.scoping import exists_sql, scope_rule
from openmash.enquiries.models import InformationRequest, RequestStatus

from .codes import MIDDAY, AgendaRule, AttendanceStatus, MeetingStatus, PartOfDay
from .models import AgendaItem, Attendance, Meeting, MeetingType, Unavailability


@scope_rule("meetings.AgendaItem")
def _agenda_item_scope(qs, user):
    # Children's social care and early help staff read every contact already (contact.view);
    # the Early Help co-ordinator sits in every MASH meeting to consider each child for early
    # help, so they see every item too.
    if can_read_contacts(user):
        return qs
    if is_partner_responder(user):
        # Only contacts their own agency was asked about (answered or not yet).
        return qs.filter(contact__enquiry__requests__agency_id=user.agency_id)
    return qs.none()


def sees_every_item(user) -> bool:
    """Whether ``user`` sees whole agendas (children's social care, early help) rather than
    only their own agency's items (partners)."""
    return can_read_contacts(user)


# -- meetings -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class MeetingDay:
    day: date
    meetings: list


def meetings_by_day(user, *, today: date, days: int = 14) -> list[MeetingDay]:
    """Meetings from ``today`` back ``days`` days, newest day first, each annotated with the
    number of agenda items ``user`` may see and how many have an outcome."""
    visible = AgendaItem.objects.for_user(user).filter(removed_at=None)
    ids = visible.values("pk")
    meetings = (
        Meeting.objects.filter(date__gte=today - timedelta(days=days), date__lte=today)
        .select_related("meeting_type", "chair")
        .annotate(
            item_count=Count("items", filter=Q(items__in=ids), distinct=True),
            outcome_count=Count(
                "items",
                filter=Q(items__in=ids) & ~Q(items__outcome_code=""),
                distinct=True,
            ),
        )
        .order_by("-date", "starts_at", "meeting_type__position")
    )
    grouped: dict[date, list] = {}
    for meeting in meetings:
        grouped.setdefault(meeting.date, []).append(meeting)
    return [MeetingDay(day, rows) for day, rows in grouped.items()]


def meeting_get(pk) -> Meeting:
    """One meeting (not case data in itself: its agenda is read through ``agenda_for_user``)."""
    meeting = (
        Meeting.objects.select_related("meeting_type", "chair", "closed_by").filter(pk=pk).first()
    )
    if meeting is None:
        raise Http404("No meeting found.")
    return meeting


def meeting_types() -> list[MeetingType]:
    return list(MeetingType.objects.prefetch_related("times"))


# -- agendas ------------------------------------------------------------------------------------


def _children(user) -> Prefetch:
    return Prefetch(
        "contact__people",
        queryset=ContactPerson.objects.for_user(user)
        .filter(role=PersonRole.SUBJECT_CHILD)
        .order_by("surname", "forename", "pk")
        .only("contact_id", "person_id", "forename", "surname", "date_of_birth"),
        to_attr="children",
    )


def _agenda_queryset(user, meeting):
    return (
        AgendaItem.objects.for_user(user)
        .filter(meeting=meeting, removed_at=None)
        .select_related("contact", "recorded_by")
        .prefetch_related(_children(user))
        .order_by("position", "pk")
    )


def agenda_for_user(user, meeting: Meeting, *, at: datetime | None = None) -> list[AgendaItem]:
    """The agenda as ``user`` may see it, in order. Each item carries ``children`` (on its
    contact) and ``unavailable_agencies``: agencies with an outstanding information request on
    the contact and nobody available to answer it (flagged on huddle agendas). A constant
    number of queries, however long the agenda."""
    items = list(_agenda_queryset(user, meeting))
    flags = outstanding_requests_to_unavailable_agencies(
        user, [i.contact_id for i in items], at=at or timezone.now()
    )
    for item in items:
        item.unavailable_agencies = flags.get(item.contact_id, [])
    return items


def agenda_item_get_for_user(user, meeting: Meeting, item_id, *, channel: str) -> AgendaItem:
    """One agenda item for its page, if ``user`` may see it — else 404 (never "forbidden").
    Writes the access log for each child shown."""
    item = _agenda_queryset(user, meeting).filter(pk=item_id).first()
    if item is None:
        raise Http404("No agenda item found.")
    person_ids = [c.person_id for c in item.contact.children if c.person_id]
    access_record_for_people(user, item.contact, channel, person_ids)
    flags = outstanding_requests_to_unavailable_agencies(user, [item.contact_id])
    item.unavailable_agencies = flags.get(item.contact_id, [])
    return item


def agenda_item_for_action(user, meeting: Meeting, item_id) -> AgendaItem:
    """The item a chair's form acts on (nothing displayed, so not logged as a view)."""
    item = (
        AgendaItem.objects.for_user(user)
        .filter(meeting=meeting, removed_at=None, pk=item_id)
        .select_related("contact")
        .first()
    )
    if item is None:
        raise Http404("No agenda item found.")
    return item


def contact_on_agenda(user) -> Exists:
    """An annotation for a query of contacts: is it on any meeting's agenda ``user`` may
    see? The contact page reads the meetings only when it is (most contacts never are)."""
    return Exists(
        AgendaItem.objects.for_user(user).filter(contact_id=OuterRef("pk"), removed_at=None)
    )


def contact_on_agenda_sql(user, outer: str = '"contacts_contact"."id"') -> str | None:
    """``contact_on_agenda`` as plain SQL over the contact's own row, or None when ``user``'s
    scope rule filters agenda items (``core.scoping.exists_sql``)."""
    return exists_sql(AgendaItem, user, "contact", outer, also="U.removed_at IS NULL")


def contact_meeting_items(user, contact) -> list[AgendaItem]:
    """Every meeting that has ``contact`` on its agenda (oldest first) as ``user`` may see it:
    outcomes recorded, and agendas it waits on. For the contact's timeline."""
    return list(
        AgendaItem.objects.for_user(user)
        .filter(contact_id=contact.pk, removed_at=None)
        .select_related("meeting__meeting_type", "recorded_by")
        .order_by("meeting__starts_at", "pk")
    )


# -- attendance ---------------------------------------------------------------------------------


def attendance_for_meeting(meeting: Meeting) -> list[Attendance]:
    return list(
        Attendance.objects.filter(meeting=meeting)
        .select_related("agency", "attendee")
        .order_by("agency__name", "attendee__last_name", "attendee_name")
    )


def early_help_attendance_missing(meeting: Meeting, attendance: list[Attendance]) -> bool:
    """The protocol expects the Early Help co-ordinator at every MASH meeting: true while no
    Early Help attendance or apologies are recorded for a meeting that expects them."""
    if not meeting.meeting_type.early_help_expected:
        return False
    return not any(a.agency.code == "EARLY_HELP" for a in attendance)


def attendee_choices():
    """Staff who may be recorded as attending (active, in an agency), by agency then name."""
    return (
        User.objects.filter(is_active=True, agency__isnull=False)
        .select_related("agency")
        .order_by("agency__name", "last_name", "first_name")
    )


def contributing_agencies(meeting: Meeting) -> list[Agency]:
    """Partner agencies asked about contacts on this agenda (for the minutes' sharing record and
    to show who is expected). A system read: it names agencies, not children."""
    contact_ids = AgendaItem.unscoped.filter(meeting=meeting, removed_at=None).values("contact_id")
    return list(
        Agency.objects.filter(
            pk__in=InformationRequest.unscoped.filter(enquiry__contact_id__in=contact_ids).values(
                "agency_id"
            ),
            is_childrens_social_care=False,
        ).order_by("name")
    )


def expected_agencies_unrecorded(meeting: Meeting, attendance: list[Attendance]) -> list[Agency]:
    """Agencies expected at a MASH meeting (Early Help, and the partners who answered the
    enquiries on its agenda) with no attendance or apologies recorded yet."""
    if meeting.meeting_type.agenda_rule != AgendaRule.MASH_MEETING:
        return []
    recorded = {a.agency_id for a in attendance}
    expected = {a.pk: a for a in contributing_agencies(meeting)}
    if meeting.meeting_type.early_help_expected:
        early_help = Agency.objects.filter(code="EARLY_HELP").first()
        if early_help is not None:
            expected[early_help.pk] = early_help
    return sorted((a for pk, a in expected.items() if pk not in recorded), key=lambda a: a.name)


# -- documents ----------------------------------------------------------------------------------


@dataclass
class MeetingDocument:
    """An agenda or the minutes, as one reader may see them."""

    meeting: Meeting
    kind: str  # "agenda" | "minutes"
    items: list[AgendaItem]
    attendance: list[Attendance] = field(default_factory=list)
    partner_copy: bool = False
    generated_at: datetime | None = None

    @property
    def title(self) -> str:
        what = "Agenda" if self.kind == "agenda" else "Minutes"
        return f"{what}: {self.meeting.meeting_type.name}"

    @property
    def present(self):
        return [a for a in self.attendance if a.status == AttendanceStatus.PRESENT]

    @property
    def apologies(self):
        return [a for a in self.attendance if a.status == AttendanceStatus.APOLOGIES]


def meeting_document(user, meeting: Meeting, kind: str, *, channel: str) -> MeetingDocument:
    """The agenda (any time) or the minutes (once the meeting is closed) as ``user`` may see
    them: a partner's copy holds only their own agency's items. Writes the access log for every
    child named."""
    if kind == "minutes" and meeting.status != MeetingStatus.CLOSED:
        raise Http404("The minutes are available once the meeting is closed.")
    items = list(_agenda_queryset(user, meeting))
    person_ids = [c.person_id for i in items for c in i.contact.children if c.person_id]
    if items:
        access_record_for_people(user, meeting, channel, person_ids)
    return MeetingDocument(
        meeting=meeting,
        kind=kind,
        items=items,
        attendance=attendance_for_meeting(meeting),
        partner_copy=not sees_every_item(user),
        generated_at=timezone.now(),
    )


# -- availability and cover ---------------------------------------------------------------------


def _role_codes_with(capability: str) -> list[str]:
    return [code for code, caps in ROLE_CAPABILITIES.items() if capability in caps]


#: Roles of MASH team members, whose availability the coverage page shows.
def _mash_member_role_codes() -> list[str]:
    codes = set()
    for capability in (C.ENQUIRY_RESPOND, C.MEETING_ATTEND, C.MEETING_CHAIR):
        codes.update(_role_codes_with(capability))
    return sorted(codes)


def part_of_day_at(moment: datetime) -> str:
    return PartOfDay.MORNING if timezone.localtime(moment).time() < MIDDAY else PartOfDay.AFTERNOON


def _absences_at(moment: datetime):
    day = timezone.localdate(moment)
    return Unavailability.objects.filter(
        starts_on__lte=day,
        ends_on__gte=day,
        part_of_day__in=[PartOfDay.ALL_DAY, part_of_day_at(moment)],
    )


def agencies_with_nobody_available(at: datetime | None = None) -> set:
    """Ids of active agencies that receive information requests and, at ``at``, have no active
    practitioner who may answer them (``enquiry.respond``) and is not away, and no cover
    colleague who is in. Four small queries."""
    at = at or timezone.now()
    absences = list(_absences_at(at).values_list("practitioner_id", "cover_id"))
    away = {practitioner for practitioner, _ in absences}
    responders = User.objects.filter(
        is_active=True,
        agency__isnull=False,
        roles__code__in=_role_codes_with(C.ENQUIRY_RESPOND),
    ).values_list("pk", "agency_id")
    covered = {agency for pk, agency in responders if pk not in away}
    cover_ids = {cover for _, cover in absences if cover and cover not in away}
    covered |= set(
        User.objects.filter(pk__in=cover_ids, is_active=True, agency__isnull=False).values_list(
            "agency_id", flat=True
        )
    )
    return set(
        Agency.objects.filter(active=True, receives_information_requests=True)
        .exclude(pk__in=covered)
        .values_list("pk", flat=True)
    )


def outstanding_requests_to_unavailable_agencies(
    user, contact_ids, *, at: datetime | None = None
) -> dict:
    """contact id -> agencies (names, sorted) with an outstanding information request on that
    contact and nobody available to answer it, as far as ``user`` may see the requests."""
    if not contact_ids:
        return {}
    unavailable = agencies_with_nobody_available(at)
    if not unavailable:
        return {}
    rows = (
        InformationRequest.objects.for_user(user)
        .filter(
            enquiry__contact_id__in=contact_ids,
            status=RequestStatus.REQUESTED,
            agency_id__in=unavailable,
        )
        .values_list("enquiry__contact_id", "agency__name")
        .order_by("agency__name")
    )
    flags: dict = {}
    for contact_id, name in rows:
        flags.setdefault(contact_id, []).append(name)
    return flags


def unavailable_agency_list(*, at: datetime | None = None) -> list[Agency]:
    """The agencies with nobody available at ``at``, by name (for the huddle's warning)."""
    return list(Agency.objects.filter(pk__in=agencies_with_nobody_available(at)).order_by("name"))


def enquiry_unavailable_agencies(user, enquiry, *, at: datetime | None = None) -> list[Agency]:
    """Agencies with an outstanding request on ``enquiry`` and nobody available to answer it."""
    unavailable = agencies_with_nobody_available(at)
    if not unavailable:
        return []
    agency_ids = (
        InformationRequest.objects.for_user(user)
        .filter(enquiry_id=enquiry.pk, status=RequestStatus.REQUESTED, agency_id__in=unavailable)
        .values("agency_id")
    )
    return list(Agency.objects.filter(pk__in=agency_ids).order_by("name"))


@dataclass
class AgencyCoverage:
    agency: Agency
    available: list = field(default_factory=list)  # users in at the moment
    away: list = field(default_factory=list)  # Unavailability entries today
    nobody_available: bool = False
    outstanding_requests: int = 0
    #: Active practitioners who may answer requests, in or away (0: nobody set up at all).
    responders: int = 0

    @property
    def needs_attention(self) -> bool:
        """Nobody available and it matters today: requests are waiting, or the agency's own
        practitioners are all away without cover."""
        return self.nobody_available and bool(self.outstanding_requests or self.responders)


def coverage_today(*, at: datetime | None = None) -> list[AgencyCoverage]:
    """Today's coverage per active agency: the MASH team members who are in at ``at``, who is
    away today (with part of day and cover — never the reason), whether the agency has nobody
    to answer information requests, and how many of its requests are outstanding. A constant
    number of queries."""
    at = at or timezone.now()
    day = timezone.localdate(at)
    agencies = list(Agency.objects.filter(active=True).order_by("name"))
    members = list(
        User.objects.filter(
            is_active=True, agency__isnull=False, roles__code__in=_mash_member_role_codes()
        )
        .distinct()
        .order_by("last_name", "first_name")
    )
    today = list(
        Unavailability.objects.filter(starts_on__lte=day, ends_on__gte=day)
        .select_related("practitioner", "cover")
        .order_by("practitioner__last_name", "practitioner__first_name")
    )
    away_now = set(_absences_at(at).values_list("practitioner_id", flat=True))
    unavailable = agencies_with_nobody_available(at)
    outstanding = dict(
        InformationRequest.unscoped.filter(status=RequestStatus.REQUESTED)
        .values_list("agency_id")
        .annotate(n=Count("pk"))
    )
    responder_agencies = User.objects.filter(
        is_active=True,
        agency__isnull=False,
        roles__code__in=_role_codes_with(C.ENQUIRY_RESPOND),
    ).values_list("pk", "agency_id")
    by_agency = {a.pk: AgencyCoverage(agency=a) for a in agencies}
    for _, agency_id in set(responder_agencies):
        if agency_id in by_agency:
            by_agency[agency_id].responders += 1
    for member in members:
        if member.agency_id in by_agency and member.pk not in away_now:
            by_agency[member.agency_id].available.append(member)
    for entry in today:
        agency_id = entry.practitioner.agency_id
        if agency_id in by_agency:
            by_agency[agency_id].away.append(entry)
    for agency_id, row in by_agency.items():
        row.nobody_available = agency_id in unavailable
        row.outstanding_requests = outstanding.get(agency_id, 0)
    return list(by_agency.values())


def own_unavailability(user, *, today: date) -> list[Unavailability]:
    """The user's own absences that have not ended, soonest first."""
    return list(
        Unavailability.objects.filter(practitioner=user, ends_on__gte=today)
        .select_related("cover")
        .order_by("starts_on")
    )


def cover_colleagues(user):
    """Colleagues who may cover for ``user``: active staff of their own agency."""
    if not user.agency_id:
        return User.objects.none()
    return (
        User.objects.filter(is_active=True, agency_id=user.agency_id)
        .exclude(pk=user.pk)
        .order_by("last_name", "first_name")
    )


def covering_for(user, *, today: date) -> list[Unavailability]:
    """Colleagues' time away (not yet ended) for which ``user`` is named as cover."""
    return list(
        Unavailability.objects.filter(cover=user, ends_on__gte=today)
        .select_related("practitioner")
        .order_by("starts_on")
    )
