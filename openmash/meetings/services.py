"""Writes of meetings, agendas, attendance, outcomes and availability.

Each chair's action checks ``meeting.chair``, locks the meeting row (so two practice managers
editing one agenda take turns, never overwrite each other) and refuses changes to a closed
meeting. Forms that edit what another chair may have changed carry the ``version`` they were
rendered with; a stale one raises ``ConflictError`` with a clear message.
"""

from datetime import date, datetime

from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils import timezone

from openmash.accounts.models import Agency
from openmash.accounts.roles import Capability
from openmash.contacts.models import Contact, ContactPerson
from openmash.core.errors import ConflictError, DomainError, NotPermitted, TransitionNotAllowed
from openmash.enquiries.models import InformationRequest
from openmash.governance.codes import DisclosureKind
from openmash.governance.selectors import (
    processing_restricted_contact_ids,
    processing_restriction_refusal,
)
from openmash.governance.services import sharing_record
from openmash.timescales.calendar import LONDON
from openmash.timescales.services import current_calendar

from . import agenda
from .codes import (
    MEETING_TYPES,
    OUTCOMES_BY_RULE,
    AbsenceReason,
    AgendaRule,
    AttendanceStatus,
    ItemSource,
    MeetingStatus,
    OutcomeCode,
    PartOfDay,
)
from .models import AgendaItem, Attendance, Meeting, MeetingTime, MeetingType, Unavailability
from .selectors import MeetingDocument, agencies_with_nobody_available


class MeetingInputError(DomainError):
    """Input a service refused; ``field`` names the form field it is about ("" for none)."""

    def __init__(self, message: str, field: str = ""):
        super().__init__(message)
        self.field = field


def _require_chair(actor) -> None:
    if actor is None or not actor.can(Capability.MEETING_CHAIR):
        raise NotPermitted("Only the chair of the meeting (a practice manager) may do this.")


def _save(obj, actor, fields: list[str] | None = None) -> None:
    obj._history_user = actor
    if fields is None:
        obj.save()
    else:
        obj.save(update_fields=[*fields, "modified_at", "modified_by"])


def _lock_open(meeting: Meeting, *, actor=None) -> Meeting:
    """The meeting row, locked for this transaction; refuses a closed meeting."""
    locked = (
        Meeting.objects.select_for_update(of=("self",))
        .select_related("meeting_type")
        .get(pk=meeting.pk)
    )
    if locked.status == MeetingStatus.CLOSED:
        raise TransitionNotAllowed("This meeting is closed: its minutes can no longer change.")
    return locked


def _check_version(meeting: Meeting, expected_version: int | None) -> None:
    if expected_version is not None and meeting.version != expected_version:
        raise ConflictError(
            "Another member of staff changed this meeting while you were working on it, so "
            "your change has not been saved. Check the meeting as it is now and try again."
        )


# -- meeting types and the daily job ------------------------------------------------------------


def meeting_types_ensure() -> dict[str, MeetingType]:
    """Create the protocol's meeting types and default times if missing (idempotent; never
    overwrites an administrator's edits)."""
    types = {}
    for position, definition in enumerate(MEETING_TYPES):
        meeting_type, created = MeetingType.objects.get_or_create(
            code=definition.code,
            defaults={
                "name": definition.name,
                "agenda_rule": definition.agenda_rule,
                "attendee_guidance": definition.attendee_guidance,
                "auto_schedule": definition.auto_schedule,
                "early_help_expected": definition.early_help_expected,
                "position": position,
            },
        )
        if created:
            for starts_at in definition.times:
                MeetingTime.objects.get_or_create(meeting_type=meeting_type, starts_at=starts_at)
        types[definition.code] = meeting_type
    return types


