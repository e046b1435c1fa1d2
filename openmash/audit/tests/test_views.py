"""The DPO's pages: who may use them, the search, and that they stay cheap as the log grows."""

import re
from datetime import UTC, datetime
from uuid import uuid4

import pytest
import time_machine
from django.urls import reverse

from openmash.audit.models import AuditEntry
from openmash.audit.services import AuditTarget, access_record, audit_record, seal_pending
from openmash.audit.views import SEARCH_SESSION_KEY

pytestmark = pytest.mark.django_db

URL = "/audit/access-log/"


@pytest.fixture
def dpo_client(make_user, signed_in):
    return signed_in(make_user("dpo", username="dpo"))


def _view(actor, person_id, channel="people:person_detail", label="A child"):
    """A page view, left pending (ADR 0008): the DPO's search must find it all the same."""
    access_record(
        actor, AuditTarget("people.person", str(person_id), label), channel, person_id=person_id
    )


def _search(client, **filters):
    data = {"kind": "", "person_id": "", "username": ""}
    for name in ("date_from", "date_to"):
        day = filters.pop(name, None)
        for i, part in enumerate((day.day, day.month, day.year) if day else ("", "", "")):
            data[f"{name}_{i}"] = part
    data.update(filters)
    return client.post(URL, data)


def test_url_name():
    assert reverse("audit:access_log") == URL


@pytest.mark.parametrize("role", ["dpo", "administrator"])
def test_dpo_and_administrators_may_search(make_user, signed_in, role):
    response = signed_in(make_user(role)).get(URL)
    assert response.status_code == 200
    assert "Access log and audit trail" in response.text


@pytest.mark.parametrize("role", ["referral_officer", "practice_manager", "partner_practitioner"])
def test_case_workers_are_refused(make_user, signed_in, role):
    client = signed_in(make_user(role))
    assert client.get(URL).status_code == 403
    assert client.post(URL, {"username": "x"}).status_code == 403
    assert client.get(reverse("audit:entry_detail", args=[1])).status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_search_by_person_shows_who_looked(dpo_client, make_user):
    worker = make_user("mash_social_worker", username="worker.one")
    police = make_user("partner_practitioner", agency="POLICE", username="police.one")
    child, other_child = uuid4(), uuid4()
    _view(worker, child, label="Child one")
    _view(police, child, channel="enquiries:request_detail", label="Child one")
    _view(worker, other_child, label="Child two")

    response = _search(dpo_client, person_id=str(child))
    assert response.status_code == 302
    assert response.url == URL  # the person ID stays out of the URL
    assert dpo_client.session[SEARCH_SESSION_KEY]["person_id"] == str(child)

    page = dpo_client.get(URL).text
    assert "Showing 1 to 2 of 2 entries" in page
    assert "worker.one" in page and "police.one" in page
    assert "enquiries:request_detail" in page and "POLICE" in page
    assert "Child two" not in page
    assert all(str(child) not in href for href in re.findall(r'href="([^"]*)"', page))


def test_search_by_username_kind_and_dates(dpo_client, make_user):
    worker = make_user("mash_social_worker", username="worker.one")
    other = make_user("mash_social_worker", username="worker.two")
    with time_machine.travel(datetime(2025, 3, 3, 10, tzinfo=UTC), tick=False):
        _view(worker, uuid4(), label="Early view")
    with time_machine.travel(datetime(2025, 3, 10, 23, 30, tzinfo=UTC), tick=False):
        # 23:30 UTC on 10 March is still 10 March in London (GMT).
        _view(worker, uuid4(), label="Late view")
        audit_record(worker, "updated", AuditTarget("tests.thing", "1", "Changed thing"))
    _view(other, uuid4(), label="Other view")

    _search(
        dpo_client,
        username="WORKER.ONE",
        kind="access",
        date_from=datetime(2025, 3, 4),
        date_to=datetime(2025, 3, 10),
    )
    page = dpo_client.get(URL).text
    assert "Late view" in page
    assert "Early view" not in page
    assert "Changed thing" not in page
    assert "Other view" not in page


def test_results_are_newest_first_and_paginated_with_plain_get_links(
    dpo_client, make_user, write_entries
):
    write_entries(30, actor=make_user("practice_manager", username="writer"))
    _search(dpo_client, username="writer")
    first = dpo_client.get(URL).text
    assert "Showing 1 to 25 of 30 entries" in first
    assert first.index("Thing 29") < first.index("Thing 28")
    assert 'href="?page=2"' in first
    second = dpo_client.get(URL + "?page=2").text
    assert "Showing 26 to 30 of 30 entries" in second
    assert "Thing 0" in second and "Thing 29" not in second


