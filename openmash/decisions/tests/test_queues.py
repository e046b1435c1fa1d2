"""The "awaiting decision" and "decided today" queues: contents, order, filters, paging and a
constant number of queries."""

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from openmash.contacts.models import ContactStatus
from openmash.decisions.codes import Outcome
from openmash.decisions.models import FeedbackStatus
from openmash.decisions.selectors import (
    decided_today_count,
    decided_today_queue,
    london_day_bounds,
)

from .factories import AnalysisFactory, ContactFactory, ContactPersonFactory, DecisionFactory

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")


def _analysed(sw, **fields):
    contact = ContactFactory(status=ContactStatus.ANALYSED, **fields)
    ContactPersonFactory(contact=contact)
    AnalysisFactory(contact=contact, analysed_by=sw)
    return contact


def _decided(pm, team=None, decided_at=None, **fields):
    decided_at = decided_at or timezone.now()
    contact = ContactFactory(status=ContactStatus.DECIDED, decided_at=decided_at, **fields)
    ContactPersonFactory(contact=contact)
    DecisionFactory(
        contact=contact,
        decided_by=pm,
        decided_at=decided_at,
        outcome=Outcome.ASSESSMENT_S17 if team else Outcome.NFA,
        receiving_team=team,
        feedback_status=FeedbackStatus.SENT,
        feedback_sent_at=decided_at,
    )
    return contact


def _references(client, url_name, **params):
    """The contact references of a queue page, in the order shown."""
    content = client.get(reverse(url_name), params).content.decode()
    return re.findall(r"(C26-9\d{5})", content)


def test_awaiting_lists_analysed_contacts_immediate_risk_then_due(staff, signed_in):
    now = timezone.now()
    later = _analysed(staff["sw"], decision_due_at=now + timedelta(hours=5))
    sooner = _analysed(staff["sw"], decision_due_at=now + timedelta(hours=1))
    at_risk = _analysed(staff["sw"], decision_due_at=now + timedelta(hours=9), immediate_risk=True)
    not_yet = ContactFactory(status=ContactStatus.ENQUIRY)
    refs = _references(signed_in(staff["pm"]), "decisions:awaiting")
    assert _unique(refs) == [at_risk.reference, sooner.reference, later.reference]
    assert not_yet.reference not in refs


def test_awaiting_row_shows_the_recommendation_and_who_analysed(staff, signed_in):
    sw = staff["sw"]
    _analysed(sw)
    row = signed_in(staff["pm"]).get(reverse("decisions:awaiting")).context["queue"].rows[0]
    assert row.recommendation == (
        f'{Outcome.STRATEGY_S47.label}<br><span class="govuk-body-s">{sw.get_full_name()}</span>'
    )


def test_today_row_shows_the_decision(staff, teams, signed_in):
    pm = staff["pm"]
    decided_at = timezone.now().replace(second=0, microsecond=0)
    handed_over = _decided(pm, team=teams["ASSESSMENT"], decided_at=decided_at)
    no_team = _decided(pm, decided_at=decided_at)
    rows = signed_in(pm).get(reverse("decisions:today")).context["queue"].rows
    row = {r.reference: r for r in rows}
    local = timezone.localtime(decided_at).strftime("%H:%M")
    assert row[handed_over.reference].outcome == Outcome.ASSESSMENT_S17.label
    assert row[handed_over.reference].team == (
        f'<br><span class="govuk-body-s">to {teams["ASSESSMENT"].name}</span>'
    )
    summary = reverse("decisions:summary", kwargs={"contact_id": handed_over.pk})
    assert f'href="{summary}">Handover summary' in row[handed_over.reference].summary
    assert row[handed_over.reference].decided == f"{local}, {pm.get_full_name()}"
    assert row[handed_over.reference].told == f"Emailed {local}"
    assert (row[no_team.reference].team, row[no_team.reference].summary) == ("", "")
    assert row[no_team.reference].outcome == Outcome.NFA.label


def _unique(refs):
    return list(dict.fromkeys(refs))


def test_awaiting_sorts_and_filters(staff, signed_in):
    now = timezone.now()
    green = _analysed(staff["sw"], rag="green", received_at=now - timedelta(hours=9))
    red = _analysed(staff["sw"], rag="red", received_at=now - timedelta(hours=1))
    overdue = _analysed(
        staff["sw"],
        rag="amber",
        received_at=now - timedelta(hours=5),
        decision_due_at=now - timedelta(minutes=5),
    )
    client = signed_in(staff["pm"])

    def refs(**params):
        return _unique(_references(client, "decisions:awaiting", **params))

    assert refs(sort="rag") == [red.reference, overdue.reference, green.reference]
    assert refs(sort="received") == [green.reference, overdue.reference, red.reference]
    assert refs(rag="red") == [red.reference]
    assert refs(due="overdue") == [overdue.reference]
    assert refs(sort="drop table", rag="purple") == refs()  # unknown values are ignored
    content = client.get(reverse("decisions:awaiting"), {"due": "overdue"}).content.decode()
    assert "Overdue" in content and "openmash-tag--amber" in content