def meeting_get_or_create(meeting_type, day: date, starts_at: datetime, actor) -> Meeting:
    """The meeting in this slot, created if missing (safe against a concurrent run)."""
    existing = Meeting.objects.filter(
        meeting_type=meeting_type, date=day, starts_at=starts_at
    ).first()
    if existing is not None:
        return existing
    meeting = Meeting(
        meeting_type=meeting_type,
        date=day,
        starts_at=starts_at,
        created_by=actor,
        modified_by=actor,
    )
    try:
        with transaction.atomic():
            _save(meeting, actor)
    except IntegrityError:
        # Created by a concurrent run of the job between our check and our insert.
        return Meeting.objects.get(meeting_type=meeting_type, date=day, starts_at=starts_at)
    return meeting


def meetings_create_for_day(day: date, *, actor=None) -> list[Meeting]:
    """Create the day's huddles and MASH meetings (skipped on weekends, bank holidays and
    closure days) and build their agendas from the queues. Idempotent: running it again
    creates nothing twice and only adds work that has arrived since."""
    if actor is not None:
        _require_chair(actor)
    if not current_calendar().is_working_day(day):
        return []
    meeting_types_ensure()
    meetings = []
    for meeting_type in MeetingType.objects.filter(auto_schedule=True).prefetch_related("times"):
        for slot in meeting_type.times.all():
            starts_at = datetime.combine(day, slot.starts_at, tzinfo=LONDON)
            meeting = meeting_get_or_create(meeting_type, day, starts_at, actor)
            meeting.meeting_type = meeting_type
            meetings.append(meeting)
    for meeting in sorted(meetings, key=lambda m: m.starts_at):
        if meeting.status == MeetingStatus.PLANNED:
            agenda_build(meeting, actor=actor)
    return meetings


def meeting_arrange(*, actor, meeting_type: MeetingType, day: date, starts_at) -> Meeting:
    """The chair arranges a meeting that is not scheduled automatically (a DAN triage, the
    monthly midwifery safeguarding meeting) or an extra one."""
    _require_chair(actor)
    moment = datetime.combine(day, starts_at, tzinfo=LONDON)
    if Meeting.objects.filter(meeting_type=meeting_type, date=day, starts_at=moment).exists():
        raise MeetingInputError(
            f"There is already a {meeting_type.name} at {starts_at:%H:%M} on {day:%d %B %Y}.",
            "starts_at",
        )
    meeting = meeting_get_or_create(meeting_type, day, moment, actor)
    if meeting_type.agenda_rule != AgendaRule.NONE:
        agenda_build(meeting, actor=actor)
    return meeting


# -- agendas ------------------------------------------------------------------------------------


def agenda_build(meeting: Meeting, *, actor=None) -> int:
    """Add to the agenda every contact the meeting type's rule finds (``agenda.py``) that is not
    on it yet — nor was removed from it by the chair, nor names someone whose processing is
    restricted (Art 18). Existing items keep their order; new ones go at the end. ``actor``
    None is the daily job. Returns how many items were added."""
    if actor is not None:
        _require_chair(actor)
    now = timezone.now()
    with transaction.atomic():
        locked = (
            Meeting.objects.select_for_update(of=("self",))
            .select_related("meeting_type")
            .get(pk=meeting.pk)
        )
        if locked.status == MeetingStatus.CLOSED:
            raise TransitionNotAllowed("This meeting is closed: its agenda can no longer change.")
        rule = locked.meeting_type.agenda_rule
        if rule == AgendaRule.HUDDLE:
            candidates = agenda.huddle_candidates(
                locked,
                actor=actor,
                calendar=current_calendar(),
                unavailable_agency_ids=agencies_with_nobody_available(max(locked.starts_at, now)),
            )
        elif rule == AgendaRule.MASH_MEETING:
            candidates = agenda.mash_meeting_candidates(locked, actor=actor)
        else:
            candidates = []
        items = AgendaItem.unscoped.filter(meeting=locked)
        existing = set(items.values_list("contact_id", flat=True))
        # Art 18: a contact naming someone whose processing is restricted is not discussed
        # (disclosed to the attendees) while the restriction lasts.
        existing |= processing_restricted_contact_ids([c.contact_id for c in candidates])
        position = items.aggregate(last=Max("position"))["last"] or 0
        added = 0
        for candidate in candidates:
            if candidate.contact_id in existing:
                continue
            position += 1
            item = AgendaItem(
                meeting=locked,
                contact_id=candidate.contact_id,
                position=position,
                source=ItemSource.AUTO,
                reason=candidate.reason[:300],
                created_by=actor,
                modified_by=actor,
            )
            _save(item, actor)
            existing.add(candidate.contact_id)
            added += 1
        locked.agenda_built_at = now
        locked.modified_by = actor
        _save(locked, actor, ["agenda_built_at"])
    meeting.agenda_built_at = now
    return added


