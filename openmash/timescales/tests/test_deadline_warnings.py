"""The deadline-warnings job: who is warned, when, and that each warning goes out once."""

import os
import subprocess
import sys
from datetime import datetime, timedelta
from urllib.parse import quote

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.utils import timezone

from openmash.enquiries.models import EnquiryStatus
from openmash.notifications.models import Notification
from openmash.tasks.models import OutboxMessage
from openmash.timescales.calendar import LONDON
from openmash.timescales.deadline_warnings import deadline_warnings_send
from openmash.timescales.tasks import send_deadline_warnings

from .factories import ContactFactory, InformationRequestFactory

pytestmark = pytest.mark.django_db

# Monday 9 March 2026, 10:00 (GMT). A contact received now is due Tuesday 10:00: 8h15 of
# working time (Monday 10:00–17:15, Tuesday 09:00–10:00), so 74% is 6h06m18s and 76% 6h16m12s.
MONDAY_10 = datetime(2026, 3, 9, 10, tzinfo=LONDON)
CONTACT_74 = datetime(2026, 3, 9, 16, 6, 18, tzinfo=LONDON)
CONTACT_76 = datetime(2026, 3, 9, 16, 16, 12, tzinfo=LONDON)
CONTACT_DUE = datetime(2026, 3, 10, 10, tzinfo=LONDON)
# A Red request made Monday 10:00 is due 14:00: 74% is 12:57:36, 76% is 13:02:24.
REQUEST_74 = datetime(2026, 3, 9, 12, 57, 36, tzinfo=LONDON)
REQUEST_76 = datetime(2026, 3, 9, 13, 2, 24, tzinfo=LONDON)
REQUEST_DUE = datetime(2026, 3, 9, 14, tzinfo=LONDON)


def run_at(moment):
    with time_machine.travel(moment, tick=False):
        return deadline_warnings_send()


def notified(kind=None):
    rows = Notification.objects.all()
    if kind:
        rows = rows.filter(kind=kind)
    return sorted(rows.values_list("recipient__username", flat=True))


def emailed():
    return sorted(OutboxMessage.objects.values_list("recipient", flat=True))


def usernames(staff, *keys):
    return sorted(staff[k].username for k in keys)


# -- contacts awaiting a decision -----------------------------------------------------------


def test_a_contact_is_not_flagged_before_the_threshold(staff):
    ContactFactory(received_at=MONDAY_10)

    run = run_at(CONTACT_74)

    assert (run.approaching, run.breached, run.sent) == (0, 0, 0)
    assert not Notification.objects.exists()


def test_a_contact_past_the_threshold_warns_the_decision_makers(staff):
    contact = ContactFactory(received_at=MONDAY_10)

    run = run_at(CONTACT_76)

    # Practice and team managers decide contacts; the social worker, officer, partners,
    # administrator and DPO do not.
    assert (run.approaching, run.breached, run.sent) == (1, 0, 2)
    assert notified("approaching") == usernames(staff, "pm", "tm")
    assert emailed() == ["pm@mash.example.org", "tm@mash.example.org"]
    notification = Notification.objects.get(recipient=staff["pm"])
    assert notification.title == f"Decision due soon on contact {contact.reference}"
    assert notification.url == f"/contacts/{contact.pk}/"
    assert notification.due_at == CONTACT_DUE
    email = OutboxMessage.objects.get(recipient="pm@mash.example.org")
    assert "10:00 on Tuesday 10 March 2026" in email.body
    assert f"/contacts/{contact.pk}/" in email.body


def test_a_contact_past_its_deadline_is_breached_and_warns_its_screener_too(staff):
    screener = staff["rio"]
    contact = ContactFactory(received_at=MONDAY_10, screened_by=screener)
    run_at(CONTACT_76)

    run = run_at(CONTACT_DUE)

    assert (run.approaching, run.breached) == (0, 1)
    assert notified("breached") == usernames(staff, "pm", "tm", "rio")
    assert notified("approaching") == usernames(staff, "pm", "tm", "rio")
    breached = Notification.objects.get(recipient=screener, kind="breached")
    assert breached.title == f"Decision overdue on contact {contact.reference}"


def test_work_found_already_overdue_gets_only_the_overdue_warning(staff):
    ContactFactory(received_at=MONDAY_10)

    run_at(CONTACT_DUE + timedelta(days=1))

    assert notified("approaching") == []
    assert notified("breached") == usernames(staff, "pm", "tm")


def test_decided_contacts_are_not_chased(staff):
    ContactFactory(received_at=MONDAY_10, status="decided", decided_at=CONTACT_74)

    assert run_at(CONTACT_DUE).sent == 0


# -- information requests -------------------------------------------------------------------


def test_information_request_thresholds_and_recipients(staff, agencies):
    info_request = InformationRequestFactory(
        agency=agencies["POLICE"],
        enquiry__contact__received_at=MONDAY_10,
        enquiry__opened_by=staff["pm"],
    )

    assert run_at(REQUEST_74).sent == 0
    run = run_at(REQUEST_76)

    # The police practitioners and the practice manager who opened the enquiry; not health.
    assert run.approaching == 1
    assert notified("approaching") == usernames(staff, "pm", "police", "police2")
    police = Notification.objects.get(recipient=staff["police"])
    assert police.url == f"/enquiries/requests/{info_request.pk}/"
    assert police.title == (
        f"Police response due soon for contact {info_request.enquiry.contact.reference}"
    )
    opener = Notification.objects.get(recipient=staff["pm"])
    assert opener.url == f"/enquiries/{info_request.enquiry_id}/"

    run_at(REQUEST_DUE)
    assert notified("breached") == usernames(staff, "pm", "police", "police2")


