"""Working-time calendar for MASH timescales (DESIGN.md §3).

Pure: no ORM, no network. Bank holidays come from the `holidays` package and local closure days
are passed in, so the same calendar gives the same deadline everywhere it is computed.

Conventions, chosen so a stored ``due_at`` is unambiguous:

* Inputs are aware datetimes in any time zone; naive datetimes raise ``ValueError`` because
  guessing their zone is how a deadline silently moves by an hour.
* Outputs are aware datetimes in UTC (what the database stores); show them in Europe/London.
* Working hours are local wall-clock times in Europe/London. Each working period is converted to
  UTC through ``zoneinfo`` and all arithmetic is done on those UTC intervals, so working time is
  real elapsed time and is correct across BST/GMT changes.
* Resolution: exact to the microsecond. Durations are ``timedelta`` (integer days, seconds and
  microseconds) and minute/hour/day counts must be integers, so no float rounding can creep in.
  ``working_minutes_between`` floors to whole minutes; ``working_time_between`` is exact.
* A working period is half-open, ``[opens, closes)``: an instant exactly at closing time is out of
  hours, but adding working time may end exactly at closing time (work due "by close").
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays

__all__ = [
    "APPROACHING",
    "BREACHED",
    "DECISION_WORKING_DAYS",
    "DEFAULT_WEEKLY_HOURS",
    "LONDON",
    "RED_INFORMATION_REQUEST_WORKING_HOURS",
    "WorkingCalendar",
    "WorkingHours",
    "decision_due",
    "deadline_warning",
    "default_calendar",
    "england_and_wales_bank_holidays",
    "red_information_request_due",
]

LONDON = ZoneInfo("Europe/London")

# DESIGN.md §3 timescales.
RED_INFORMATION_REQUEST_WORKING_HOURS = 4
DECISION_WORKING_DAYS = 1

_ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class WorkingHours:
    """Opening and closing wall-clock times of one working day (naive ``time``s, local)."""

    opens: time
    closes: time

    def __post_init__(self) -> None:
        if self.opens.tzinfo is not None or self.closes.tzinfo is not None:
            raise ValueError("Working hours are local wall-clock times: pass naive times.")
        if not self.opens < self.closes:
            raise ValueError(
                f"Working hours must open before they close: {self.opens}–{self.closes}"
            )


_MON_THU = WorkingHours(time(9, 0), time(17, 15))
_FRI = WorkingHours(time(9, 0), time(16, 45))

# Indexed by date.weekday(): Monday is 0, Sunday is 6; None means closed all day.
DEFAULT_WEEKLY_HOURS: tuple[WorkingHours | None, ...] = (
    _MON_THU,
    _MON_THU,
    _MON_THU,
    _MON_THU,
    _FRI,
    None,
    None,
)


@functools.cache
def england_and_wales_bank_holidays(year: int) -> frozenset[date]:
    """England & Wales bank holidays in ``year``, cached per year.

    ``subdiv="ENG"`` gives the England & Wales list (Wales shares it), including substitute
    ("observed") days and one-off holidays such as jubilees and state funerals.
    """
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year).keys())


def _as_utc(moment: datetime) -> datetime:
    """``moment`` in UTC; refuses naive datetimes rather than guessing their zone."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"Naive datetime {moment!r}: pass an aware datetime.")
    return moment.astimezone(UTC)


def _non_negative_int(value: int, name: str) -> int:
    """``value`` as an int; floats are refused so arithmetic stays exact, negatives because
    deadlines only run forwards."""
    count = operator.index(value)
    if count < 0:
        raise ValueError(f"{name} must not be negative: {count}")
    return count