def agenda_item_add(meeting: Meeting, *, actor, reference: str, reason: str = "") -> AgendaItem:
    """The chair adds a contact by its reference (from their own scope, so a reference they
    may not read is "not found")."""
    _require_chair(actor)
    reference = " ".join(reference.split()).upper()
    if not reference:
        raise MeetingInputError("Enter the contact reference, like C26-000123.", "reference")
    contact = Contact.objects.for_user(actor).filter(reference__iexact=reference).first()
    if contact is None:
        raise MeetingInputError(
            f"No contact has the reference {reference}. Check the reference and try again.",
            "reference",
        )
    if processing_restricted_contact_ids([contact.pk]):
        raise MeetingInputError(
            processing_restriction_refusal(f"{contact.reference} cannot be put on an agenda"),
            "reference",
        )
    reason = " ".join(reason.split())[:300] or "Added by the chair"
    with transaction.atomic():
        locked = _lock_open(meeting)
        position = (
            AgendaItem.unscoped.filter(meeting=locked, removed_at=None).aggregate(
                last=Max("position")
            )["last"]
            or 0
        ) + 1
        item = AgendaItem.unscoped.filter(meeting=locked, contact=contact).first()
        if item is not None and item.removed_at is None:
            raise MeetingInputError(f"{contact.reference} is already on this agenda.", "reference")
        if item is not None:  # taken off earlier: put it back at the end
            item.removed_at = None
            item.removed_by = None
            item.position = position
            item.source = ItemSource.CHAIR
            item.reason = reason
            item.version += 1
            item.modified_by = actor
            _save(
                item,
                actor,
                ["removed_at", "removed_by", "position", "source", "reason", "version"],
            )
            return item
        item = AgendaItem(
            meeting=locked,
            contact=contact,
            position=position,
            source=ItemSource.CHAIR,
            reason=reason,
            created_by=actor,
            modified_by=actor,
        )
        _save(item, actor)
    return item


def agenda_item_remove(item: AgendaItem, *, actor) -> None:
    """Take an item off the agenda (kept, marked removed). An item with an outcome stays: the
    outcome is on the child's record."""
    _require_chair(actor)
    with transaction.atomic():
        _lock_open(item.meeting)
        locked = AgendaItem.unscoped.select_for_update().get(pk=item.pk)
        if locked.removed_at is not None:
            return
        if locked.outcome_code:
            raise DomainError(
                "An outcome is recorded for this item, so it stays on the agenda and in the "
                "minutes. Record a new outcome instead if it was wrong."
            )
        locked.removed_at = timezone.now()
        locked.removed_by = actor
        locked.version += 1
        locked.modified_by = actor
        _save(locked, actor, ["removed_at", "removed_by", "version"])


def agenda_item_move(item: AgendaItem, *, actor, direction: str) -> None:
    """Move an item one place up or down the agenda (no-op at either end)."""
    _require_chair(actor)
    if direction not in ("up", "down"):
        raise ValueError(f"Unknown direction {direction!r}")
    with transaction.atomic():
        locked = _lock_open(item.meeting)
        items = list(
            AgendaItem.unscoped.select_for_update()
            .filter(meeting=locked, removed_at=None)
            .order_by("position", "pk")
        )
        index = next((i for i, row in enumerate(items) if row.pk == item.pk), None)
        if index is None:
            raise DomainError("This item is no longer on the agenda.")
        other = index - 1 if direction == "up" else index + 1
        if not 0 <= other < len(items):
            return
        items[index], items[other] = items[other], items[index]
        for position, row in enumerate(items, start=1):
            if row.position != position:
                row.position = position
                row.modified_by = actor
                _save(row, actor, ["position"])


