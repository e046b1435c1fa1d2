"""Date filters for every template (a builtin, no ``{% load %}``): the same text as the
``|date`` formats named below, from ``openmash.core.formats``, at a fraction of the cost. A
case record shows dozens of dates (each response, the timeline); ``|date`` parses its format
string and looks up the locale on every call.

``|when_long`` "l j F Y, H:i" · ``|when`` "j F Y, H:i" · ``|when_short`` "j M Y, H:i" ·
``|day_long`` "j F Y" · ``|day_short`` "j M Y" · ``|iso`` "c". ``None`` gives "", and any
other kind of value is handed to ``|date`` itself, so a filter never fails where it would not.

And ``|route`` for links to one record (``{{ pk|route:"people:person_detail" }}``), and
``{% path_to "mfa_index" %}`` for routes without arguments: both reversed once per process.
"""

import functools
from datetime import date, datetime

from django import template
from django.template.defaultfilters import date as date_filter
from django.urls import reverse

from openmash.core import formats

register = template.Library()

_FILTERS = {
    "when_long": ("l j F Y, H:i", datetime),
    "when": ("j F Y, H:i", datetime),
    "when_short": ("j M Y, H:i", datetime),
    "day_long": ("j F Y", date),
    "day_short": ("j M Y", date),
    "iso": ("c", datetime),
}


def _make(name: str, fmt: str, kind: type):
    fast = getattr(formats, name)

    def date_text(value):
        if value is None:
            return ""
        if isinstance(value, kind):
            return fast(value)
        return date_filter(value, fmt)

    date_text.__name__ = name
    date_text.__doc__ = f'``|date:"{fmt}"``, fast.'
    return date_text


for _name, (_fmt, _kind) in _FILTERS.items():
    register.filter(_name, _make(_name, _fmt, _kind), is_safe=True)


@functools.cache
def _route(name: str):
    return formats.record_url(name)


@register.filter(is_safe=True)
def route(value, name: str) -> str:
    """``{{ pk|route:"people:person_detail" }}``: the path of route ``name`` for the one id
    ``value``, as ``{% url "people:person_detail" pk %}`` gives it — but the route is reversed
    once per process (``formats.record_url``), not on every use: a case page prints dozens of
    links, and each ``{% url %}`` costs a full reverse."""
    return _route(name)(value)


@functools.cache
def _path(name: str) -> str:
    return reverse(name)


@register.simple_tag
def path_to(name: str) -> str:
    """``{% path_to "mfa_index" %}``: what ``{% url "mfa_index" %}`` gives, reversed once per
    process (every page's header prints several; each ``{% url %}`` is a full reverse)."""
    return _path(name)
