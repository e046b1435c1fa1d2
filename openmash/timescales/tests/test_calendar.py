"""Tests for the pure working-time calendar: property tests against an independent oracle, and
table tests on dates a practitioner can check by hand."""

from datetime import UTC, date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openmash.timescales.calendar import (
    APPROACHING,
    BREACHED,
    LONDON,
    WorkingCalendar,
    WorkingHours,
    deadline_warning,
    decision_due,
    default_calendar,
    england_and_wales_bank_holidays,
    red_information_request_due,
)

CALENDAR = default_calendar()

# Independent of the module under test: the hours from DESIGN.md §3 and the `holidays` package.
EXPECTED_HOURS = {
    0: (time(9), time(17, 15)),
    1: (time(9), time(17, 15)),
    2: (time(9), time(17, 15)),
    3: (time(9), time(17, 15)),
    4: (time(9), time(16, 45)),
}
BANK_HOLIDAYS = holidays.country_holidays("GB", subdiv="ENG")
QUARTER_HOUR = timedelta(minutes=15)
TWENTY_WORKING_DAYS_IN_MINUTES = 20 * 8 * 60

INPUT_ZONES = st.sampled_from(
    [UTC, LONDON, ZoneInfo("America/New_York"), timezone(timedelta(hours=5, minutes=30))]
)


def _around_clock_change(year_month):
    year, month = year_month
    return st.datetimes(
        min_value=datetime(year, month, 20),
        max_value=datetime(year, month + 1, 3),
        timezones=INPUT_ZONES,
    )


# 2024–2030, half the examples in the last third of March or October (the BST/GMT changes).
aware_datetimes = st.one_of(
    st.datetimes(
        min_value=datetime(2024, 1, 1), max_value=datetime(2030, 12, 31), timezones=INPUT_ZONES
    ),
    st.tuples(st.integers(2024, 2030), st.sampled_from([3, 10])).flatmap(_around_clock_change),
)
working_minutes = st.integers(0, TWENTY_WORKING_DAYS_IN_MINUTES)
positive_working_minutes = st.integers(1, TWENTY_WORKING_DAYS_IN_MINUTES)

fast = settings(max_examples=200, deadline=None)


def london(year, month, day, hour, minute=0, fold=0):
    return datetime(year, month, day, hour, minute, tzinfo=LONDON, fold=fold)


def is_expected_working_day(day, closure_dates=frozenset()):
    return day.weekday() in EXPECTED_HOURS and day not in BANK_HOLIDAYS and day not in closure_dates


def oracle_working_minutes(start, end, closure_dates=frozenset()):
    """Count, quarter-hour by quarter-hour, the working time in [start, end).

    Valid for start and end on the quarter-hour: every opening and closing time, and every
    BST/GMT change, falls on that grid, so a quarter-hour is all in or all out of hours.
    """
    total, moment = 0, start
    while moment < end:
        local = moment.astimezone(LONDON)
        if is_expected_working_day(local.date(), closure_dates):
            opens, closes = EXPECTED_HOURS[local.weekday()]
            if opens <= local.time() < closes:
                total += 15
        moment += QUARTER_HOUR
    return total


def floor_to_quarter_hour(moment):
    moment = moment.astimezone(UTC)
    return moment.replace(minute=moment.minute - moment.minute % 15, second=0, microsecond=0)


# -- properties -----------------------------------------------------------------------------------


@fast
@given(aware_datetimes, working_minutes)
def test_adding_minutes_then_measuring_returns_the_same_minutes(moment, minutes):
    start = CALENDAR.next_working_instant(moment)
    end = CALENDAR.add_working_minutes(start, minutes)

    assert CALENDAR.working_minutes_between(start, end) == minutes
    assert CALENDAR.working_time_between(start, end) == timedelta(minutes=minutes)


@fast
@given(aware_datetimes, positive_working_minutes)
def test_result_is_within_working_hours_or_exactly_at_close(moment, minutes):
    result = CALENDAR.add_working_minutes(moment, minutes)

    local = result.astimezone(LONDON)
    assert result.tzinfo is UTC
    assert is_expected_working_day(local.date())
    opens, closes = EXPECTED_HOURS[local.weekday()]
    assert opens < local.time() <= closes


