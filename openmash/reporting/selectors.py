"""Reads for the timeliness dashboard: aggregate queries only.

Every figure is computed by the database (``GROUP BY`` with conditional counts), so the
dashboard costs the same handful of queries whether the MASH holds fifty contacts or fifty
thousand, and no case record is loaded into Python. Rows are read through the models'
``for_user`` scope like every other read of case data (DESIGN.md §5), so a report can never
show more than its viewer may see.

Definitions (shown on the page too):

* A contact is *outstanding* until decided; its deadline is ``decision_due_at`` (1 working day
  from receipt). An information request is *outstanding* while unanswered and its MASH enquiry
  still waits for responses; its deadline is ``due_at``.
* *Overdue*: the deadline has passed. *Due soon*: due within the queues' "due soon" window
  (``openmash.core.queues.DUE_SOON``). *Due later today*: due after that, before midnight.
* *Decided within 1 working day*: ``decided_at <= decision_due_at``, by the week the contact
  was received. A contact counts once its decision is made or its deadline has passed —
  one still in time and undecided is not yet a success or a failure, so it is left out.
* *Red request answered within 4 working hours*: ``responded_at <= due_at`` for requests on
  contacts rated Red, by the week and agency the request was made to; counted like contacts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Case, CharField, Count, DateField, F, Q, Value, When
from django.db.models.functions import TruncWeek
from django.utils import timezone

from openmash.contacts.models import Contact, ContactStatus
from openmash.core.queues import DUE_SOON
from openmash.enquiries.models import EnquiryStatus, InformationRequest, RequestStatus
from openmash.timescales.calendar import LONDON

WEEKS = 12


@dataclass(frozen=True)
class DueCounts:
    overdue: int = 0
    due_soon: int = 0
    due_later_today: int = 0
    outstanding: int = 0


@dataclass(frozen=True)
class StageRow:
    key: str
    label: str
    counts: DueCounts


@dataclass(frozen=True)
class AgencyRow:
    agency: str
    counts: DueCounts


@dataclass(frozen=True)
class Share:
    """``in_time`` of ``total``; ``percent`` rounded to the nearest whole number (halves up)."""

    in_time: int = 0
    total: int = 0

    @property
    def percent(self) -> int | None:
        if not self.total:
            return None
        return (200 * self.in_time + self.total) // (2 * self.total)

    def __add__(self, other: Share) -> Share:
        return Share(self.in_time + other.in_time, self.total + other.total)


@dataclass(frozen=True)
class WeekShare:
    week: date  # the Monday the week begins
    share: Share


@dataclass(frozen=True)
class AgencyTimeliness:
    agency: str
    share: Share  # over the whole period
    weeks: tuple[WeekShare, ...]


#: Stages of an undecided contact, in the order work flows through the MASH.
STAGES = (
    ("to_record", "To record"),
    ("to_screen", "To screen"),
    ("in_enquiry", "In MASH enquiry (awaiting agency responses)"),
    ("awaiting_analysis", "Awaiting analysis"),
    ("awaiting_decision", "Awaiting decision"),
)

_STAGE = Case(
    When(status=ContactStatus.SUBMITTED, then=Value("to_record")),
    When(status=ContactStatus.RECORDED, then=Value("to_screen")),
    When(
        status=ContactStatus.ENQUIRY,
        enquiry__status=EnquiryStatus.OPEN,
        then=Value("in_enquiry"),
    ),
    When(status=ContactStatus.ENQUIRY, then=Value("awaiting_analysis")),
    When(status=ContactStatus.ANALYSED, then=Value("awaiting_decision")),
    output_field=CharField(),
)


def _end_of_today(now: datetime) -> datetime:
    tomorrow = timezone.localtime(now, LONDON).date() + timedelta(days=1)
    return datetime.combine(tomorrow, time(0), tzinfo=LONDON)


def _due_counts(field: str, now: datetime) -> dict:
    """Conditional counts of rows by where ``field`` (a deadline) falls relative to ``now``."""
    soon = now + DUE_SOON
    return {
        "overdue": Count("pk", filter=Q(**{f"{field}__lt": now})),
        "due_soon": Count("pk", filter=Q(**{f"{field}__gte": now, f"{field}__lt": soon})),
        "due_later_today": Count(
            "pk", filter=Q(**{f"{field}__gte": soon, f"{field}__lt": _end_of_today(now)})
        ),
        "outstanding": Count("pk"),
    }


def _counts(row: dict) -> DueCounts:
    return DueCounts(row["overdue"], row["due_soon"], row["due_later_today"], row["outstanding"])


def due_by_stage(user, now: datetime | None = None) -> list[StageRow]:
    """Undecided contacts by stage, and how many are overdue, due soon, due later today
    (one query). Every stage is listed, with zeros where nothing waits."""
    now = now or timezone.now()
    rows = (
        Contact.objects.for_user(user)
        .exclude(status=ContactStatus.DECIDED)
        .annotate(stage=_STAGE)
        .values("stage")
        .annotate(**_due_counts("decision_due_at", now))
        .order_by()
    )
    by_stage = {row["stage"]: _counts(row) for row in rows}
    return [StageRow(key, label, by_stage.get(key, DueCounts())) for key, label in STAGES]


def due_by_agency(user, now: datetime | None = None) -> list[AgencyRow]:
    """Outstanding information requests per agency (one query), agencies A to Z."""
    now = now or timezone.now()
    rows = (
        InformationRequest.objects.for_user(user)
        .filter(status=RequestStatus.REQUESTED, enquiry__status=EnquiryStatus.OPEN)
        .values("agency__name")
        .annotate(**_due_counts("due_at", now))
        .order_by("agency__name")
    )
    return [AgencyRow(row["agency__name"], _counts(row)) for row in rows]


def week_starts(now: datetime | None = None, weeks: int = WEEKS) -> list[date]:
    """The Mondays of the last ``weeks`` weeks (London time), oldest first, this week last."""
    today = timezone.localtime(now or timezone.now(), LONDON).date()
    this_monday = today - timedelta(days=today.weekday())
    return [this_monday - timedelta(weeks=n) for n in range(weeks - 1, -1, -1)]


def _week(field: str):
    return TruncWeek(field, tzinfo=LONDON, output_field=DateField())


def _as_date(value) -> date:
    return value.date() if isinstance(value, datetime) else value


def decisions_within_a_working_day(user, now: datetime | None = None) -> list[WeekShare]:
    """Per week of receipt, over the last 12 weeks: contacts decided by their deadline, of
    those decided or past their deadline (one query). Weeks with no contacts are listed."""
    now = now or timezone.now()
    weeks = week_starts(now)
    start = datetime.combine(weeks[0], time(0), tzinfo=LONDON)
    rows = (
        Contact.objects.for_user(user)
        .filter(received_at__gte=start, received_at__lt=now)
        .filter(Q(decided_at__isnull=False) | Q(decision_due_at__lte=now))
        .annotate(week=_week("received_at"))
        .values("week")
        .annotate(
            in_time=Count("pk", filter=Q(decided_at__lte=F("decision_due_at"))),
            total=Count("pk"),
        )
        .order_by()
    )
    by_week = {_as_date(row["week"]): Share(row["in_time"], row["total"]) for row in rows}
    return [WeekShare(week, by_week.get(week, Share())) for week in weeks]


def red_requests_within_four_hours(user, now: datetime | None = None) -> list[AgencyTimeliness]:
    """Per agency, over the last 12 weeks and week by week: Red requests answered by their
    deadline, of those answered or past their deadline (one query, grouped by agency and
    week; the per-agency totals add up those few grouped rows)."""
    now = now or timezone.now()
    weeks = week_starts(now)
    start = datetime.combine(weeks[0], time(0), tzinfo=LONDON)
    rows = (
        InformationRequest.objects.for_user(user)
        .filter(enquiry__contact__rag="red", requested_at__gte=start, requested_at__lt=now)
        .filter(Q(responded_at__isnull=False) | Q(due_at__lte=now))
        .annotate(week=_week("requested_at"))
        .values("agency__name", "week")
        .annotate(
            in_time=Count("pk", filter=Q(responded_at__lte=F("due_at"))),
            total=Count("pk"),
        )
        .order_by("agency__name")
    )
    by_agency: dict[str, dict[date, Share]] = {}
    for row in rows:  # grouped rows: at most agencies × 12
        by_agency.setdefault(row["agency__name"], {})[_as_date(row["week"])] = Share(
            row["in_time"], row["total"]
        )
    result = []
    for agency, shares in by_agency.items():
        total = sum(shares.values(), Share())
        result.append(
            AgencyTimeliness(
                agency,
                total,
                tuple(WeekShare(week, shares.get(week, Share())) for week in weeks),
            )
        )
    return result
