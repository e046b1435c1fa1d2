"""The notification centre: each member of staff sees and marks only their own notifications,
and the header shows how many are unread."""

import uuid
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from openmash.notifications.context_processors import REFRESH_SECONDS
from openmash.notifications.models import Notification
from openmash.notifications.services import NotificationDraft, notification_send
from openmash.tasks.models import OutboxMessage

pytestmark = pytest.mark.django_db

LIST = reverse("notifications:list")


def notify(user, title="Decision due soon on contact C26-000001", kind="approaching", **extra):
    return notification_send(
        NotificationDraft(
            recipient=user,
            kind=kind,
            subject_type="contacts.contact",
            subject_id=extra.pop("subject_id", uuid.uuid4()),
            title=title,
            link_url_name="contacts:detail",
            link_args=(str(uuid.uuid4()),),
            due_at=timezone.now() + timedelta(hours=2),
            **extra,
        )
    )


@pytest.fixture
def pm(make_user):
    return make_user("practice_manager", email="pm@mash.example.org")


@pytest.fixture
def police(make_user):
    return make_user("partner_practitioner", agency="POLICE")


def test_sending_writes_the_row_and_one_email_once(pm):
    subject_id = uuid.uuid4()

    first = notify(pm, subject_id=subject_id, detail="Due by 10:00 on Tuesday.")
    again = notify(pm, subject_id=subject_id)

    assert first is not None and again is None
    assert Notification.objects.count() == 1
    email = OutboxMessage.objects.get()
    assert email.recipient == "pm@mash.example.org"
    assert email.subject == "OpenMASH: Decision due soon on contact C26-000001"
    assert "Due by 10:00 on Tuesday." in email.body
    assert email.dedupe_key == first.dedupe_key


def test_the_same_subject_may_warn_again_when_overdue(pm):
    subject_id = uuid.uuid4()
    notify(pm, subject_id=subject_id, kind="approaching")

    assert notify(pm, subject_id=subject_id, kind="breached") is not None
    assert Notification.objects.count() == 2


def test_the_list_shows_only_my_notifications(pm, police, signed_in):
    notify(pm, title="Decision due soon on contact C26-000001")
    notify(police, title="Police response overdue for contact C26-000002", kind="breached")

    response = signed_in(pm).get(LIST)

    assert response.status_code == 200
    page = response.content.decode()
    assert "C26-000001" in page
    assert "C26-000002" not in page
    assert "You have 1 unread notification." in page


def test_the_header_shows_the_unread_count(pm, signed_in):
    notify(pm)
    notify(pm)

    response = signed_in(pm).get(reverse("home"))

    assert response.status_code == 200
    assert '2<span class="govuk-visually-hidden"> unread</span>' in response.content.decode()


def test_the_header_count_costs_at_most_one_query_a_minute(pm, signed_in):
    client = signed_in(pm)
    client.get(reverse("home"))  # warms the session: MFA flag and the count
    notify(pm)

    with CaptureQueriesContext(connection) as cached:
        stale = client.get(reverse("home"))
    assert not any("notifications_notification" in q["sql"] for q in cached.captured_queries)
    assert 'govuk-visually-hidden"> unread' not in stale.content.decode()

    with time_machine.travel(timezone.now() + timedelta(seconds=REFRESH_SECONDS + 1)):
        fresh = client.get(reverse("home"))
    assert '1<span class="govuk-visually-hidden"> unread</span>' in fresh.content.decode()


def test_mark_one_as_read(pm, signed_in):
    notification = notify(pm)
    client = signed_in(pm)

    response = client.post(reverse("notifications:read", args=[notification.pk]))

    assert response.status_code == 302
    assert response["Location"] == LIST
    notification.refresh_from_db()
    assert notification.read_at is not None
    page = client.get(LIST).content.decode()
    assert "You have no unread notifications." in page
    assert "unread</span>" not in page  # the header count was refreshed at once


def test_i_cannot_mark_someone_elses_notification(pm, police, signed_in):
    theirs = notify(police)

    response = signed_in(pm).post(reverse("notifications:read", args=[theirs.pk]))

    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_all_as_read_returns_to_the_page(pm, police, signed_in):
    mine = [notify(pm) for _ in range(3)]
    theirs = notify(police)

    response = signed_in(pm).post(reverse("notifications:read_all"), {"page": "2"})

    assert response["Location"] == f"{LIST}?page=2"
    assert Notification.objects.filter(pk__in=[n.pk for n in mine], read_at=None).count() == 0
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_marking_read_needs_a_post(pm, signed_in):
    notification = notify(pm)

    response = signed_in(pm).get(reverse("notifications:read", args=[notification.pk]))

    assert response.status_code == 405


def test_the_list_is_paginated_newest_first(pm, signed_in):
    start = timezone.now() - timedelta(days=1)
    for i in range(30):
        with time_machine.travel(start + timedelta(minutes=i), tick=False):
            notify(pm, title=f"Decision due soon on contact C26-{i:06d}")
    client = signed_in(pm)

    first = client.get(LIST).content.decode()
    second = client.get(LIST, {"page": 2}).content.decode()

    assert "C26-000029" in first and "C26-000005" in first and "C26-000004" not in first
    assert "C26-000004" in second and "C26-000000" in second
    assert 'aria-label="Pagination"' in first


def test_the_list_costs_the_same_queries_however_many_rows(
    pm, signed_in, django_assert_max_num_queries
):
    client = signed_in(pm)
    client.get(LIST)
    for _ in range(3):
        notify(pm)

    with CaptureQueriesContext(connection) as few:
        client.get(LIST)
    for _ in range(40):
        notify(pm)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(LIST)


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get(LIST)

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_links_to_unrouted_pages_are_left_out(pm):
    notification = notify(pm)
    notification.link_url_name = "nowhere:at_all"

    assert notification.url == ""
