"""The retention and breach pages, through the test client."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from openmash.accounts.roles import Role
from openmash.contacts.models import Contact
from openmash.governance.models import (
    Breach,
    DisposalLog,
    RetentionAction,
    RetentionRecordType,
    RetentionSchedule,
    RetentionTrigger,
)
from openmash.governance.services_breaches import breach_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def dpo_client(dpo, signed_in):
    return signed_in(dpo)


# -- retention ---------------------------------------------------------------------------


def test_pages_are_for_the_dpo_only(make_user, signed_in):
    client = signed_in(make_user(Role.PRACTICE_MANAGER))
    for name in ("retention_overview", "retention_log", "retention_extract", "breach_list"):
        assert client.get(reverse(f"governance:{name}")).status_code == 403


def test_add_a_schedule_and_see_the_dry_run(dpo_client, person_with_history):
    person_with_history(received_days_ago=8 * 365)
    url = reverse("governance:retention_schedule_new")
    response = dpo_client.post(
        url,
        {"record_type": "breach", "trigger": "birth", "years": 1, "months": 0, "action": "delete"},
    )
    assert response.status_code == 400
    assert "can be kept only" in response.content.decode()
    response = dpo_client.post(
        url,
        {
            "record_type": RetentionRecordType.CONTACT,
            "trigger": RetentionTrigger.CLOSURE,
            "years": 6,
            "months": 0,
            "action": RetentionAction.DELETE,
            "authority": "Synthetic partnership schedule",
            "active": "on",
        },
    )
    assert response.status_code == 302
    schedule = RetentionSchedule.objects.get()
    page = dpo_client.get(reverse("governance:retention_overview")).content.decode()
    assert "6 years after closure" in page
    assert '<td class="govuk-table__cell govuk-table__cell--numeric">1</td>' in page

    edit = reverse("governance:retention_schedule_edit", args=[schedule.pk])
    assert 'value="6"' in dpo_client.get(edit).content.decode()


def test_run_disposal_from_the_page(dpo_client, person_with_history):
    history = person_with_history(received_days_ago=8 * 365)
    RetentionSchedule.objects.create(
        record_type=RetentionRecordType.CONTACT,
        trigger=RetentionTrigger.CLOSURE,
        years=6,
        action=RetentionAction.DELETE,
    )
    confirm = dpo_client.get(reverse("governance:retention_run")).content.decode()
    assert "Dispose of 1 record" in confirm
    response = dpo_client.post(reverse("governance:retention_run"))
    assert response.url == reverse("governance:retention_log")
    assert not Contact.unscoped.filter(pk=history.contact.pk).exists()
    log = dpo_client.get(response.url).content.decode()
    assert DisposalLog.objects.count() == 1
    assert history.contact.reference not in log
    assert history.person.surname not in log


def test_statistical_extract_download(dpo_client, person_with_history):
    history = person_with_history(received_days_ago=1)
    today = timezone.localdate()
    start = today - timedelta(days=5)
    response = dpo_client.post(
        reverse("governance:retention_extract"),
        {
            "date_from_0": start.day,
            "date_from_1": start.month,
            "date_from_2": start.year,
            "date_to_0": today.day,
            "date_to_1": today.month,
            "date_to_2": today.year,
            "recipient": "Synthetic performance team",
        },
    )
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode()
    assert text.startswith("child_id,contact_id,age_band")
    assert history.person.surname not in text
    response = dpo_client.post(reverse("governance:retention_extract"), {})
    assert response.status_code == 400
    assert "Enter who the extract is for" in response.content.decode()


# -- breaches ----------------------------------------------------------------------------


def test_record_a_breach_through_the_form(dpo_client, agencies):
    url = reverse("governance:breach_new")
    response = dpo_client.post(url, {})
    assert response.status_code == 400
    assert "Describe what happened" in response.content.decode()
    found = timezone.localtime() - timedelta(hours=3)
    response = dpo_client.post(
        url,
        {
            "discovered_date_0": found.day,
            "discovered_date_1": found.month,
            "discovered_date_2": found.year,
            "discovered_time": f"{found:%H:%M}",
            "description": "A letter went to an old address.",
            "agencies": [str(agencies["CSC"].pk), str(agencies["HOUSING"].pk)],
            "lead_agency": str(agencies["CSC"].pk),
            "data_categories": ["identity", "contact_details"],
        },
    )
    breach = Breach.unscoped.get()
    assert response.url == reverse("governance:breach_detail", args=[breach.pk])
    assert breach.ico_due_at == breach.discovered_at + timedelta(hours=72)
    page = dpo_client.get(response.url).content.decode()
    assert "hours left" in page
    assert "Record the ICO decision" in page


def test_list_shows_clocks_and_filters(dpo, dpo_client, agencies):
    def make(hours_ago):
        return breach_record(
            actor=dpo,
            discovered_at=timezone.now() - timedelta(hours=hours_ago),
            description="Synthetic breach",
            agencies=[agencies["CSC"]],
            lead_agency=None,
            data_categories=["identity"],
            people_affected=None,
        )

    late, running = make(100), make(5)
    page = dpo_client.get(reverse("governance:breach_list")).content.decode()
    assert page.index(late.reference) < page.index(running.reference)
    assert "Overdue by 28 hours" in page
    page = dpo_client.get(reverse("governance:breach_list"), {"clock": "running"})
    assert running.reference in page.content.decode()
    assert late.reference not in page.content.decode()


def test_decisions_actions_and_closure_on_the_breach_page(dpo, dpo_client, agencies):
    breach = breach_record(
        actor=dpo,
        discovered_at=timezone.now() - timedelta(hours=80),
        description="Synthetic breach",
        agencies=[agencies["CSC"]],
        lead_agency=agencies["CSC"],
        data_categories=["safeguarding"],
        people_affected=2,
    )
    url = reverse("governance:breach_detail", args=[breach.pk])
    response = dpo_client.post(
        url, {"action": "ico", "ico-version": 1, "ico-report": "no", "ico-ico_reason": "Low"}
    )
    assert response.status_code == 400
    assert "reasons for the delay" in response.content.decode()
    response = dpo_client.post(
        url,
        {
            "action": "ico",
            "ico-version": 1,
            "ico-report": "no",
            "ico-ico_reason": "Recalled unread",
            "ico-ico_delay_reason": "Reported to the DPO late",
        },
    )
    assert response.status_code == 302
    dpo_client.post(
        url,
        {
            "action": "individuals",
            "individuals-version": 2,
            "individuals-inform": "no",
            "individuals-individuals_reason": "Low risk",
        },
    )
    dpo_client.post(url, {"action": "action", "action-what": "Recipient confirmed deletion"})
    response = dpo_client.post(
        url, {"action": "close", "close-version": 3, "close-note": "Training given"}
    )
    assert response.status_code == 302
    breach.refresh_from_db()
    assert breach.status == "closed"
    page = dpo_client.get(url).content.decode()
    assert "Decided after 72 hours" in page
    assert "Recipient confirmed deletion" in page


def test_edit_breach_details(dpo, dpo_client, agencies):
    breach = breach_record(
        actor=dpo,
        discovered_at=timezone.now() - timedelta(hours=1),
        description="Synthetic breach",
        agencies=[agencies["CSC"]],
        lead_agency=None,
        data_categories=["identity"],
        people_affected=None,
    )
    url = reverse("governance:breach_edit", args=[breach.pk])
    assert "Synthetic breach" in dpo_client.get(url).content.decode()
    response = dpo_client.post(
        url,
        {
            "version": 1,
            "description": "Two letters went astray.",
            "agencies": [str(agencies["CSC"].pk)],
            "lead_agency": str(agencies["CSC"].pk),
            "data_categories": ["identity", "health"],
            "people_affected": "4",
        },
    )
    assert response.status_code == 302
    breach.refresh_from_db()
    assert (breach.people_affected, breach.data_categories) == (4, "identity health")


def test_breach_list_costs_a_constant_number_of_queries(
    dpo, dpo_client, agencies, django_assert_max_num_queries
):
    for hours in range(30):
        breach_record(
            actor=dpo,
            discovered_at=timezone.now() - timedelta(hours=hours + 1),
            description="Synthetic breach",
            agencies=[agencies["CSC"]],
            lead_agency=agencies["CSC"],
            data_categories=["identity"],
            people_affected=None,
        )
    with django_assert_max_num_queries(12):
        response = dpo_client.get(reverse("governance:breach_list"))
    assert response.content.decode().count("BR-") >= 25
