"""The home page summarises each queue the user works, with overdue counts, in constant queries."""

from datetime import timedelta

import pytest
from django.utils import timezone

from openmash.contacts.models import Contact, ContactStatus


def _contact(n, status, due):
    now = timezone.now()
    return Contact.unscoped.create(
        reference=f"C26-9{n:05d}",
        status=status,
        channel="phone",
        received_at=now,
        clock_started_at=now,
        decision_due_at=due,
        source="6",
        narrative="Synthetic",
        consent_status="given",
    )


@pytest.mark.django_db
def test_practice_manager_sees_queue_totals_and_overdue(make_user, signed_in):
    now = timezone.now()
    _contact(1, ContactStatus.RECORDED, now - timedelta(hours=1))
    _contact(2, ContactStatus.RECORDED, now + timedelta(hours=5))
    _contact(3, ContactStatus.ANALYSED, now + timedelta(hours=5))
    client = signed_in(make_user("practice_manager"))
    response = client.get("/")
    work = {item.label: item for item in response.context["work"]}
    assert (work["To screen"].total, work["To screen"].overdue) == (2, 1)
    assert (work["Awaiting decision"].total, work["Awaiting decision"].overdue) == (1, 0)
    assert "Requests to my agency" not in work
    assert b"1 overdue" in response.content


@pytest.mark.django_db
def test_partner_sees_only_their_agencys_requests_queue(make_user, signed_in):
    _contact(1, ContactStatus.RECORDED, timezone.now())
    client = signed_in(make_user("partner_practitioner", agency="POLICE"))
    labels = [item.label for item in client.get("/").context["work"]]
    assert labels == ["Requests to my agency"]


@pytest.mark.django_db
def test_home_query_count_does_not_grow_with_the_queues(
    make_user, signed_in, django_assert_max_num_queries
):
    client = signed_in(make_user("practice_manager"))
    client.get("/")  # warm the session
    for n in range(40):
        _contact(n, ContactStatus.RECORDED, timezone.now())
    with django_assert_max_num_queries(20):
        client.get("/")


@pytest.mark.django_db
def test_only_the_most_specific_navigation_item_is_current(make_user, signed_in):
    client = signed_in(make_user("practice_manager"))
    client.get("/")
    nav = client.get("/contacts/queues/to-screen/").context["service_navigation"]
    assert [i["label"] for i in nav if i["active"]] == ["Contacts"]


@pytest.mark.django_db
def test_the_menu_marks_the_current_entry_in_the_page(make_user, signed_in):
    client = signed_in(make_user("practice_manager"))
    client.get("/")
    body = client.get("/contacts/queues/to-screen/").content.decode()
    menu = body[body.index('id="navigation"') : body.index("</nav>")]
    assert menu.count('aria-current="page"') == 1
    assert (
        '<a class="govuk-service-navigation__link" href="/contacts/queues/to-screen/" '
        'aria-current="page"><strong class="govuk-service-navigation__active-fallback">'
        "Contacts</strong></a>"
    ) in menu
    assert '<a class="govuk-service-navigation__link" href="/">Home</a>' in menu


def test_menu_labels_are_escaped():
    from openmash.core.navigation import navigation_html

    html = navigation_html([{"label": "<b>x</b>", "url": "/x/", "active": False}])
    assert "&lt;b&gt;x&lt;/b&gt;" in html and "<b>" not in html