@dataclass(frozen=True)
class WorkingCalendar:
    """When the MASH is working: weekly hours minus bank holidays and local closure days.

    Immutable and hashable so one instance can be shared between threads and requests.
    ``bank_holidays`` maps a year to its bank holiday dates; it is a parameter so tests (or
    another nation's hub) can supply their own.
    """

    weekly_hours: tuple[WorkingHours | None, ...] = DEFAULT_WEEKLY_HOURS
    closure_dates: frozenset[date] = frozenset()
    bank_holidays: Callable[[int], frozenset[date]] = england_and_wales_bank_holidays
    time_zone: ZoneInfo = LONDON

    def __post_init__(self) -> None:
        weekly_hours = tuple(self.weekly_hours)
        if len(weekly_hours) != 7:
            raise ValueError("weekly_hours needs one entry per weekday, Monday first.")
        if all(hours is None for hours in weekly_hours):
            raise ValueError("A calendar with no working weekday can never meet a deadline.")
        # Frozen dataclass: normalise the inputs through object.__setattr__ once, here.
        object.__setattr__(self, "weekly_hours", weekly_hours)
        object.__setattr__(self, "closure_dates", frozenset(self.closure_dates))

    # -- days ---------------------------------------------------------------------------------

    def is_working_day(self, day: date) -> bool:
        """True if ``day`` has working hours and is neither a bank holiday nor a closure day."""
        return (
            self.weekly_hours[day.weekday()] is not None
            and day not in self.closure_dates
            and day not in self.bank_holidays(day.year)
        )

    def _next_working_day(self, day: date) -> date:
        """The first working day strictly after ``day``."""
        day += _ONE_DAY
        while not self.is_working_day(day):
            day += _ONE_DAY
        return day

    def _period(self, day: date) -> tuple[datetime, datetime]:
        """Working period of working day ``day`` as a UTC interval ``[opens, closes)``."""
        hours = self.weekly_hours[day.weekday()]
        if hours is None:
            raise ValueError(f"{day} has no working hours.")
        opens = datetime.combine(day, hours.opens, tzinfo=self.time_zone)
        closes = datetime.combine(day, hours.closes, tzinfo=self.time_zone)
        return opens.astimezone(UTC), closes.astimezone(UTC)

    def _periods_from(self, moment: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Working periods in order, starting with the one on ``moment``'s local date.

        Endless: always stop consuming it. It cannot stall because at least one weekday is
        open and closures and bank holidays are finite.
        """
        day = moment.astimezone(self.time_zone).date()
        if not self.is_working_day(day):
            day = self._next_working_day(day)
        while True:
            yield self._period(day)
            day = self._next_working_day(day)

    # -- instants and durations ---------------------------------------------------------------

    def next_working_instant(self, moment: datetime) -> datetime:
        """``moment`` (in UTC) if it is in working hours, else when the next period opens.

        This is where the clock starts for work received out of hours.
        """
        moment = _as_utc(moment)
        for opens, closes in self._periods_from(moment):
            if moment < closes:
                return max(moment, opens)
        raise AssertionError("unreachable: _periods_from is endless")  # pragma: no cover

    def add_working_minutes(self, moment: datetime, minutes: int) -> datetime:
        """The UTC instant ``minutes`` working minutes after ``moment``'s next working instant.

        May land exactly on a period's close (work due by close that day) rather than rolling
        over to the next opening. Adding 0 gives ``next_working_instant(moment)``.
        """
        remaining = timedelta(minutes=_non_negative_int(minutes, "minutes"))
        moment = _as_utc(moment)
        for opens, closes in self._periods_from(moment):
            if moment >= closes:
                continue
            start = max(moment, opens)
            available = closes - start
            if remaining <= available:
                return start + remaining
            remaining -= available
        raise AssertionError("unreachable: _periods_from is endless")  # pragma: no cover

    def add_working_hours(self, moment: datetime, hours: int) -> datetime:
        """``add_working_minutes`` in whole hours (e.g. the 4-hour Red timescale)."""
        return self.add_working_minutes(moment, 60 * _non_negative_int(hours, "hours"))

    def add_working_days(self, moment: datetime, days: int) -> datetime:
        """The same local wall-clock time ``days`` working days on, as a UTC instant.

        The clock starts at ``next_working_instant(moment)``. If the target day opens later or
        closes earlier than that time, the result is clamped to its opening or closing, so
        Thursday 17:00 + 1 day is Friday 16:45 (a day's work can't end after the office shuts).
        """
        days = _non_negative_int(days, "days")
        start = self.next_working_instant(moment)
        if days == 0:
            return start
        local_start = start.astimezone(self.time_zone)
        day = local_start.date()
        for _ in range(days):
            day = self._next_working_day(day)
        opens, closes = self._period(day)
        target = datetime.combine(day, local_start.time(), tzinfo=self.time_zone)
        return min(max(target.astimezone(UTC), opens), closes)

    def working_time_between(self, start: datetime, end: datetime) -> timedelta:
        """Exact working time in ``[start, end)``; zero if ``end <= start``."""
        start, end = _as_utc(start), _as_utc(end)
        total = timedelta(0)
        if end <= start:
            return total
        for opens, closes in self._periods_from(start):
            if opens >= end:
                break
            overlap = min(closes, end) - max(opens, start)
            if overlap > timedelta(0):
                total += overlap
        return total

    def working_minutes_between(self, start: datetime, end: datetime) -> int:
        """Whole working minutes in ``[start, end)`` (floored); 0 if ``end <= start``."""
        return self.working_time_between(start, end) // timedelta(minutes=1)


def default_calendar(closure_dates: Iterable[date] = ()) -> WorkingCalendar:
    """The MASH calendar of DESIGN.md §3 with the given local closure days."""
    return WorkingCalendar(closure_dates=frozenset(closure_dates))


# -- deadlines (DESIGN.md §3); computed once when the clock starts and stored as due_at ---------


def red_information_request_due(calendar: WorkingCalendar, requested_at: datetime) -> datetime:
    """Red MASH enquiry: partner information is due 4 working hours after the request."""
    return calendar.add_working_hours(requested_at, RED_INFORMATION_REQUEST_WORKING_HOURS)


def decision_due(calendar: WorkingCalendar, received_at: datetime) -> datetime:
    """Decision on the type of response: due 1 working day after the contact was received."""
    return calendar.add_working_days(received_at, DECISION_WORKING_DAYS)


# -- warnings: derived from a stored deadline and the clock, never stored on the record --------

APPROACHING = "approaching"
BREACHED = "breached"


def deadline_warning(
    calendar: WorkingCalendar,
    started_at: datetime,
    due_at: datetime,
    now: datetime,
    threshold_percent: int,
) -> str | None:
    """``BREACHED`` once ``now`` reaches ``due_at``; ``APPROACHING`` once ``threshold_percent``
    of the working time allowed (``started_at`` to ``due_at``) has elapsed; else None.

    Measured in working time, so a Red request made at 16:30 on a Friday is not "nearly due"
    over the weekend: its 4 hours only run while the MASH is open. The comparison is exact
    (integer percent against ``timedelta``s), so 75% means 75%, not 74.99…%.
    """
    threshold = _non_negative_int(threshold_percent, "threshold_percent")
    if not 0 < threshold <= 100:
        raise ValueError(f"threshold_percent must be between 1 and 100: {threshold}")
    if _as_utc(now) >= _as_utc(due_at):
        return BREACHED
    allowed = calendar.working_time_between(started_at, due_at)
    elapsed = calendar.working_time_between(started_at, now)
    if elapsed * 100 >= allowed * threshold:
        return APPROACHING
    return None
