"""The working calendar with this authority's closure days, the deadlines computed from it, and
the administrator's changes to closure days.

Deadlines are computed once, when a clock starts, and stored on the record (DESIGN.md §3), so
queues sort and filter by them in the database and every page, report and warning agrees.
Adding or removing a closure day therefore does not move a deadline already stored: a request
made on Monday was promised for the time the calendar gave on Monday, and silently moving it
would change what partners were told and how the MASH's timeliness is reported. Only clocks
that start afterwards use the new calendar. The administrator is shown how much open work is
due on the day they close, so the practice managers can plan for it instead.
"""

from datetime import date, datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from openmash.core.errors import DomainError

from .calendar import (
    WorkingCalendar,
    decision_due,
    default_calendar,
    england_and_wales_bank_holidays,
    red_information_request_due,
)
from .models import ClosureDay


def current_calendar() -> WorkingCalendar:
    """The calendar as configured now. One small query; deadlines are computed once and stored,
    so this is not on any hot read path."""
    return default_calendar(ClosureDay.objects.values_list("date", flat=True))


def contact_decision_due(received_at: datetime) -> datetime:
    """Amber/Green (and any contact): decision within 1 working day of receipt."""
    return decision_due(current_calendar(), received_at)


def red_request_due(requested_at: datetime) -> datetime:
    """Red MASH enquiry: partner information within 4 working hours of the request."""
    return red_information_request_due(current_calendar(), requested_at)


def information_request_due(rag: str, requested_at: datetime, contact_decision_due_at: datetime):
    """Red: 4 working hours. Amber/Green: in time for the decision (1 working day from
    receipt), but never before 4 working hours from now so partners always get a fair window."""
    red_due = red_request_due(requested_at)
    if rag == "red":
        return red_due
    return max(contact_decision_due_at, red_due)


def next_working_instant(moment: datetime) -> datetime:
    return current_calendar().next_working_instant(moment)


# -- closure days (administrators, capability staff.manage) ------------------------------------


class ClosureDayRuleBroken(DomainError):
    """A closure-day rule was broken. ``field`` names the form field it belongs to."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


def _long(day: date) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}"


def closure_day_add(*, actor, day: date, reason: str) -> ClosureDay:
    """Close the MASH on ``day`` (today or later, a day it would otherwise be open).

    Past days are refused: working time already measured (deadline warnings, the timeliness
    dashboard) must not change after the event. Weekends and bank holidays are refused because
    the MASH is closed then anyway, so the entry would mean nothing.
    """
    reason = (reason or "").strip()
    if not reason:
        raise ClosureDayRuleBroken("Enter why the MASH is closed on that day", "reason")
    if day < timezone.localdate():
        raise ClosureDayRuleBroken("The date must be today or in the future", "day")
    if day.weekday() >= 5:
        raise ClosureDayRuleBroken(
            f"{_long(day)} is a {day:%A}: the MASH is already closed at weekends", "day"
        )
    if day in england_and_wales_bank_holidays(day.year):
        raise ClosureDayRuleBroken(
            f"{_long(day)} is a bank holiday: the MASH is already closed", "day"
        )
    closure_day = ClosureDay(date=day, reason=reason, created_by=actor, modified_by=actor)
    closure_day._history_user = actor
    try:
        with transaction.atomic():
            closure_day.save(force_insert=True)
    except IntegrityError as exc:
        raise ClosureDayRuleBroken(f"{_long(day)} is already a closure day", "day") from exc
    return closure_day


def closure_day_remove(*, actor, closure_day: ClosureDay) -> None:
    """Reopen the MASH on a closure day that has not yet passed. Past closure days are kept:
    they explain why the deadlines set around them were later."""
    if closure_day.date < timezone.localdate():
        raise ClosureDayRuleBroken(
            f"{_long(closure_day.date)} has passed. Past closure days are kept because they "
            "explain the deadlines set around them."
        )
    closure_day._history_user = actor
    with transaction.atomic():
        closure_day.delete()