# -- running the meeting ------------------------------------------------------------------------


def meeting_start(meeting: Meeting, *, actor, expected_version: int | None) -> Meeting:
    """Open the meeting: the actor takes the chair (unless someone already has) and the agenda
    picks up anything that has arrived since it was built."""
    _require_chair(actor)
    with transaction.atomic():
        locked = _lock_open(meeting)
        _check_version(locked, expected_version)
        if locked.status != MeetingStatus.PLANNED:
            raise TransitionNotAllowed("This meeting has already started.")
        locked.status = MeetingStatus.IN_PROGRESS
        locked.started_at = timezone.now()
        locked.chair = locked.chair or actor
        locked.version += 1
        locked.modified_by = actor
        _save(locked, actor, ["status", "started_at", "chair", "version"])
        if locked.meeting_type.agenda_rule != AgendaRule.NONE:
            agenda_build(locked, actor=actor)
    return locked


def meeting_close(meeting: Meeting, *, actor, expected_version: int | None) -> Meeting:
    """Close the meeting; its record becomes the minutes. Items without an outcome were not
    reached: MASH enquiries among them go on the next MASH meeting's agenda."""
    _require_chair(actor)
    with transaction.atomic():
        locked = _lock_open(meeting)
        _check_version(locked, expected_version)
        if locked.status != MeetingStatus.IN_PROGRESS:
            raise TransitionNotAllowed("Start the meeting before closing it.")
        if (
            locked.meeting_type.early_help_expected
            and not Attendance.objects.filter(meeting=locked, agency__code="EARLY_HELP").exists()
        ):
            raise MeetingInputError(
                "The Early Help co-ordinator attends every MASH meeting: record their "
                "attendance, or their apologies, before closing the meeting.",
                "agency",
            )
        locked.status = MeetingStatus.CLOSED
        locked.closed_at = timezone.now()
        locked.closed_by = actor
        locked.version += 1
        locked.modified_by = actor
        _save(locked, actor, ["status", "closed_at", "closed_by", "version"])
    return locked


def meeting_notes_update(
    meeting: Meeting,
    *,
    actor,
    expected_version: int | None,
    staffing_notes: str,
    capacity_notes: str,
) -> Meeting:
    """Staffing and capacity for the day, as the team updates it at the meeting."""
    _require_chair(actor)
    with transaction.atomic():
        locked = _lock_open(meeting)
        _check_version(locked, expected_version)
        locked.staffing_notes = staffing_notes.strip()
        locked.capacity_notes = capacity_notes.strip()
        locked.version += 1
        locked.modified_by = actor
        _save(locked, actor, ["staffing_notes", "capacity_notes", "version"])
    return locked


def attendance_record(
    meeting: Meeting,
    *,
    actor,
    agency: Agency,
    status: str,
    attendee=None,
    attendee_name: str = "",
    role: str = "",
) -> Attendance:
    """Record someone present (or their apologies) for an agency. Recording a member of staff
    again updates their entry rather than listing them twice."""
    _require_chair(actor)
    if status not in AttendanceStatus.values:
        raise MeetingInputError("Select whether they were present or sent apologies.", "status")
    attendee_name = " ".join(attendee_name.split())
    if attendee is None and not attendee_name:
        raise MeetingInputError("Select the member of staff, or enter their name.", "attendee")
    if attendee is not None and attendee.agency_id != agency.pk:
        raise MeetingInputError(
            f"{attendee.get_full_name() or attendee.username} works for "
            f"{attendee.agency.name if attendee.agency_id else 'no agency'}, not {agency.name}.",
            "attendee",
        )
    with transaction.atomic():
        locked = _lock_open(meeting)
        row = None
        if attendee is not None:
            row = Attendance.objects.filter(meeting=locked, attendee=attendee).first()
        if row is not None:
            row.status = status
            row.role = role.strip() or row.role
            row.modified_by = actor
            _save(row, actor, ["status", "role"])
            return row
        row = Attendance(
            meeting=locked,
            agency=agency,
            attendee=attendee,
            attendee_name="" if attendee is not None else attendee_name,
            role=role.strip(),
            status=status,
            created_by=actor,
            modified_by=actor,
        )
        _save(row, actor)
    return row


