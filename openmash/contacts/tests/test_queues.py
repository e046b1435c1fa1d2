"""The "to record" and "to screen" queues, and the shared queue helper (core.queues)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from openmash.contacts.models import Contact, ContactStatus
from openmash.contacts.selectors import contact_queue
from openmash.core.queues import queue_page

from .factories import ContactFactory, ContactPersonFactory, SubmittedContactFactory


@pytest.fixture
def officer(make_user):
    return make_user("referral_officer")


def _contacts(n, factory=ContactFactory, **kwargs):
    made = []
    for _ in range(n):
        contact = factory(**kwargs)
        ContactPersonFactory(contact=contact)
        ContactPersonFactory(contact=contact)
        made.append(contact)
    return made


def _references(response):
    return [row.obj.reference for row in response.context["queue"].rows]


@pytest.mark.django_db
def test_to_screen_lists_recorded_contacts_immediate_risk_first_then_by_due(signed_in, officer):
    now = timezone.now()
    late = ContactFactory(decision_due_at=now + timedelta(hours=5))
    soon = ContactFactory(decision_due_at=now + timedelta(hours=1))
    risk = ContactFactory(decision_due_at=now + timedelta(hours=9), immediate_risk=True)
    SubmittedContactFactory()  # not in this queue
    ContactFactory(status=ContactStatus.DECIDED)  # nor this
    response = signed_in(officer).get(reverse("contacts:to_screen"))
    assert response.status_code == 200
    assert _references(response) == [risk.reference, soon.reference, late.reference]
    body = response.content.decode()
    assert "Immediate risk" in body and "Due soon" in body


@pytest.mark.django_db
def test_to_record_lists_online_submissions(signed_in, officer):
    submitted = SubmittedContactFactory()
    ContactFactory()
    response = signed_in(officer).get(reverse("contacts:to_record"))
    assert _references(response) == [submitted.reference]


@pytest.mark.django_db
def test_sort_and_filters(signed_in, officer):
    now = timezone.now()
    overdue = ContactFactory(
        received_at=now - timedelta(days=4), decision_due_at=now - timedelta(days=3)
    )
    fresh = ContactFactory(
        received_at=now - timedelta(minutes=5), decision_due_at=now + timedelta(days=1)
    )
    risk = ContactFactory(
        received_at=now - timedelta(hours=2),
        decision_due_at=now + timedelta(hours=20),
        immediate_risk=True,
    )
    client = signed_in(officer)
    url = reverse("contacts:to_screen")
    assert _references(client.get(url, {"due": "overdue"})) == [overdue.reference]
    assert "Overdue" in client.get(url, {"due": "overdue"}).content.decode()
    assert _references(client.get(url, {"risk": "yes"})) == [risk.reference]
    assert _references(client.get(url, {"risk": "no", "sort": "received"})) == [
        overdue.reference,
        fresh.reference,
    ]
    # Unknown sort keys and filter values are ignored, never passed to the database.
    assert client.get(url, {"sort": "narrative", "due": "x; drop"}).status_code == 200
    assert len(_references(client.get(url, {"sort": "-referrer_name"}))) == 3


@pytest.mark.django_db
def test_pagination_keeps_sort_and_filters(signed_in, officer):
    _contacts(30)
    response = signed_in(officer).get(reverse("contacts:to_screen"), {"sort": "received"})
    pagination = response.context["queue"].pagination
    assert len(response.context["queue"].rows) == 25
    assert pagination["show"] and "sort=received" in pagination["next"]
    assert "page=2" in pagination["next"]
    second = signed_in(officer).get(reverse("contacts:to_screen"), {"sort": "received", "page": 2})
    assert len(second.context["queue"].rows) == 5
    assert 'aria-label="Pagination"' in second.content.decode()


def _query_count(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url_name", "factory"),
    [("contacts:to_screen", ContactFactory), ("contacts:to_record", SubmittedContactFactory)],
)
def test_queue_queries_do_not_grow_with_rows(
    signed_in, officer, django_assert_max_num_queries, url_name, factory
):
    client = signed_in(officer)
    url = reverse(url_name)
    client.get(url)  # warm the session and MFA flag
    _contacts(5, factory)
    with_five = _query_count(client, url)
    _contacts(55, factory)
    with django_assert_max_num_queries(with_five):
        response = client.get(url)
    assert len(response.context["queue"].rows) == 25
    # Session, user, roles, tab counts, rows, children, agency (header), session save.
    assert with_five <= 10


@pytest.mark.django_db
def test_contact_page_queries_do_not_grow_with_people(signed_in, make_user):
    manager = make_user("practice_manager")
    client = signed_in(manager)
    small, large = ContactFactory(), ContactFactory()
    ContactPersonFactory(contact=small)
    for _ in range(12):
        ContactPersonFactory(contact=large)
    client.get(reverse("contacts:detail", args=[small.pk]))
    baseline = _query_count(client, reverse("contacts:detail", args=[small.pk]))
    assert _query_count(client, reverse("contacts:detail", args=[large.pk])) == baseline


# -- core.queues on its own -------------------------------------------------------------------


@pytest.mark.django_db
def test_queue_page_builds_gov_uk_pagination_with_ellipses(officer):
    from openmash.contacts.views import QUEUES

    for _ in range(8 * 25):
        ContactFactory()
    request = RequestFactory().get("/", {"page": "5", "risk": "no"})
    contacts = contact_queue(officer, ContactStatus.RECORDED)
    queue = queue_page(request, contacts, QUEUES["to_screen"]["spec"])
    items = queue.pagination["items"]
    numbers = [i.get("number") for i in items]
    assert numbers == [1, None, 4, 5, 6, None, 8]
    assert [i for i in items if i.get("current")][0]["number"] == 5
    assert "risk=no" in queue.pagination["previous"] and "page=4" in queue.pagination["previous"]
    assert queue.active_filters == {"risk": "no"}


@pytest.mark.django_db
def test_queue_page_of_an_unscoped_user_is_empty(make_user):
    from openmash.contacts.views import QUEUES

    ContactFactory()
    partner = make_user("partner_practitioner", agency="POLICE")
    request = RequestFactory().get("/")
    queue = queue_page(request, Contact.objects.for_user(partner), QUEUES["to_screen"]["spec"])
    assert queue.total == 0 and queue.rows == []


@pytest.mark.django_db
def test_the_tab_count_stands_for_the_page_count_only_without_filters(signed_in, officer):
    """The queue reuses its tab's count instead of a second COUNT, but not once a filter has
    narrowed the list: then the pages must count the filtered rows."""
    _contacts(27)
    _contacts(3, immediate_risk=True)
    client = signed_in(officer)
    url = reverse("contacts:to_screen")
    unfiltered = client.get(url).context["queue"]
    assert unfiltered.paginator.count == 30
    assert unfiltered.paginator.num_pages == 2
    filtered = client.get(url, {"risk": "yes"}).context["queue"]
    assert filtered.paginator.count == 3
    assert filtered.paginator.num_pages == 1
    assert len(filtered.rows) == 3


@pytest.mark.django_db
@pytest.mark.parametrize("sort", ["due", "received"])
def test_queue_parts_page_as_one_list_sorted_part_first(officer, sort):
    """``QueueSpec.parts``: the pages are those of one list sorted by part, then the sort
    (with the immediate-risk pin inside each part) — across the boundary between parts too."""
    from dataclasses import replace

    from django.db.models import Q

    from openmash.contacts.views import QUEUES

    now = timezone.now()
    for n in range(7):
        ContactFactory(
            rag="red" if n % 4 else "green",  # 5 red, 2 green: a page spans both parts
            immediate_risk=n in (2, 5),
            received_at=now - timedelta(hours=n),
            decision_due_at=now + timedelta(hours=(n * 5) % 7),
        )
    spec = replace(QUEUES["to_screen"]["spec"], page_size=2, parts=(Q(rag="red"), ~Q(rag="red")))
    queryset = contact_queue(officer, ContactStatus.RECORDED)
    key = {"due": "decision_due_at", "received": "received_at"}[sort]
    expected = sorted(
        queryset, key=lambda c: (c.rag != "red", not c.immediate_risk, getattr(c, key), c.pk)
    )

    def page(number):
        request = RequestFactory().get("/", {"page": number, "sort": sort})
        return queue_page(request, contact_queue(officer, ContactStatus.RECORDED), spec)

    shown = [row.obj.pk for number in (1, 2, 3, 4) for row in page(number).rows]
    assert shown == [c.pk for c in expected]
    assert page(1).total == 7 and page(4).pagination["end"] == 7


@pytest.mark.django_db
def test_a_queue_row_is_printed_whole_with_every_cell_and_what_was_typed_escaped(
    signed_in, officer
):
    """Rows come from the spec's ``row_html`` pattern (ADR 0011), not a row template."""
    contact = ContactFactory(immediate_risk=True)
    ContactPersonFactory(
        contact=contact, role="subject_child", forename="<b>Bold</b>", surname="O'Child"
    )
    response = signed_in(officer).get(reverse("contacts:to_screen"))
    body = response.content.decode()
    row = body[body.index(f">{contact.reference}</a>") :]
    row = row[: row.index("</tr>")]
    assert row.count('<td class="govuk-table__cell">') == 4  # and the first, the reference
    assert "&lt;b&gt;Bold&lt;/b&gt;" in row and "<b>" not in row
    assert "O&#x27;Child" in row
    assert "Immediate risk" in row
    assert f'href="{reverse("contacts:detail", args=[contact.pk])}"' in body