@fast
@given(aware_datetimes)
def test_next_working_instant_is_the_moment_itself_or_an_opening(moment):
    result = CALENDAR.next_working_instant(moment)

    local = result.astimezone(LONDON)
    assert result >= moment
    assert is_expected_working_day(local.date())
    opens, closes = EXPECTED_HOURS[local.weekday()]
    assert opens <= local.time() < closes
    assert result == moment or local.time() == opens
    assert CALENDAR.working_time_between(moment, result) == timedelta(0)


@fast
@given(aware_datetimes, working_minutes, working_minutes)
def test_adding_is_monotonic_in_the_minutes(moment, first, second):
    fewer, more = sorted((first, second))

    earlier = CALENDAR.add_working_minutes(moment, fewer)
    later = CALENDAR.add_working_minutes(moment, more)

    assert earlier <= later
    assert (earlier == later) == (fewer == more)


@fast
@given(st.data(), aware_datetimes, positive_working_minutes)
def test_weekends_bank_holidays_and_closure_days_are_skipped(data, moment, minutes):
    first_day = moment.astimezone(LONDON).date()
    closure_dates = frozenset(
        first_day + timedelta(days=offset)
        for offset in data.draw(st.sets(st.integers(0, 40), max_size=15), label="closure offsets")
    )
    calendar = default_calendar(closure_dates)

    start = floor_to_quarter_hour(moment)
    end = start + QUARTER_HOUR * data.draw(st.integers(0, 14 * 96), label="quarter-hours")
    result = calendar.add_working_minutes(start, minutes)

    assert is_expected_working_day(result.astimezone(LONDON).date(), closure_dates)
    assert calendar.working_minutes_between(start, end) == oracle_working_minutes(
        start, end, closure_dates
    )


@fast
@given(aware_datetimes, st.integers(0, 30))
def test_adding_days_keeps_the_local_wall_clock_time_clamped_to_the_day(moment, days):
    start = CALENDAR.next_working_instant(moment)
    result = CALENDAR.add_working_days(moment, days)

    start_local, result_local = start.astimezone(LONDON), result.astimezone(LONDON)
    working_days_crossed = sum(
        is_expected_working_day(start_local.date() + timedelta(days=offset))
        for offset in range(1, (result_local.date() - start_local.date()).days + 1)
    )
    opens, closes = EXPECTED_HOURS[result_local.weekday()]
    assert result.tzinfo is UTC
    assert is_expected_working_day(result_local.date())
    assert working_days_crossed == days
    assert result_local.time() == min(max(start_local.time(), opens), closes)


@fast
@given(aware_datetimes, aware_datetimes)
def test_no_working_time_when_end_is_not_after_start(first, second):
    start, end = max(first, second), min(first, second)

    assert CALENDAR.working_minutes_between(start, end) == 0


# -- known dates ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("requested_at", "due_at"),
    [
        pytest.param(london(2026, 3, 9, 10), london(2026, 3, 9, 14), id="same-day"),
        pytest.param(
            # 15 minutes on Friday, bank holiday Monday 31 August, 3h45 on Tuesday.
            london(2026, 8, 28, 16, 30),
            london(2026, 9, 1, 12, 45),
            id="friday-before-august-bank-holiday",
        ),
        pytest.param(
            # 1h15 on Christmas Eve, then Christmas, Boxing Day and the weekend are skipped.
            london(2025, 12, 24, 16),
            london(2025, 12, 29, 11, 45),
            id="christmas-and-boxing-day",
        ),
        pytest.param(london(2026, 3, 14, 10), london(2026, 3, 16, 13), id="received-saturday"),
        pytest.param(
            # 45 minutes on Friday (BST), 3h15 on Monday (GMT): 1 hour more in elapsed time.
            london(2024, 10, 25, 16),
            london(2024, 10, 28, 12, 15),
            id="across-autumn-clock-change",
        ),
        pytest.param(
            # 01:30 happens twice on Sunday 27 October 2024; fold=1 is the second (GMT) one.
            london(2024, 10, 27, 1, 30, fold=1),
            london(2024, 10, 28, 13),
            id="received-during-autumn-clock-change",
        ),
        pytest.param(
            # 1h15 on Thursday (GMT); Good Friday, the clock change and Easter Monday skipped.
            london(2024, 3, 28, 16),
            london(2024, 4, 2, 11, 45),
            id="across-easter-and-spring-clock-change",
        ),
        pytest.param(
            # 05:00 EDT is 09:00 GMT: US clocks changed on 8 March 2026, UK ones not yet.
            datetime(2026, 3, 9, 5, tzinfo=ZoneInfo("America/New_York")),
            london(2026, 3, 9, 13),
            id="input-in-another-time-zone",
        ),
    ],
)
def test_red_information_request_due(requested_at, due_at):
    result = red_information_request_due(CALENDAR, requested_at)

    assert result == due_at
    assert result.tzinfo is UTC


