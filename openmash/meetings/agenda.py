"""Which contacts belong on a meeting's agenda: the rules of the protocol ("SPA and MASH
meetings") as queries on the work queues. Called by ``services.agenda_build``.

* Huddles (SPA 09:15, MASH 09:30) review "work from the previous day and work received on the
  portal, from police and the out-of-hours service overnight": every contact received since
  the previous working day's huddle that is not yet decided, then every outstanding (not
  decided) Red or Amber contact, then any contact with an information request outstanding to
  an agency with nobody available today.
* MASH meetings (11:30, 15:00) discuss MASH enquiries whose agency responses are in (status
  ``ready``) and that still await discussion: not discussed at another MASH meeting (an outcome
  other than "deferred" or "more information needed"), and not waiting on another MASH
  meeting of the same day that has not closed yet.

Reads use the chair's scope (``for_user``) when a chair asks for the agenda, and the
``unscoped`` managers when the daily job builds it (a system job, no user).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Q
from django.utils import timezone

from openmash.contacts.codes import Channel, Rag
from openmash.contacts.models import Contact, ContactStatus
from openmash.enquiries.models import EnquiryStatus, InformationRequest, MashEnquiry, RequestStatus
from openmash.timescales.calendar import LONDON, WorkingCalendar

from .codes import AgendaRule, MeetingStatus, OutcomeCode
from .models import AgendaItem, Meeting

#: Outcomes after which a MASH enquiry still awaits discussion at a later MASH meeting.
NOT_SETTLED = (OutcomeCode.DEFERRED, OutcomeCode.MORE_INFORMATION)
OVERNIGHT_CHANNELS = (Channel.POLICE_NOTIFICATION, Channel.OUT_OF_HOURS)
_RAG_RANK = {Rag.RED: 0, Rag.AMBER: 1, Rag.GREEN: 2}


@dataclass(frozen=True)
class Candidate:
    contact_id: object
    reason: str
    sort_key: tuple


def _contacts(actor):
    return Contact.objects.for_user(actor) if actor is not None else Contact.unscoped.all()


def _enquiries(actor):
    return MashEnquiry.objects.for_user(actor) if actor is not None else MashEnquiry.unscoped.all()


def _requests(actor):
    if actor is not None:
        return InformationRequest.objects.for_user(actor)
    return InformationRequest.unscoped.all()


def _local(moment: datetime) -> str:
    return timezone.localtime(moment, LONDON).strftime("%a %d %b %H:%M")


def _rank(contact: Contact, when: datetime) -> tuple:
    """Immediate risk first, then Red, Amber, Green, unrated; then oldest first."""
    return (not contact.immediate_risk, _RAG_RANK.get(contact.rag, 3), when)


def previous_working_day(calendar: WorkingCalendar, day):
    candidate = day - timedelta(days=1)
    for _ in range(60):  # no authority closes for two months
        if calendar.is_working_day(candidate):
            return candidate
        candidate -= timedelta(days=1)
    return candidate


def huddle_window(meeting: Meeting, calendar: WorkingCalendar) -> tuple[datetime, datetime]:
    """From the same huddle on the previous working day to this one's start time."""
    local_start = timezone.localtime(meeting.starts_at, LONDON)
    previous = previous_working_day(calendar, meeting.date)
    since = datetime.combine(previous, local_start.time(), tzinfo=LONDON)
    return since, meeting.starts_at


def _received_reason(contact: Contact, calendar: WorkingCalendar) -> str:
    channel = Channel(contact.channel).label if contact.channel in Channel.values else "Contact"
    out_of_hours = calendar.next_working_instant(contact.received_at) != contact.received_at
    when = "overnight / out of hours" if out_of_hours else "since the last huddle"
    text = f"New {when}: {channel.lower()}, received {_local(contact.received_at)}"
    if contact.status == ContactStatus.SUBMITTED:
        text += " – online referral to record"
    elif contact.status == ContactStatus.RECORDED:
        text += " – to screen"
    return text


