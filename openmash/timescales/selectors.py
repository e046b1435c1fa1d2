"""Reads for the closure-days pages. Counts only: no case record is shown to the administrator,
who plans staffing from how much open work falls due on a day, not from its details."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import holidays
from django.db.models import Count
from django.db.models.functions import TruncDate
from django.utils import timezone

from openmash.contacts.models import Contact, ContactStatus
from openmash.enquiries.models import EnquiryStatus, InformationRequest, RequestStatus

from .calendar import LONDON
from .models import ClosureDay

#: How far back the list shows closure days that have passed.
PAST_SHOWN = timedelta(days=365)


@dataclass(frozen=True)
class OpenWorkDue:
    """Open work whose stored deadline falls on one day."""

    contacts: int = 0
    information_requests: int = 0

    @property
    def total(self) -> int:
        return self.contacts + self.information_requests


def closure_days_upcoming(today: date | None = None) -> list[ClosureDay]:
    today = today or timezone.localdate()
    return list(ClosureDay.objects.filter(date__gte=today).order_by("date"))


def closure_days_past(today: date | None = None) -> list[ClosureDay]:
    today = today or timezone.localdate()
    return list(
        ClosureDay.objects.filter(date__lt=today, date__gte=today - PAST_SHOWN).order_by("-date")
    )


def closure_day_get(pk) -> ClosureDay:
    """Raises ClosureDay.DoesNotExist (a 404 for the view)."""
    return ClosureDay.objects.get(pk=pk)


def _due_on(queryset, field: str, days: set[date]) -> dict[date, int]:
    if not days:
        return {}
    first, last = min(days), max(days)
    rows = (
        queryset.filter(
            **{
                f"{field}__gte": datetime.combine(first, time(0), tzinfo=LONDON),
                f"{field}__lt": datetime.combine(last + timedelta(days=1), time(0), tzinfo=LONDON),
            }
        )
        .annotate(due_date=TruncDate(field, tzinfo=LONDON))
        .filter(due_date__in=days)
        .values("due_date")
        .annotate(count=Count("pk"))
        .order_by()
    )
    return {row["due_date"]: row["count"] for row in rows}


def open_work_due_on(days) -> dict[date, OpenWorkDue]:
    """For each day, how many undecided contacts and awaited information requests have their
    stored deadline on it (two aggregate queries, whatever the number of days)."""
    days = set(days)
    contacts = _due_on(
        Contact.unscoped.exclude(status=ContactStatus.DECIDED), "decision_due_at", days
    )
    requests = _due_on(
        InformationRequest.unscoped.filter(
            status=RequestStatus.REQUESTED, enquiry__status=EnquiryStatus.OPEN
        ),
        "due_at",
        days,
    )
    return {day: OpenWorkDue(contacts.get(day, 0), requests.get(day, 0)) for day in sorted(days)}


def bank_holidays_ahead(today: date | None = None, days: int = 365) -> list[tuple[date, str]]:
    """England & Wales bank holidays in the coming year, with their names (from ``holidays``),
    so the administrator can see which days are already closed."""
    today = today or timezone.localdate()
    end = today + timedelta(days=days)
    names = holidays.country_holidays("GB", subdiv="ENG", years=range(today.year, end.year + 1))
    return sorted((day, name) for day, name in names.items() if today <= day <= end)
