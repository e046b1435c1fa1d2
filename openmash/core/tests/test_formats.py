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
    assert formats.when(value) == _filter(value, "j F Y, H:i")
    assert formats.when_long(value) == _filter(value, "l j F Y, H:i")
    assert formats.day_long(value) == _filter(value, "j F Y")
    assert formats.iso(value) == _filter(value, "c")


@settings(deadline=None)
@given(instants)
def test_the_builtin_filters_are_the_formatters(value):
    rendered = Template(
        "{{ v|when_long }}|{{ v|when }}|{{ v|when_short }}|{{ v|day_long }}|{{ v|day_short }}|"
        "{{ v|iso }}"
    ).render(Context({"v": value}))
    assert rendered == "|".join(
        _filter(value, f)
        for f in ("l j F Y, H:i", "j F Y, H:i", "j M Y, H:i", "j F Y", "j M Y", "c")
    )


@settings(deadline=None)
@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 1, 1)))
def test_dates_match_the_date_filter(value):
    assert formats.day_short(value) == _filter(value, "j M Y")
    assert formats.day_long(value) == _filter(value, "j F Y")


def test_times_are_shown_in_london_time():
    summer = datetime(2026, 7, 1, 8, 30, tzinfo=UTC)  # 09:30 BST
    assert formats.when_short(summer) == "1 Jul 2026, 09:30"
    assert formats.when_short(datetime(2026, 12, 1, 8, 30, tzinfo=UTC)) == "1 Dec 2026, 08:30"


def test_none_is_empty():
    for formatter in (formats.when_short, formats.day_short, formats.time_hm, formats.when_long):
        assert formatter(None) == ""
    assert Template("{{ v|when_long }}{{ v|iso }}").render(Context({"v": None})) == ""


def test_record_url_is_reverse():
    pk = uuid4()
    assert formats.record_url("contacts:detail")(pk) == reverse("contacts:detail", args=[pk])
    decide = formats.record_url("decisions:decide", "contact_id")
    assert decide(pk) == reverse("decisions:decide", kwargs={"contact_id": pk})


def test_the_filters_hand_anything_else_to_the_date_filter():
    """A date-time filter given a date or a string renders as ``|date`` renders it."""
    day = date(2026, 3, 5)
    rendered = Template("{{ d|day_long }}|{{ s|when }}|{{ s|iso }}").render(
        Context({"d": day, "s": "not a date"})
    )
    assert rendered == "|".join(
        ("5 March 2026", _filter("not a date", "j F Y, H:i"), _filter("not a date", "c"))
    )


def test_the_route_filter_gives_what_the_url_tag_gives():
    pk = uuid4()
    for name, kwarg in (
        ("people:person_detail", None),
        ("people:contact_person_link", None),
        ("decisions:summary_pdf", "contact_id"),
        ("governance:consent_detail", "contact_id"),
        ("governance:override_detail", None),
        ("contacts:complete", None),
    ):
        url_tag = f"{{% url '{name}' {kwarg}=pk %}}" if kwarg else f"{{% url '{name}' pk %}}"
        expected = Template(url_tag).render(Context({"pk": pk}))
        assert Template(f'{{{{ pk|route:"{name}" }}}}').render(Context({"pk": pk})) == expected
        assert expected.endswith("/") or expected.endswith(".pdf")


@settings(deadline=None)
@given(st.text(), st.text())
def test_html_format_escapes_as_format_html_does(plain, trusted):
    from django.utils.html import format_html
    from django.utils.safestring import mark_safe

    pattern = '<p class="x">{a}</p><span title="{b}">{c}</span>'
    values = {"a": plain, "b": 42, "c": mark_safe(trusted)}  # noqa: S308 (the case under test)
    assert formats.html_format(pattern, **values) == format_html(pattern, **values)
    assert "__html__" in dir(formats.html_format(pattern, **values))  # safe to print


def test_html_fill_takes_only_the_names_the_pattern_uses():
    row = {"href": "/x?a=1&b=2", "label": "<i>", "obj": object(), "unused": None}
    filled = formats.html_fill('<a href="{href}">{label}</a>{label}', row)
    assert filled == '<a href="/x?a=1&amp;b=2">&lt;i&gt;</a>&lt;i&gt;'


def test_the_formatters_zone_is_the_zone_a_request_is_shown_in(client):
    """``formats`` reads the service's zone once (``_zone``); nothing may activate another
    (e.g. per-user zones) without making the formatters read the active one again."""
    from django.utils import timezone

    response = client.get("/")
    assert response.status_code in (200, 302)
    assert timezone.get_current_timezone() == formats._zone()
    assert str(formats._zone()) == "Europe/London"


def test_path_to_gives_what_the_url_tag_gives():
    for name in ("mfa_index", "account_logout", "notifications:list", "contacts:to_screen"):
        expected = Template(f"{{% url '{name}' %}}").render(Context())
        assert Template(f'{{% path_to "{name}" %}}').render(Context()) == expected
        assert expected.startswith("/")
