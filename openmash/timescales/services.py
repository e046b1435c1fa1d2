"""The working calendar with this authority's closure days, for services that set deadlines."""

from datetime import datetime

from .calendar import WorkingCalendar, decision_due, default_calendar, red_information_request_due
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