def _outstanding_reason(contact: Contact, starts_at: datetime) -> str:
    rag = Rag(contact.rag).label
    state = ContactStatus(contact.status).label.lower()
    overdue = " (overdue)" if contact.decision_due_at < starts_at else ""
    return (
        f"Outstanding {rag} work: {state}, decision due {_local(contact.decision_due_at)}{overdue}"
    )


def huddle_candidates(
    meeting: Meeting,
    *,
    actor,
    calendar: WorkingCalendar,
    unavailable_agency_ids: set,
) -> list[Candidate]:
    since, until = huddle_window(meeting, calendar)
    contacts = _contacts(actor).exclude(status=ContactStatus.DECIDED)
    found: dict = {}

    new = contacts.filter(received_at__gte=since, received_at__lt=until)
    for contact in new.order_by("received_at", "pk"):
        found[contact.pk] = Candidate(
            contact.pk,
            _received_reason(contact, calendar),
            (0, *_rank(contact, contact.received_at)),
        )

    outstanding = contacts.filter(rag__in=[Rag.RED, Rag.AMBER], received_at__lt=until)
    for contact in outstanding.order_by("decision_due_at", "pk"):
        if contact.pk not in found:
            found[contact.pk] = Candidate(
                contact.pk,
                _outstanding_reason(contact, until),
                (1, *_rank(contact, contact.decision_due_at)),
            )

    if unavailable_agency_ids:
        waiting = (
            _requests(actor)
            .filter(status=RequestStatus.REQUESTED, agency_id__in=unavailable_agency_ids)
            .exclude(enquiry__contact__status=ContactStatus.DECIDED)
            .select_related("agency", "enquiry__contact")
            .order_by("agency__name", "due_at")
        )
        for request in waiting:
            contact = request.enquiry.contact
            flag = (
                f"Information request to {request.agency.name} outstanding: nobody available "
                "there today and no cover arranged"
            )
            if contact.pk in found:
                previous = found[contact.pk]
                found[contact.pk] = Candidate(
                    contact.pk, f"{previous.reason}. {flag}"[:300], previous.sort_key
                )
            else:
                found[contact.pk] = Candidate(
                    contact.pk, flag, (2, *_rank(contact, request.due_at))
                )
    return sorted(found.values(), key=lambda c: c.sort_key)


def mash_meeting_candidates(meeting: Meeting, *, actor) -> list[Candidate]:
    mash_items = AgendaItem.unscoped.filter(
        meeting__meeting_type__agenda_rule=AgendaRule.MASH_MEETING, removed_at=None
    ).exclude(meeting=meeting)
    discussed = mash_items.exclude(outcome_code="").exclude(outcome_code__in=NOT_SETTLED)
    waiting_elsewhere = mash_items.filter(outcome_code="", meeting__date=meeting.date).exclude(
        meeting__status=MeetingStatus.CLOSED
    )
    enquiries = (
        _enquiries(actor)
        .filter(status=EnquiryStatus.READY)
        .exclude(contact_id__in=discussed.values("contact_id"))
        .exclude(contact_id__in=waiting_elsewhere.values("contact_id"))
        .select_related("contact")
        .order_by("ready_at", "pk")
    )
    carried = set(
        mash_items.filter(
            Q(outcome_code__in=NOT_SETTLED)
            | Q(outcome_code="", meeting__status=MeetingStatus.CLOSED)
        ).values_list("contact_id", flat=True)
    )
    candidates = []
    for enquiry in enquiries:
        contact = enquiry.contact
        ready = enquiry.ready_at or enquiry.opened_at
        if enquiry.ready_by_id:
            reason = f"Went ahead without every agency's response on {_local(ready)}"
        else:
            reason = f"Agency responses in {_local(ready)}"
        if contact.pk in carried:
            reason += "; carried over from an earlier MASH meeting"
        candidates.append(
            Candidate(contact.pk, f"{reason} – awaiting discussion", _rank(contact, ready))
        )
    return sorted(candidates, key=lambda c: c.sort_key)