def test_the_filter_can_be_cleared(dpo_client, make_user):
    _search(dpo_client, username="nobody-at-all")
    assert "No entries match your search" in dpo_client.get(URL).text
    response = dpo_client.post(URL, {"clear": "1"})
    assert response.status_code == 302
    assert SEARCH_SESSION_KEY not in dpo_client.session


def test_empty_state(dpo_client):
    _search(dpo_client, person_id=str(uuid4()))
    page = dpo_client.get(URL).text
    assert "No entries match your search" in page
    assert "Clear filters" in page


def test_bad_dates_are_reported_in_an_error_summary(dpo_client):
    response = dpo_client.post(
        URL,
        {"date_from_0": "31", "date_from_1": "2", "date_from_2": "2025", "date_to_0": "1"},
    )
    assert response.status_code == 200
    page = response.text
    assert "govuk-error-summary" in page
    assert "<title>Error: " in page
    assert "From date must be a real date" in page
    assert "To date must include a month" in page
    assert SEARCH_SESSION_KEY not in dpo_client.session


def test_a_to_date_before_the_from_date_is_refused(dpo_client):
    response = _search(dpo_client, date_from=datetime(2025, 3, 10), date_to=datetime(2025, 3, 1))
    assert response.status_code == 200
    assert "To date must be the same as or after the from date" in response.text


def test_a_malformed_person_id_is_refused(dpo_client):
    response = _search(dpo_client, person_id="Jane Smith")
    assert response.status_code == 200
    assert "Enter the person ID in the format shown in the hint" in response.text


@pytest.mark.parametrize("rows", [5, 100])
def test_the_search_page_costs_the_same_queries_whatever_the_rows(
    rows, dpo_client, make_user, django_assert_max_num_queries
):
    actors = [make_user("mash_social_worker"), make_user("partner_practitioner", agency="HEALTH")]
    for i in range(rows):
        _view(actors[i % 2], uuid4(), label=f"Child {i}")
    _search(dpo_client, kind="access")
    dpo_client.get(URL)  # warm the session's MFA flag
    # Session, user, roles, whether any views are pending (none: the first visit sealed them),
    # count, one page of entries with their actors, the user's agency for the header, and the
    # session save (savepoint, update, release): ten, however many rows.
    with django_assert_max_num_queries(10):
        response = dpo_client.get(URL)
    assert response.text.count("govuk-table__row") == min(rows, 25) + 1


def test_entry_detail_shows_before_and_after(dpo_client, agencies, make_user):
    admin = make_user("administrator")
    police = agencies["POLICE"]
    police.co_located = False
    police._history_user = admin
    police.save()
    entry = AuditEntry.objects.filter(target_id=str(police.pk)).order_by("sequence").last()

    page = dpo_client.get(reverse("audit:entry_detail", args=[entry.sequence])).text
    assert "Before and after" in page
    assert re.search(r"Co located</th>\s*<td[^>]*>Yes</td>\s*<td[^>]*>No</td>", page)
    assert reverse("audit:record_history", args=["accounts.agency", str(police.pk)]) in page
    assert entry.entry_hash in page


def test_reading_an_entry_about_a_person_is_itself_logged(dpo_client, make_user):
    child = uuid4()
    _view(make_user("mash_social_worker"), child)
    seal_pending()
    viewed = AuditEntry.objects.get(person_id=child)
    dpo_client.get(reverse("audit:entry_detail", args=[viewed.sequence]))
    seal_pending()
    logged = AuditEntry.objects.order_by("sequence").last()
    assert logged.kind == AuditEntry.Kind.ACCESS
    assert logged.actor.username == "dpo"
    assert logged.person_id == child
    assert logged.channel == "audit:entry_detail"


def test_missing_entries_are_not_found(dpo_client):
    assert dpo_client.get(reverse("audit:entry_detail", args=[999999])).status_code == 404
    missing = reverse("audit:record_history", args=["accounts.agency", str(uuid4())])
    assert dpo_client.get(missing).status_code == 404


def test_record_history_lists_every_change(dpo_client, agencies):
    health = agencies["HEALTH"]
    for summary in ("First summary", "Second summary"):
        health.summary = summary
        health.save()
    page = dpo_client.get(reverse("audit:record_history", args=["accounts.agency", health.pk])).text
    assert "Change history: Health" in page
    assert "3 recorded changes" in page  # created by reference data, then two edits
    summaries = re.findall(r"Summary</th>\s*<td[^>]*>(.*?)</td>\s*<td[^>]*>(.*?)</td>", page)
    assert summaries[:2] == [
        ("First summary", "Second summary"),
        (summaries[2][1], "First summary"),
    ]
