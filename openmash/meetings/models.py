"""Huddles, MASH meetings, their agendas, attendance and outcomes; and staff availability.

Meeting lifecycle (one service each, in ``services.py``)::

    planned ──meeting_start──► in_progress ──meeting_close──► closed

The daily job (``tasks.meetings_create_today``) creates each working day's meetings and builds
their agendas from the work queues; the chair may refresh the agenda, add, remove and reorder
items while the meeting is planned or in progress. Outcomes are recorded while it is in
progress; a closed meeting is the minutes and does not change.

An agenda item points at a contact, so it is case data: ``AgendaItem.objects`` is fail closed
and read only through ``objects.for_user(user)`` (scope rule in ``selectors.py``). A removed
item is kept (``removed_at``) so that the agenda's history is not lost and the next refresh
does not put back what the chair took off.
"""

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from openmash.core.models import BaseModel
from openmash.core.scoping import FailClosedManager

from .codes import (
    AbsenceReason,
    AgendaRule,
    AttendanceStatus,
    ItemSource,
    MeetingStatus,
    OutcomeCode,
    PartOfDay,
)


class MeetingType(BaseModel):
    """A kind of meeting from the protocol: SPA huddle, MASH huddle, MASH meeting, …"""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=120, unique=True)
    agenda_rule = models.CharField(max_length=14, choices=AgendaRule.choices)
    attendee_guidance = models.TextField(blank=True, help_text="Who attends and why")
    auto_schedule = models.BooleanField(
        default=False, help_text="Created every working day by the daily job"
    )
    early_help_expected = models.BooleanField(
        default=False, help_text="The Early Help co-ordinator attends every meeting of this type"
    )
    position = models.PositiveSmallIntegerField(default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["position", "name"]

    def __str__(self):
        return self.name


class MeetingTime(models.Model):
    """A default start time of a meeting type (the MASH meeting has two: 11:30 and 15:00)."""

    meeting_type = models.ForeignKey(MeetingType, on_delete=models.CASCADE, related_name="times")
    starts_at = models.TimeField(help_text="Local time (Europe/London)")

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting_type", "starts_at"], name="meeting_time_unique"
            )
        ]

    def __str__(self):
        return f"{self.meeting_type} {self.starts_at:%H:%M}"


class Meeting(BaseModel):
    meeting_type = models.ForeignKey(MeetingType, on_delete=models.PROTECT, related_name="+")
    date = models.DateField(db_index=True)
    starts_at = models.DateTimeField()
    status = models.CharField(
        max_length=12, choices=MeetingStatus.choices, default=MeetingStatus.PLANNED
    )
    chair = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    staffing_notes = models.TextField(blank=True, help_text="Who is in, who is off, cover")
    capacity_notes = models.TextField(blank=True, help_text="Capacity for the day's work")
    agenda_built_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)
    history = HistoricalRecords()

    class Meta:
        ordering = ["starts_at", "meeting_type__position"]
        constraints = [
            # The daily job may run twice (a restart, two beats): it can never double a meeting.
            models.UniqueConstraint(
                fields=["meeting_type", "date", "starts_at"], name="one_meeting_per_slot"
            )
        ]

    def __str__(self):
        return f"Meeting {self.pk}"

    @property
    def is_open(self) -> bool:
        """Planned or in progress: the agenda and attendance may still change."""
        return self.status != MeetingStatus.CLOSED


class AgendaItem(BaseModel):
    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="items")
    contact = models.ForeignKey(
        "contacts.Contact", on_delete=models.PROTECT, related_name="meeting_items"
    )
    position = models.PositiveIntegerField()
    source = models.CharField(max_length=6, choices=ItemSource.choices)
    reason = models.CharField(max_length=300, blank=True, help_text="Why it is on the agenda")
    outcome_code = models.CharField(max_length=20, choices=OutcomeCode.choices, blank=True)
    outcome = models.TextField(blank=True, help_text="What the meeting agreed, and who does what")
    early_help_considered = models.BooleanField(default=False)
    recorded_at = models.DateTimeField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    removed_at = models.DateTimeField(null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)

    objects = FailClosedManager()
    unscoped = models.Manager()
    history = HistoricalRecords()

    class Meta:
        default_manager_name = "objects"
        base_manager_name = "unscoped"
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "contact"], name="contact_once_per_agenda")
        ]
        indexes = [models.Index(fields=["contact", "recorded_at"])]

    def __str__(self):
        # No related lookups: the audit log labels every saved version with this.
        return f"Agenda item {self.pk}"


class Attendance(BaseModel):
    """Who attended (or sent apologies) for which agency. ``attendee`` is a member of staff
    with an account; ``attendee_name`` someone without one (e.g. a visiting colleague)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="attendance")
    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="+")
    attendee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    attendee_name = models.CharField(max_length=120, blank=True)
    role = models.CharField(max_length=120, blank=True)
    status = models.CharField(max_length=10, choices=AttendanceStatus.choices)
    history = HistoricalRecords()

    class Meta:
        ordering = ["agency__name", "attendee_name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(attendee__isnull=False) | ~models.Q(attendee_name=""),
                name="attendance_names_someone",
            ),
            models.UniqueConstraint(
                fields=["meeting", "attendee"],
                condition=models.Q(attendee__isnull=False),
                name="attendee_once_per_meeting",
            ),
        ]

    def __str__(self):
        return f"Attendance {self.pk}"

    @property
    def name(self) -> str:
        if self.attendee_id:
            return self.attendee.get_full_name() or self.attendee.username
        return self.attendee_name


class Unavailability(BaseModel):
    """A practitioner is away for a date range (the whole day, or one part of a single day)
    and names the colleague from their own agency who covers. The reason is a category only."""

    practitioner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="unavailability"
    )
    starts_on = models.DateField()
    ends_on = models.DateField()
    part_of_day = models.CharField(
        max_length=10, choices=PartOfDay.choices, default=PartOfDay.ALL_DAY
    )
    reason = models.CharField(max_length=14, choices=AbsenceReason.choices)
    cover = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="covering",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["starts_on", "practitioner__last_name"]
        indexes = [models.Index(fields=["starts_on", "ends_on"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="unavailability_ends_after_start",
            ),
            models.CheckConstraint(
                condition=models.Q(part_of_day=PartOfDay.ALL_DAY)
                | models.Q(ends_on=models.F("starts_on")),
                name="part_day_unavailability_is_one_day",
            ),
        ]

    def __str__(self):
        return f"Unavailability {self.pk}"