def attendance_remove(attendance: Attendance, *, actor) -> None:
    _require_chair(actor)
    with transaction.atomic():
        _lock_open(attendance.meeting)
        attendance._history_user = actor
        attendance.delete()


def _linked_person_ids(contact_id) -> list:
    return list(
        ContactPerson.unscoped.filter(contact_id=contact_id, person__isnull=False)
        .values_list("person_id", flat=True)
        .distinct()
    )


def outcome_record(
    item: AgendaItem,
    *,
    actor,
    expected_version: int | None,
    outcome_code: str,
    outcome: str,
    early_help_considered: bool = False,
) -> AgendaItem:
    """Record what the meeting agreed for one child's contact. It shows on the contact's
    timeline; each partner agency asked about the contact sees it too (they update their own
    records), so each gets a Record of Sharing entry in the same transaction."""
    _require_chair(actor)
    meeting = item.meeting
    allowed = OUTCOMES_BY_RULE[AgendaRule(meeting.meeting_type.agenda_rule)]
    if outcome_code not in allowed:
        raise MeetingInputError("Select the outcome agreed.", "outcome_code")
    outcome = outcome.strip()
    if not outcome:
        raise MeetingInputError(
            "Enter what the meeting agreed, and who will do what by when.", "outcome"
        )
    with transaction.atomic():
        locked_meeting = _lock_open(meeting)
        if locked_meeting.status != MeetingStatus.IN_PROGRESS:
            raise TransitionNotAllowed("Start the meeting before recording outcomes.")
        locked = (
            AgendaItem.unscoped.select_for_update(of=("self",))
            .select_related("contact")
            .get(pk=item.pk)
        )
        if locked.removed_at is not None:
            raise DomainError("This item was taken off the agenda.")
        if expected_version is not None and locked.version != expected_version:
            who = locked.recorded_by or locked.modified_by
            by = f" by {who.get_full_name() or who.username}" if who else ""
            raise ConflictError(
                f"An outcome was recorded for this item{by} while you were writing yours, so "
                "yours has not been saved. Read the recorded outcome below, then change it if "
                "the meeting agreed something else."
            )
        now = timezone.now()
        locked.outcome_code = outcome_code
        locked.outcome = outcome
        locked.early_help_considered = bool(early_help_considered)
        locked.recorded_at = now
        locked.recorded_by = actor
        locked.version += 1
        locked.modified_by = actor
        _save(
            locked,
            actor,
            [
                "outcome_code",
                "outcome",
                "early_help_considered",
                "recorded_at",
                "recorded_by",
                "version",
            ],
        )
        contact = locked.contact
        partner_agencies = Agency.objects.filter(
            pk__in=InformationRequest.unscoped.filter(enquiry__contact_id=contact.pk).values(
                "agency_id"
            ),
            is_childrens_social_care=False,
        ).order_by("name")
        subjects = _linked_person_ids(contact.pk)
        label = OutcomeCode(outcome_code).label
        local_start = timezone.localtime(meeting.starts_at, LONDON)
        for agency in partner_agencies:
            sharing_record(
                kind=DisclosureKind.OUTCOME_TO_PARTNER,
                shared_by=actor,
                from_agency=actor.agency,
                to_agency=agency,
                contact=contact,
                subjects=subjects,
                record_type="meeting outcome",
                record_id=locked.pk,
                summary=(
                    f"Outcome of {contact.reference} at the {meeting.meeting_type.name} of "
                    f"{local_start:%d %B %Y %H:%M}: {label}"
                ),
            )
        for name in ("outcome_code", "outcome", "early_help_considered", "recorded_at"):
            setattr(item, name, getattr(locked, name))
        item.recorded_by = actor
        item.version = locked.version
    return item