def test_requests_no_longer_awaited_are_not_chased(staff, agencies):
    answered = InformationRequestFactory(
        agency=agencies["POLICE"],
        enquiry__contact__received_at=MONDAY_10,
        enquiry__opened_by=staff["pm"],
        status="responded",
        responded_at=REQUEST_74,
    )
    # The practice manager went ahead without health's answer.
    InformationRequestFactory(
        agency=agencies["HEALTH"],
        enquiry__contact__received_at=MONDAY_10,
        enquiry__opened_by=staff["pm"],
        enquiry__status=EnquiryStatus.READY,
    )

    run = run_at(REQUEST_DUE)

    assert (run.approaching, run.breached, run.sent) == (0, 0, 0)
    assert answered.enquiry.contact.status == "enquiry"
    assert not Notification.objects.exists()


def test_inactive_staff_are_not_notified(staff):
    staff["tm"].is_active = False
    staff["tm"].save(update_fields=["is_active"])
    ContactFactory(received_at=MONDAY_10)

    run_at(CONTACT_76)

    assert notified() == usernames(staff, "pm")


# -- once, and only once ----------------------------------------------------------------------


def test_running_twice_sends_each_warning_once(staff, agencies):
    InformationRequestFactory(
        agency=agencies["HEALTH"],
        enquiry__contact__received_at=MONDAY_10,
        enquiry__opened_by=staff["pm"],
    )

    first = run_at(CONTACT_76)
    second = run_at(CONTACT_76 + timedelta(minutes=5))
    third = run_at(CONTACT_76 + timedelta(minutes=10))

    assert (first.sent, second.sent, third.sent) == (4, 0, 0)
    # One notification and one email per recipient and warning.
    assert notified() == usernames(staff, "health", "pm", "pm", "tm")
    assert emailed() == sorted(
        ["health@mash.example.org", "pm@mash.example.org"]  # the request is overdue
        + ["pm@mash.example.org", "tm@mash.example.org"]  # its contact is nearly due
    )
    assert len(set(OutboxMessage.objects.values_list("dedupe_key", flat=True))) == 4


def test_a_lost_race_sends_nothing_more(staff):
    """Two runs at once: the second finds the row the first inserted (the unique key), so it
    neither fails nor sends a second notification or email."""
    ContactFactory(received_at=MONDAY_10)
    run_at(CONTACT_76)
    from openmash.timescales import deadline_warnings

    with time_machine.travel(CONTACT_76, tick=False):
        real = deadline_warnings.notification_keys_sent
        deadline_warnings.notification_keys_sent = lambda ids: set()  # it read before we wrote
        try:
            run = deadline_warnings.deadline_warnings_send()
        finally:
            deadline_warnings.notification_keys_sent = real

    assert run.sent == 0
    assert Notification.objects.count() == 2
    assert OutboxMessage.objects.count() == 2


def test_staff_without_an_email_address_are_notified_in_the_app(staff):
    staff["tm"].email = ""
    staff["tm"].save(update_fields=["email"])
    ContactFactory(received_at=MONDAY_10)

    run_at(CONTACT_76)

    assert notified() == usernames(staff, "pm", "tm")
    assert emailed() == ["pm@mash.example.org"]


@pytest.mark.parametrize(("percent", "expected"), [(80, 0), (70, 1)])
def test_the_threshold_comes_from_settings(staff, settings, percent, expected):
    settings.WARNING_THRESHOLD_PERCENT = percent
    ContactFactory(received_at=MONDAY_10)

    assert run_at(CONTACT_76).approaching == expected


def test_the_celery_task_runs_the_job(staff):
    ContactFactory(received_at=MONDAY_10)

    with time_machine.travel(CONTACT_76, tick=False):
        assert send_deadline_warnings.delay().get() == 2


def test_the_job_is_scheduled_every_five_minutes():
    from config.celery import app

    entry = app.conf.beat_schedule["deadline-warnings"]
    assert entry["task"] == send_deadline_warnings.name
    assert entry["schedule"] == 300.0


# -- a worker restart ---------------------------------------------------------------------------


def _database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    auth = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        auth += ":" + quote(db["PASSWORD"], safe="")
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}{port}/{db['NAME']}"


@pytest.mark.django_db(transaction=True)
def test_a_fresh_process_sends_nothing_already_sent(transactional_db, staff):
    """What was sent lives only in the database: a new process (a restarted worker) running
    the job finds every warning already sent and sends none again. (The data is committed so
    the other process can read it; ``transactional_db`` by name puts the role rows back.)"""
    ContactFactory(received_at=timezone.now() - timedelta(days=10))
    assert deadline_warnings_send().sent == 2

    result = subprocess.run(  # noqa: S603 - fixed arguments
        [sys.executable, "manage.py", "send_deadline_warnings"],
        cwd=settings.BASE_DIR,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_URL": _database_url(),
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert "0 approaching, 1 overdue; 0 notification(s) sent." in result.stdout
    assert Notification.objects.count() == 2
    assert OutboxMessage.objects.count() == 2
