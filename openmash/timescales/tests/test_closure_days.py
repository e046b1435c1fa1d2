"""Closure days: administrators add and remove them; stored deadlines stay as they were set,
and the administrator is told how much open work falls due on the day."""

from datetime import date, datetime

import pytest
import time_machine
from django.urls import reverse

from openmash.timescales.calendar import LONDON
from openmash.timescales.models import ClosureDay
from openmash.timescales.services import contact_decision_due

from .factories import ContactFactory, InformationRequestFactory

pytestmark = pytest.mark.django_db

MONDAY_10 = datetime(2026, 3, 9, 10, tzinfo=LONDON)
TUESDAY = date(2026, 3, 10)
LIST = reverse("timescales:closure_day_list")
ADD = reverse("timescales:closure_day_add")


@pytest.fixture(autouse=True)
def monday():
    with time_machine.travel(MONDAY_10, tick=False):
        yield


@pytest.fixture
def admin_client(staff, signed_in):
    return signed_in(staff["admin"])


def add(client, day: date, reason="Office move"):
    return client.post(
        ADD, {"day_0": day.day, "day_1": day.month, "day_2": day.year, "reason": reason}
    )


def test_adding_a_closure_day_keeps_stored_deadlines_and_counts_the_work_due(
    admin_client, staff, agencies
):
    contact = ContactFactory(received_at=MONDAY_10)  # due Tuesday 10:00
    InformationRequestFactory(
        agency=agencies["POLICE"],
        enquiry__contact__received_at=datetime(2026, 3, 9, 16, tzinfo=LONDON),
        enquiry__opened_by=staff["pm"],
    )  # its Red request is due Tuesday 11:45; its contact, Tuesday 16:00
    ContactFactory(received_at=MONDAY_10, status="decided", decided_at=MONDAY_10)
    stored_due = contact.decision_due_at

    response = add(admin_client, TUESDAY)

    assert response.status_code == 302
    closure_day = ClosureDay.objects.get()
    assert (closure_day.date, closure_day.reason) == (TUESDAY, "Office move")
    assert closure_day.history.get().history_user == staff["admin"]
    contact.refresh_from_db()
    assert contact.decision_due_at == stored_due
    # Clocks that start from now on skip the closure day.
    assert contact_decision_due(MONDAY_10) == datetime(2026, 3, 11, 10, tzinfo=LONDON)

    page = admin_client.get(response["Location"]).content.decode()
    assert "The MASH is now closed on Tuesday 10 March 2026." in page
    assert (
        "2 contacts awaiting a decision and 1 information request awaiting a response have a "
        "deadline on that day." in page
    )
    assert "Office move" in page
    assert "(2 contacts, 1 request)" in page


def test_the_list_shows_bank_holidays_and_past_closure_days(admin_client):
    ClosureDay.objects.create(date=date(2026, 2, 2), reason="Staff training day")

    page = admin_client.get(LIST).content.decode()

    assert "Good Friday" in page
    assert "Staff training day" in page
    assert "No closure days are planned." in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"day": date(2026, 3, 6)}, "The date must be today or in the future"),
        ({"day": date(2026, 3, 14)}, "Saturday 14 March 2026 is a Saturday"),
        ({"day": date(2026, 4, 3)}, "Friday 3 April 2026 is a bank holiday"),
        ({"day": date(2026, 3, 10), "reason": " "}, "Enter why the MASH is closed on that day"),
    ],
)
def test_refused_closure_days_are_explained(admin_client, data, message):
    response = add(admin_client, **data)

    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page
    assert message in page
    assert not ClosureDay.objects.exists()


def test_a_day_cannot_be_closed_twice(admin_client):
    add(admin_client, TUESDAY)

    response = add(admin_client, TUESDAY, reason="Again")

    assert "Tuesday 10 March 2026 is already a closure day" in response.content.decode()
    assert ClosureDay.objects.count() == 1


@pytest.mark.parametrize(
    ("post", "message"),
    [
        ({"day_0": "31", "day_1": "2", "day_2": "2026"}, "The date must be a real date"),
        ({"day_0": "10", "day_1": "", "day_2": "2026"}, "The date must include a month"),
        ({"day_0": "10", "day_1": "3", "day_2": "26"}, "The year must include 4 numbers"),
        ({}, "Enter the date the MASH will be closed"),
    ],
)
def test_malformed_dates_are_explained(admin_client, post, message):
    response = admin_client.post(ADD, {"reason": "Office move", **post})

    page = response.content.decode()
    assert "There is a problem" in page
    assert message in page
    assert not ClosureDay.objects.exists()


def test_removal_asks_for_confirmation_first(admin_client, staff):
    closure_day = ClosureDay.objects.create(date=TUESDAY, reason="Office move")
    ContactFactory(received_at=MONDAY_10)
    url = reverse("timescales:closure_day_remove", args=[closure_day.pk])

    confirm = admin_client.get(url)

    assert confirm.status_code == 200
    assert "Open the MASH on Tuesday 10 March 2026?" in confirm.content.decode()
    assert "1 contact awaiting a decision" in confirm.content.decode()
    assert ClosureDay.objects.exists()

    removed = admin_client.post(url)

    assert removed.status_code == 302
    assert not ClosureDay.objects.exists()
    deletion = ClosureDay.history.filter(history_type="-").get()
    assert deletion.history_user == staff["admin"]


def test_past_closure_days_are_kept(admin_client):
    closure_day = ClosureDay.objects.create(date=date(2026, 3, 2), reason="Snow")

    response = admin_client.post(reverse("timescales:closure_day_remove", args=[closure_day.pk]))

    assert response.status_code == 400
    assert "Past closure days are kept" in response.content.decode()
    assert ClosureDay.objects.exists()


@pytest.mark.parametrize("who", ["pm", "police", "dpo", "tm"])
def test_only_administrators_manage_closure_days(staff, signed_in, who):
    closure_day = ClosureDay.objects.create(date=TUESDAY, reason="Office move")
    client = signed_in(staff[who])

    assert client.get(LIST).status_code == 403
    assert add(client, date(2026, 3, 12)).status_code == 403
    remove = reverse("timescales:closure_day_remove", args=[closure_day.pk])
    assert client.post(remove).status_code == 403
    assert list(ClosureDay.objects.values_list("date", flat=True)) == [TUESDAY]


def test_the_list_costs_the_same_queries_however_many_days(
    admin_client, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    admin_client.get(LIST)
    ClosureDay.objects.create(date=date(2026, 3, 12), reason="Training")
    with CaptureQueriesContext(connection) as one:
        admin_client.get(LIST)
    for day in (16, 17, 18, 19, 20, 23, 24):
        ClosureDay.objects.create(date=date(2026, 3, day), reason="Training")
    with django_assert_max_num_queries(len(one.captured_queries)):
        response = admin_client.get(LIST)
    assert response.content.decode().count("Training") == 8


def test_the_add_page_uses_a_gov_uk_date_input(admin_client):
    page = admin_client.get(ADD).content.decode()

    assert 'class="govuk-date-input"' in page
    assert 'name="day_0"' in page and 'name="day_2"' in page
    assert "Why is the MASH closed?" in page