@pytest.mark.parametrize(
    ("received_at", "due_at"),
    [
        pytest.param(london(2026, 3, 9, 12), london(2026, 3, 10, 12), id="monday-to-tuesday"),
        pytest.param(
            london(2026, 3, 5, 17),
            london(2026, 3, 6, 16, 45),
            id="thursday-1700-clamped-to-friday-close",
        ),
        pytest.param(london(2026, 3, 14, 10), london(2026, 3, 17, 9), id="received-saturday"),
        pytest.param(london(2026, 3, 13, 20), london(2026, 3, 17, 9), id="received-friday-evening"),
        pytest.param(
            # Christmas Day is a Friday and Boxing Day a Saturday, so Monday 28th is a holiday.
            london(2026, 12, 24, 11),
            london(2026, 12, 29, 11),
            id="christmas-with-boxing-day-substitute",
        ),
        pytest.param(
            london(2024, 10, 25, 10),
            london(2024, 10, 28, 10),
            id="wall-clock-kept-across-clock-change",
        ),
    ],
)
def test_decision_due(received_at, due_at):
    result = decision_due(CALENDAR, received_at)

    assert result == due_at
    assert result.tzinfo is UTC


def test_local_closure_day_is_skipped():
    calendar = default_calendar(closure_dates=[date(2026, 3, 2)])

    assert red_information_request_due(calendar, london(2026, 2, 27, 16)) == london(
        2026, 3, 3, 12, 15
    )
    assert decision_due(calendar, london(2026, 2, 27, 10)) == london(2026, 3, 3, 10)
    assert calendar.working_minutes_between(london(2026, 3, 2, 0), london(2026, 3, 3, 0)) == 0


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        pytest.param(london(2026, 3, 9, 9), london(2026, 3, 9, 9), id="at-opening"),
        pytest.param(london(2026, 3, 9, 12, 34), london(2026, 3, 9, 12, 34), id="inside-hours"),
        pytest.param(london(2026, 3, 9, 8, 59), london(2026, 3, 9, 9), id="before-opening"),
        pytest.param(london(2026, 3, 9, 17, 15), london(2026, 3, 10, 9), id="at-close"),
        pytest.param(london(2026, 3, 13, 16, 45), london(2026, 3, 16, 9), id="friday-close"),
    ],
)
def test_next_working_instant(moment, expected):
    assert CALENDAR.next_working_instant(moment) == expected


def test_work_may_end_exactly_at_close():
    assert CALENDAR.add_working_minutes(london(2026, 3, 13, 16, 30), 15) == london(
        2026, 3, 13, 16, 45
    )
    assert CALENDAR.add_working_minutes(london(2026, 3, 13, 16, 30), 16) == london(
        2026, 3, 16, 9, 1
    )


def test_sub_minute_precision_is_kept_and_minutes_are_floored():
    start = london(2026, 3, 9, 10).replace(second=30, microsecond=123456)

    end = CALENDAR.add_working_minutes(start, 90)

    assert end == london(2026, 3, 9, 11, 30).replace(second=30, microsecond=123456)
    assert CALENDAR.working_minutes_between(start, end - timedelta(microseconds=1)) == 89


def test_working_time_is_elapsed_time_across_a_clock_change():
    """A period spanning the change is measured in real time, not wall-clock difference."""
    always_sunday_night = WorkingCalendar(
        weekly_hours=(None,) * 6 + (WorkingHours(time(0), time(6)),),
        bank_holidays=lambda year: frozenset(),
    )

    spring = always_sunday_night.working_minutes_between(
        london(2024, 3, 30, 12), london(2024, 4, 1, 0)
    )
    autumn = always_sunday_night.working_minutes_between(
        london(2024, 10, 26, 12), london(2024, 10, 28, 0)
    )

    assert (spring, autumn) == (5 * 60, 7 * 60)


def test_england_and_wales_bank_holidays_include_substitute_and_one_off_days():
    assert {date(2026, 8, 31), date(2026, 12, 28)} <= england_and_wales_bank_holidays(2026)
    assert date(2022, 9, 19) in england_and_wales_bank_holidays(2022)  # State funeral.
    assert date(2026, 3, 17) not in england_and_wales_bank_holidays(2026)  # St Patrick's: NI only.
    assert england_and_wales_bank_holidays(2026) is england_and_wales_bank_holidays(2026)