def minutes_download_record(document: MeetingDocument, *, actor) -> int:
    """A copy of the minutes leaving children's social care is a disclosure: one Record of
    Sharing entry per child's item in the downloader's copy, to the downloader's agency.
    Returns how many entries were written (none for children's social care staff)."""
    if not actor.agency_id or actor.agency.is_childrens_social_care:
        return 0
    meeting = document.meeting
    csc = Agency.objects.get(is_childrens_social_care=True)
    local_start = timezone.localtime(meeting.starts_at, LONDON)
    written = 0
    with transaction.atomic():
        for item in document.items:
            sharing_record(
                kind=DisclosureKind.MEETING_MINUTES,
                shared_by=meeting.closed_by or meeting.chair,
                from_agency=csc,
                to_agency=actor.agency,
                to_description=f"Minutes downloaded by {actor.get_full_name() or actor.username}",
                contact=item.contact,
                subjects=_linked_person_ids(item.contact_id),
                record_type="meeting minutes",
                record_id=item.pk,
                summary=(
                    f"Minutes of the {meeting.meeting_type.name} of "
                    f"{local_start:%d %B %Y %H:%M}: the outcome for {item.contact.reference}"
                ),
            )
            written += 1
    return written


# -- availability and cover ---------------------------------------------------------------------


def _overlapping(qs, starts_on: date, ends_on: date, part_of_day: str):
    qs = qs.filter(starts_on__lte=ends_on, ends_on__gte=starts_on)
    if part_of_day != PartOfDay.ALL_DAY:
        qs = qs.filter(Q(part_of_day=PartOfDay.ALL_DAY) | Q(part_of_day=part_of_day))
    return qs


def unavailability_record(
    *,
    actor,
    starts_on: date,
    ends_on: date,
    part_of_day: str,
    reason: str,
    cover=None,
    today: date | None = None,
) -> Unavailability:
    """A practitioner records when they are away and who from their own agency covers (the
    protocol: the originating agency arranges cover and tells the MASH)."""
    today = today or timezone.localdate()
    if part_of_day not in PartOfDay.values:
        raise MeetingInputError("Select whether you are away all day or part of the day.")
    if reason not in AbsenceReason.values:
        raise MeetingInputError("Select the reason.", "reason")
    if ends_on < starts_on:
        raise MeetingInputError(
            "The last day must be the same as or after the first day.", "ends_on"
        )
    if ends_on < today:
        raise MeetingInputError("The dates must include today or a later day.", "ends_on")
    if part_of_day != PartOfDay.ALL_DAY and ends_on != starts_on:
        raise MeetingInputError(
            "A morning or afternoon away must be a single day: record longer absences as all day.",
            "part_of_day",
        )
    if cover is not None:
        if cover.pk == actor.pk:
            raise MeetingInputError("Choose a colleague to cover for you.", "cover")
        if not cover.is_active or cover.agency_id != actor.agency_id:
            raise MeetingInputError(
                "Your cover must be an active colleague from your own agency.", "cover"
            )
        if _overlapping(
            Unavailability.objects.filter(practitioner=cover), starts_on, ends_on, part_of_day
        ).exists():
            raise MeetingInputError(
                f"{cover.get_full_name() or cover.username} is also away then: choose someone "
                "who is in.",
                "cover",
            )
    with transaction.atomic():
        mine = Unavailability.objects.select_for_update().filter(practitioner=actor)
        if _overlapping(mine, starts_on, ends_on, part_of_day).exists():
            raise MeetingInputError(
                "You have already recorded time away on some of these dates. Cancel that entry "
                "first if it has changed.",
                "starts_on",
            )
        entry = Unavailability(
            practitioner=actor,
            starts_on=starts_on,
            ends_on=ends_on,
            part_of_day=part_of_day,
            reason=reason,
            cover=cover,
            created_by=actor,
            modified_by=actor,
        )
        _save(entry, actor)
    return entry


def unavailability_cancel(entry: Unavailability, *, actor) -> None:
    """Only the practitioner may cancel their own entry."""
    if entry.practitioner_id != actor.pk:
        raise NotPermitted("You can only cancel your own time away.")
    with transaction.atomic():
        entry._history_user = actor
        entry.delete()
