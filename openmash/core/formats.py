"""Dates, times and links for list pages, formatted in Python.

A work queue shows 25 rows with three or four dates each. Django's ``|date`` filter and
``{% url %}`` cost tens of microseconds per call (format-string parsing, locale lookups, URL
resolver), which made template rendering most of a queue page's time. These helpers give the
same text as the filters named in their docstrings, in Europe/London (the active time zone),
at a fraction of the cost; ``tests/test_formats.py`` checks them against the filters.
"""

import functools
import html
import string
from collections.abc import Callable, Mapping
from datetime import date, datetime
from uuid import UUID

from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_MONTHS_LONG = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@functools.cache
def _zone():
    """The service's time zone (``TIME_ZONE``, Europe/London). Read once: the service never
    activates another zone (every MASH works in UK time), and asking for the active zone went
    through a context-local lookup that cost a busy contact's page 2 ms. A test keeps this
    equal to the active zone of a request."""
    return timezone.get_default_timezone()


def _local(value: datetime) -> datetime:
    """``value`` in the service's time zone (``timezone.localtime`` without its checks: half
    the cost, and the formatters below convert each value once)."""
    if value.tzinfo is None or value.utcoffset() is None:
        return value
    return value.astimezone(_zone())


def day_short(value: date | datetime | None) -> str:
    """``{{ value|date:"j M Y" }}``: "5 Mar 2026" (empty for None)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = _local(value)
    return f"{value.day} {_MONTHS[value.month - 1]} {value.year}"


def when_short(value: datetime | None) -> str:
    """``{{ value|date:"j M Y, H:i" }}``: "5 Mar 2026, 09:15" (empty for None)."""
    if value is None:
        return ""
    value = _local(value)
    return (
        f"{value.day} {_MONTHS[value.month - 1]} {value.year}, {value.hour:02d}:{value.minute:02d}"
    )


def day_long(value: date | datetime | None) -> str:
    """``{{ value|date:"j F Y" }}``: "5 March 2026" (empty for None)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = _local(value)
    return f"{value.day} {_MONTHS_LONG[value.month - 1]} {value.year}"


def _when(value: datetime) -> str:
    """ "5 March 2026, 09:15" of a local time."""
    return (
        f"{value.day} {_MONTHS_LONG[value.month - 1]} {value.year}, "
        f"{value.hour:02d}:{value.minute:02d}"
    )


def when(value: datetime | None) -> str:
    """``{{ value|date:"j F Y, H:i" }}``: "5 March 2026, 09:15" (empty for None)."""
    if value is None:
        return ""
    return _when(_local(value))


def when_long(value: datetime | None) -> str:
    """``{{ value|date:"l j F Y, H:i" }}``: "Thursday 5 March 2026, 09:15" (empty for None)."""
    if value is None:
        return ""
    value = _local(value)
    return f"{_WEEKDAYS[value.weekday()]} {_when(value)}"


def iso(value: datetime | None) -> str:
    """``{{ value|date:"c" }}``: ISO 8601 in local time, for ``<time datetime>``."""
    if value is None:
        return ""
    return _local(value).isoformat()


def day_month_time(value: datetime | None) -> str:
    """``{{ value|date:"j M, H:i" }}``: "5 Mar, 09:15" (empty for None)."""
    if value is None:
        return ""
    value = _local(value)
    return f"{value.day} {_MONTHS[value.month - 1]}, {value.hour:02d}:{value.minute:02d}"


def time_hm(value: datetime | None) -> str:
    """``{{ value|date:"H:i" }}``: "09:15" (empty for None)."""
    if value is None:
        return ""
    value = _local(value)
    return f"{value.hour:02d}:{value.minute:02d}"


_PLACEHOLDER = UUID(int=0)


def record_url(name: str, kwarg: str | None = None) -> Callable[[object], str]:
    """A function ``pk -> URL`` for a route taking one UUID: the same as
    ``reverse(name, args=[pk])`` (or ``kwargs={kwarg: pk}``), reversed once on first use (not
    at import: views are imported while the URLconf is being built)."""
    parts: list[str] = []

    def url(pk) -> str:
        if not parts:
            found = (
                reverse(name, kwargs={kwarg: _PLACEHOLDER})
                if kwarg
                else reverse(name, args=[_PLACEHOLDER])
            )
            before, _, after = found.partition(str(_PLACEHOLDER))
            parts[:] = [before, after]
        return f"{parts[0]}{pk}{parts[1]}"

    return url


def html_format(pattern: str, **values) -> SafeString:
    """``format_html(pattern, **values)`` for the rows a page repeats: each value escaped
    unless already safe, the same HTML, at a third of the cost (``format_html`` goes through
    ``conditional_escape`` and the lazy-string checks of ``escape`` for every value)."""
    return SafeString(
        pattern.format(
            **{
                name: value.__html__() if hasattr(value, "__html__") else html.escape(str(value))
                for name, value in values.items()
            }
        )
    )


@functools.cache
def _field_names(pattern: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(name for _, name, _, _ in string.Formatter().parse(pattern) if name))


def html_fill(pattern: str, values: Mapping) -> SafeString:
    """``html_format(pattern, **values)`` with only the names ``pattern`` uses taken from
    ``values`` (a queue row also carries its record and markers, which need no escaping)."""
    return html_format(pattern, **{name: values[name] for name in _field_names(pattern)})


def text_with_breaks(value: str, default: str = "") -> SafeString:
    """``{{ value|default:default|linebreaksbr }}`` (the same text: escaped, every kind of
    line break turned into ``<br>``), without the filter machinery's per-call cost."""
    escaped = html.escape(value or default)
    return SafeString(escaped.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "<br>"))


def staff_name(user) -> str:
    """How a member of staff is named on a page: ``{{ user.get_full_name|default:user.username }}``;
    empty for nobody."""
    if user is None:
        return ""
    return user.get_full_name() or user.username
