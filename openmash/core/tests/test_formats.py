"""The fast formatters give exactly what the template filters they replace give, in
Europe/London, on both sides of the clock changes; record_url gives what reverse gives."""

from datetime import UTC, date, datetime
from uuid import uuid4

from django.template import Context, Template
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from openmash.core import formats

instants = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2040, 12, 31), timezones=st.just(UTC)
)


def _filter(value, fmt: str) -> str:
    return Template("{{ value|date:fmt }}").render(Context({"value": value, "fmt": fmt}))


@settings(deadline=None)  # a loaded CI machine is slow; the check is exactness
@given(instants)
def test_datetimes_match_the_date_filter(value):
    assert formats.when_short(value) == _filter(value, "j M Y, H:i")
    assert formats.day_month_time(value) == _filter(value, "j M, H:i")
    assert formats.time_hm(value) == _filter(value, "H:i")
    assert formats.day_short(value) == _filter(value, "j M Y")


@settings(deadline=None)
@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 1, 1)))
def test_dates_match_the_date_filter(value):
    assert formats.day_short(value) == _filter(value, "j M Y")


def test_times_are_shown_in_london_time():
    summer = datetime(2026, 7, 1, 8, 30, tzinfo=UTC)  # 09:30 BST
    assert formats.when_short(summer) == "1 Jul 2026, 09:30"
    assert formats.when_short(datetime(2026, 12, 1, 8, 30, tzinfo=UTC)) == "1 Dec 2026, 08:30"


def test_none_is_empty():
    assert [formats.when_short(None), formats.day_short(None), formats.time_hm(None)] == [
        "",
        "",
        "",
    ]


def test_record_url_is_reverse():
    pk = uuid4()
    assert formats.record_url("contacts:detail")(pk) == reverse("contacts:detail", args=[pk])
    decide = formats.record_url("decisions:decide", "contact_id")
    assert decide(pk) == reverse("decisions:decide", kwargs={"contact_id": pk})