def test_decided_today_uses_the_london_day(staff):
    # 00:30 BST on 1 July is 23:30 UTC on 30 June: today in London, yesterday in UTC.
    with time_machine.travel(datetime(2026, 7, 1, 12, 0, tzinfo=LONDON), tick=False):
        early = _decided(staff["pm"], decided_at=datetime(2026, 7, 1, 0, 30, tzinfo=LONDON))
        late_yesterday = _decided(
            staff["pm"], decided_at=datetime(2026, 6, 30, 23, 50, tzinfo=LONDON)
        )
        start, end = london_day_bounds()
        assert start == datetime(2026, 7, 1, tzinfo=LONDON)
        assert end - start == timedelta(hours=24)
        rows = list(decided_today_queue(staff["pm"]))
        assert decided_today_count(staff["pm"]) == 1  # the page's total, counted apart
    assert rows == [early]
    assert late_yesterday not in rows


def test_london_day_across_the_clocks_going_back():
    start, end = london_day_bounds(datetime(2026, 10, 25, 12, 0, tzinfo=LONDON))
    # Python subtracts same-zone datetimes on the wall clock; the database compares instants.
    assert end.astimezone(UTC) - start.astimezone(UTC) == timedelta(hours=25)


def test_decided_today_marks_and_filters_late_decisions(staff, signed_in):
    now = timezone.now()
    on_time = _decided(staff["pm"], decision_due_at=now + timedelta(hours=1))
    late = _decided(staff["pm"], decision_due_at=now - timedelta(hours=1))
    client = signed_in(staff["pm"])
    assert _unique(_references(client, "decisions:today", timeliness="late")) == [late.reference]
    assert _unique(_references(client, "decisions:today", timeliness="in_time")) == [
        on_time.reference
    ]
    content = client.get(reverse("decisions:today")).content.decode()
    assert content.count("Decided late</strong>") == 1
    assert "Overdue" not in content  # a decided contact's clock has stopped


def test_queue_pages_show_tags_and_paginate(staff, signed_in):
    now = timezone.now()
    for _ in range(26):
        _analysed(staff["sw"], rag="red", immediate_risk=True, decision_due_at=now - timedelta(1))
    client = signed_in(staff["pm"])
    first = client.get(reverse("decisions:awaiting")).content.decode()
    assert "Showing 1 to 25 of 26" in first
    assert "Immediate risk" in first and "Overdue" in first and "openmash-tag--red" in first
    assert 'class="govuk-pagination"' in first
    assert "page=2" in first
    second = client.get(reverse("decisions:awaiting"), {"page": 2, "rag": "red"})
    assert "Showing 26 to 26 of 26" in second.content.decode()
    assert "rag=red" in second.content.decode()  # paging keeps the filter


def test_queue_permissions(staff, signed_in):
    assert signed_in(staff["sw"]).get(reverse("decisions:awaiting")).status_code == 403
    assert signed_in(staff["sw"]).get(reverse("decisions:today")).status_code == 200
    for who in ("police", "dpo", "rio"):
        client = signed_in(staff[who])
        assert client.get(reverse("decisions:awaiting")).status_code == 403
        assert client.get(reverse("decisions:today")).status_code == 403


@pytest.mark.parametrize("url_name", ["decisions:awaiting", "decisions:today"])
def test_queue_queries_do_not_grow_with_rows(
    url_name, staff, teams, signed_in, django_assert_max_num_queries
):
    client = signed_in(staff["pm"])

    def fill(n):
        for _ in range(n):
            if url_name == "decisions:awaiting":
                _analysed(staff["sw"])
            else:
                _decided(staff["pm"], team=teams["ASSESSMENT"])

    def count_queries():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            response = client.get(reverse(url_name), {"page": 1})
        assert response.status_code == 200
        return len(ctx.captured_queries)

    client.get(reverse(url_name))  # warm the session, MFA flag and content types
    fill(5)
    with_five = count_queries()
    fill(55)
    with django_assert_max_num_queries(with_five):
        response = client.get(reverse(url_name))
    assert "of 60." in response.content.decode()
    assert with_five <= 12
