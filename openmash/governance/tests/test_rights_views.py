"""The data protection officer's rights pages, through the test client."""

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from openmash.accounts.roles import Role
from openmash.audit.models import AuditEntry
from openmash.audit.services import seal_pending
from openmash.governance.models import (
    RecipientNotification,
    RightsRequest,
    RightsRequestKind,
    SubjectAccessExport,
)
from openmash.governance.services_rights import rights_request_register
from openmash.governance.subject_access import REDACTED

pytestmark = pytest.mark.django_db


def _request(dpo, **extra):
    fields = {
        "actor": dpo,
        "kind": RightsRequestKind.ACCESS,
        "requester_name": "Synthetic Requester",
        "requester_relationship": "The person themselves",
        "received_on": timezone.localdate(),
    }
    fields.update(extra)
    return rights_request_register(**fields)


@pytest.fixture
def dpo_client(dpo, signed_in):
    return signed_in(dpo)


def test_register_lists_sorted_by_due_with_overdue_tag(dpo, dpo_client):
    late = _request(dpo, received_on=timezone.localdate() - timedelta(days=45))
    recent = _request(dpo)
    response = dpo_client.get(reverse("governance:rights_list"))
    body = response.content.decode()
    assert response.status_code == 200
    assert body.index(late.reference) < body.index(recent.reference)
    assert "Overdue" in body
    response = dpo_client.get(reverse("governance:rights_list"), {"due": "overdue"})
    assert late.reference in response.content.decode()
    assert recent.reference not in response.content.decode()


def test_register_costs_a_constant_number_of_queries(
    dpo, dpo_client, person_with_history, django_assert_max_num_queries
):
    history = person_with_history()
    for _ in range(30):
        _request(dpo, person=history.person)
    with django_assert_max_num_queries(12):
        response = dpo_client.get(reverse("governance:rights_list"))
    assert response.content.decode().count("DSR-") >= 25


def test_other_roles_cannot_see_the_register(make_user, signed_in, dpo):
    rights_request = _request(dpo)
    client = signed_in(make_user(Role.PRACTICE_MANAGER))
    assert client.get(reverse("governance:rights_list")).status_code == 403
    response = client.get(reverse("governance:rights_detail", args=[rights_request.pk]))
    assert response.status_code == 403


def test_new_request_form_shows_errors_then_registers(dpo_client):
    response = dpo_client.post(reverse("governance:rights_new"), {})
    body = response.content.decode()
    assert "govuk-error-summary" in body
    assert "Select which right they are exercising" in body
    today = timezone.localdate()
    response = dpo_client.post(
        reverse("governance:rights_new"),
        {
            "kind": RightsRequestKind.RECTIFICATION,
            "requester_name": "Synthetic Parent",
            "requester_relationship": "Mother",
            "received_on_0": today.day,
            "received_on_1": today.month,
            "received_on_2": today.year,
        },
    )
    rights_request = RightsRequest.unscoped.get()
    assert response.status_code == 302
    assert response.url == reverse("governance:rights_detail", args=[rights_request.pk])
    assert rights_request.kind == RightsRequestKind.RECTIFICATION


def test_detail_logs_the_view_and_shows_next_steps(dpo, dpo_client, person_with_history):
    history = person_with_history()
    rights_request = _request(dpo, person=history.person)
    response = dpo_client.get(reverse("governance:rights_detail", args=[rights_request.pk]))
    body = response.content.decode()
    assert "Gather everything held on" in body
    assert "Assessment team" in body  # who it was shared with
    seal_pending()  # views are staged until sealed (ADR 0008)
    assert AuditEntry.objects.filter(
        kind="access", target_id=str(rights_request.pk), person_id=history.person.pk
    ).exists()


def test_status_and_note_forms(dpo, dpo_client):
    rights_request = _request(dpo)
    url = reverse("governance:rights_detail", args=[rights_request.pk])
    response = dpo_client.post(url, {"action": "status", "status": "refused", "version": 1})
    assert response.status_code == 400
    assert "Enter why the request is refused" in response.content.decode()
    dpo_client.post(url, {"action": "note", "log-note": "Identity checked by phone"})
    response = dpo_client.post(
        url, {"action": "status", "status": "completed", "note": "Sent", "version": 1}
    )
    assert response.status_code == 302
    rights_request.refresh_from_db()
    assert rights_request.status == "completed"
    assert "Identity checked by phone" in dpo_client.get(url).content.decode()


def test_find_and_choose_the_person(dpo, dpo_client, person_with_history):
    history = person_with_history()
    rights_request = _request(dpo)
    url = reverse("governance:rights_person", args=[rights_request.pk])
    response = dpo_client.post(
        url,
        {
            "forename": history.person.forename,
            "surname": history.person.surname,
            "date_of_birth_0": history.person.date_of_birth.day,
            "date_of_birth_1": history.person.date_of_birth.month,
            "date_of_birth_2": history.person.date_of_birth.year,
        },
    )
    assert history.person.local_id in response.content.decode()
    response = dpo_client.post(url, {"choose_person": str(history.person.pk), "version": 1})
    assert response.status_code == 302
    rights_request.refresh_from_db()
    assert rights_request.person == history.person