@pytest.mark.parametrize(
    "call",
    [
        lambda naive: CALENDAR.next_working_instant(naive),
        lambda naive: CALENDAR.add_working_minutes(naive, 1),
        lambda naive: CALENDAR.add_working_hours(naive, 1),
        lambda naive: CALENDAR.add_working_days(naive, 1),
        lambda naive: CALENDAR.working_minutes_between(naive, naive),
    ],
)
def test_naive_datetimes_are_refused(call):
    with pytest.raises(ValueError, match="Naive datetime"):
        call(datetime(2026, 3, 9, 10))


def test_counts_must_be_non_negative_integers():
    moment = london(2026, 3, 9, 10)

    with pytest.raises(TypeError):
        CALENDAR.add_working_minutes(moment, 1.5)
    with pytest.raises(ValueError, match="must not be negative"):
        CALENDAR.add_working_days(moment, -1)


def test_calendar_configuration_is_validated():
    with pytest.raises(ValueError, match="open before they close"):
        WorkingHours(time(17), time(9))
    with pytest.raises(ValueError, match="no working weekday"):
        WorkingCalendar(weekly_hours=(None,) * 7)
    with pytest.raises(ValueError, match="one entry per weekday"):
        WorkingCalendar(weekly_hours=(None,) * 5)


def test_calendar_is_immutable_and_hashable():
    calendar = default_calendar([date(2026, 3, 2)])

    assert calendar == default_calendar({date(2026, 3, 2)})
    assert hash(calendar) == hash(default_calendar({date(2026, 3, 2)}))
    with pytest.raises(AttributeError):
        calendar.closure_dates = frozenset()


# -- deadline warnings ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        # Red request Monday 10:00, due 14:00: 4 working hours, so 75% is at 13:00.
        pytest.param(london(2026, 3, 9, 12, 57).replace(second=36), None, id="74-percent"),
        pytest.param(london(2026, 3, 9, 13), APPROACHING, id="exactly-75-percent"),
        pytest.param(london(2026, 3, 9, 13, 2).replace(second=24), APPROACHING, id="76-percent"),
        pytest.param(london(2026, 3, 9, 14), BREACHED, id="at-the-deadline"),
        pytest.param(london(2026, 3, 20, 9), BREACHED, id="long-past"),
        pytest.param(london(2026, 3, 9, 8), None, id="before-the-clock-started"),
    ],
)
def test_deadline_warning_thresholds(now, expected):
    started = london(2026, 3, 9, 10)
    due = red_information_request_due(CALENDAR, started)

    assert deadline_warning(CALENDAR, started, due, now, 75) == expected


def test_deadline_warning_counts_only_working_time():
    """A Red request at 16:30 on the Friday before the August bank holiday is due Tuesday
    12:45; the long weekend does not use up its 4 hours, so on Monday it is not nearly due."""
    started = london(2026, 8, 28, 16, 30)
    due = red_information_request_due(CALENDAR, started)

    assert deadline_warning(CALENDAR, started, due, london(2026, 8, 31, 12), 75) is None
    # 15 minutes on Friday + 2h45 on Tuesday = 3 of the 4 hours: 75% at 11:45.
    assert deadline_warning(CALENDAR, started, due, london(2026, 9, 1, 11, 44), 75) is None
    assert deadline_warning(CALENDAR, started, due, london(2026, 9, 1, 11, 45), 75) == APPROACHING


def test_deadline_warning_threshold_is_validated():
    moment = london(2026, 3, 9, 10)
    with pytest.raises(ValueError, match="between 1 and 100"):
        deadline_warning(CALENDAR, moment, moment, moment, 0)
    with pytest.raises(ValueError, match="between 1 and 100"):
        deadline_warning(CALENDAR, moment, moment, moment, 101)


_LEVELS = {None: 0, APPROACHING: 1, BREACHED: 2}


@fast
@given(aware_datetimes, positive_working_minutes, aware_datetimes, aware_datetimes)
def test_deadline_warning_only_escalates_as_time_passes(started, minutes, first, second):
    due = CALENDAR.add_working_minutes(started, minutes)
    earlier, later = sorted((first, second))

    levels = [
        _LEVELS[deadline_warning(CALENDAR, started, due, now, 75)] for now in (earlier, later)
    ]

    assert levels[0] <= levels[1]
    assert (levels[1] == 2) == (later >= due)