def test_subject_access_end_to_end(dpo, dpo_client, person_with_history):
    history = person_with_history()
    rights_request = _request(dpo, person=history.person)
    response = dpo_client.post(
        reverse("governance:rights_export_prepare", args=[rights_request.pk])
    )
    export = SubjectAccessExport.unscoped.get()
    assert response.url == reverse("governance:rights_export", args=[export.pk])
    page = dpo_client.get(response.url).content.decode()
    assert "Referrer&#x27;s name" in page
    assert escape(history.contact.referrer_name) in page  # Faker names include O'Brien
    assert "Save your choices" in page

    referrer_key = f"contacts.contact:{history.contact.pk}:referrer_name"
    shown = [
        line.split('value="')[1].split('"')[0]
        for line in page.splitlines()
        if 'name="shown"' in line
    ]
    assert referrer_key in shown
    response = dpo_client.post(
        reverse("governance:rights_export", args=[export.pk]),
        {"version": 1, "shown": shown, "redact": [referrer_key], "save": "1"},
    )
    assert response.status_code == 302
    page = dpo_client.get(reverse("governance:rights_export", args=[export.pk])).content.decode()
    assert REDACTED in page
    response = dpo_client.post(
        reverse("governance:rights_export", args=[export.pk]), {"version": 2, "release": "1"}
    )
    assert response.status_code == 302

    pdf = dpo_client.get(reverse("governance:rights_export_pdf", args=[export.pk]))
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert rights_request.reference in pdf["Content-Disposition"]
    data = json.loads(
        dpo_client.get(reverse("governance:rights_export_json", args=[export.pk])).content
    )
    assert data["contacts"][0]["referrer"]["name"] == REDACTED
    assert data["person"]["local_id"] == history.person.local_id
    seal_pending()  # views are staged until sealed (ADR 0008)
    assert AuditEntry.objects.filter(verb="downloaded", target_id=str(export.pk)).count() == 2


def test_release_conflict_is_reported(dpo, dpo_client, person_with_history):
    history = person_with_history()
    rights_request = _request(dpo, person=history.person)
    dpo_client.post(reverse("governance:rights_export_prepare", args=[rights_request.pk]))
    export = SubjectAccessExport.unscoped.get()
    response = dpo_client.post(
        reverse("governance:rights_export", args=[export.pk]), {"version": 9, "release": "1"}
    )
    assert response.status_code == 400
    assert "changed since you opened the page" in response.content.decode()


def test_unreleased_export_cannot_be_downloaded(dpo, dpo_client, person_with_history):
    history = person_with_history()
    rights_request = _request(dpo, person=history.person)
    dpo_client.post(reverse("governance:rights_export_prepare", args=[rights_request.pk]))
    export = SubjectAccessExport.unscoped.get()
    response = dpo_client.get(reverse("governance:rights_export_pdf", args=[export.pk]))
    assert response.status_code == 404


def test_rectify_page_corrects_and_lists_recipients(dpo, dpo_client, person_with_history):
    history = person_with_history()
    rights_request = _request(dpo, kind=RightsRequestKind.RECTIFICATION, person=history.person)
    url = reverse("governance:rights_rectify", args=[rights_request.pk])
    page = dpo_client.get(url).content.decode()
    assert "Who will be told" in page and "Police" in page
    response = dpo_client.post(url, {"version": 1, "new_value": "x", "reason": ""})
    assert response.status_code == 400
    assert "Select the detail to correct" in response.content.decode()
    response = dpo_client.post(
        url,
        {
            "version": 1,
            "item": f"people.person:{history.person.pk}:first_language",
            "new_value": "Polish",
            "reason": "Recorded wrongly",
        },
    )
    assert response.status_code == 302
    assert RecipientNotification.unscoped.count() == 4
    detail = dpo_client.get(reverse("governance:rights_detail", args=[rights_request.pk]))
    assert "Recipients told" in detail.content.decode()
    assert "Record as told" in detail.content.decode()  # health has no address


def test_erase_page_explains_why_records_are_kept(dpo, dpo_client, person_with_history):
    history = person_with_history()
    rights_request = _request(dpo, kind=RightsRequestKind.ERASURE, person=history.person)
    url = reverse("governance:rights_erase", args=[rights_request.pk])
    assert "kept under the retention schedule" in dpo_client.get(url).content.decode()
    response = dpo_client.post(url, {"version": 1, "decision": "erase", "rationale": ""})
    assert response.status_code == 400
    assert "cannot be erased" in response.content.decode()


def test_restrict_and_opinion_pages(dpo, dpo_client, person_with_history):
    history = person_with_history()
    rights_request = _request(dpo, kind=RightsRequestKind.RESTRICTION, person=history.person)
    response = dpo_client.post(
        reverse("governance:rights_restrict", args=[rights_request.pk]),
        {"version": 1, "ground": "accuracy", "note": ""},
    )
    assert response.status_code == 302
    detail = dpo_client.get(reverse("governance:rights_detail", args=[rights_request.pk]))
    assert "Processing of this person's information is restricted" in detail.content.decode()
    rights_request.refresh_from_db()
    page = dpo_client.get(reverse("governance:rights_opinion", args=[rights_request.pk]))
    assert "Police response: risk factors" in page.content.decode()


def test_incorrect_opinion_is_flagged_on_the_contact_page(dpo, signed_in, person_with_history):
    from openmash.governance.services_rights import opinion_mark_incorrect

    history = person_with_history()
    rights_request = _request(dpo, kind=RightsRequestKind.OBJECTION, person=history.person)
    opinion_mark_incorrect(
        rights_request,
        actor=dpo,
        item_key=f"enquiries.informationrequest:{history.police_request.pk}:risk_factors",
        note="Based on a record about another family",
    )
    client = signed_in(history.pm)
    page = client.get(reverse("contacts:detail", args=[history.contact.pk])).content.decode()
    assert "Opinions on this contact have been found to be incorrect" in page
    assert "Police response: risk factors" in page
    assert "Based on a record about another family" in page
