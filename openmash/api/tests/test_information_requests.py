"""The partner API's endpoints: scoped like the pages, logged and recorded like any
disclosure, answering through the same service, with domain errors and retries mapped."""

import uuid

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from openmash.accounts.roles import Role
from openmash.api.models import IdempotencyKey
from openmash.audit.models import AuditEntry
from openmash.audit.services import seal_pending
from openmash.contacts.codes import PersonRole
from openmash.contacts.models import ContactPerson
from openmash.enquiries.models import EnquiryStatus, InformationRequest, MashEnquiry
from openmash.enquiries.tests.factories import NARRATIVE_MARKER, PersonFactory, request_for
from openmash.governance.codes import DisclosureKind
from openmash.governance.models import SharingRecord

pytestmark = pytest.mark.django_db

LIST = reverse("api:information-request-list")


def detail_url(request):
    return reverse("api:information-request-detail", args=[request.pk])


def response_url(request):
    return reverse("api:information-request-response", args=[request.pk])


def answer(request, **changes):
    return {
        "outcome": "known",
        "summary": "Two domestic incidents at the address this year.",
        "risk_factors": "Domestic abuse call-outs",
        "systems_searched": "Police national computer",
        "expected_version": request.version,
        **changes,
    }


# -- the list ------------------------------------------------------------------------------------


def test_the_list_shows_only_my_agencys_requests_without_personal_data(
    open_enquiry, police, api_as
):
    enquiry = open_enquiry(("POLICE", "HEALTH"))
    open_enquiry(("HEALTH",))
    response = api_as(police).get(LIST)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    rows = response.json()["results"]
    assert [r["id"] for r in rows] == [str(request_for(enquiry, "POLICE").pk)]
    row = rows[0]
    assert set(row) == {
        "id",
        "contact_reference",
        "rag",
        "immediate_risk",
        "requested_at",
        "due_at",
        "overdue",
        "status",
    }
    assert row["contact_reference"] == enquiry.contact.reference
    assert row["rag"] == "red" and row["status"] == "requested" and row["overdue"] is False
    people = ContactPerson.unscoped.filter(contact=enquiry.contact)
    text = response.content.decode()
    for person in people:
        assert person.surname not in text and person.forename not in text
    assert NARRATIVE_MARKER not in text
    # Nothing personal was shown, so nothing is logged or recorded as shared.
    assert not AuditEntry.objects.filter(kind=AuditEntry.Kind.ACCESS).exists()
    assert not SharingRecord.objects.filter(kind=DisclosureKind.API_READ).exists()


def test_the_list_filters_by_status_and_orders_by_due_time(open_enquiry, police, api_as):
    from openmash.enquiries.services import information_request_respond

    later = open_enquiry(("POLICE",), rag="green")
    sooner = open_enquiry(("POLICE",), rag="red")
    answered = open_enquiry(("POLICE",), rag="amber")
    request = request_for(answered, "POLICE")
    information_request_respond(request, actor=police, **answer(request))
    client = api_as(police)

    everything = [r["id"] for r in client.get(LIST).json()["results"]]
    to_answer = [r["id"] for r in client.get(LIST, {"status": "requested"}).json()["results"]]
    done = [r["id"] for r in client.get(LIST, {"status": "responded"}).json()["results"]]
    assert to_answer == [str(request_for(e, "POLICE").pk) for e in (sooner, later)]
    assert done == [str(request.pk)]
    assert set(everything) == set(to_answer) | set(done)
    bad = client.get(LIST, {"status": "lost"})
    assert bad.status_code == 400 and "status" in bad.json()


def test_the_list_costs_the_same_queries_for_5_or_50_rows(
    open_enquiry, police, api_as, django_assert_max_num_queries
):
    client = api_as(police)
    for _ in range(5):
        open_enquiry(("POLICE",))
    client.get(LIST)  # token's last use written once
    with django_assert_max_num_queries(15) as five:
        assert len(client.get(LIST).json()["results"]) == 5
    for _ in range(45):
        open_enquiry(("POLICE",))
    with django_assert_max_num_queries(len(five.captured_queries)):
        assert len(client.get(LIST).json()["results"]) == 50


# -- one request ---------------------------------------------------------------------------------


def test_the_detail_shows_the_people_logs_each_and_records_one_api_read(
    open_enquiry, police, api_as
):
    enquiry = open_enquiry(("POLICE", "HEALTH"))
    parent = ContactPerson.unscoped.get(contact=enquiry.contact, role=PersonRole.PARENT_CARER)
    parent.person = PersonFactory()
    parent.save(update_fields=["person"])
    request = request_for(enquiry, "POLICE")

    response = api_as(police).get(detail_url(request))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    data = response.json()
    assert data["question"] == request.question and data["version"] == request.version
    assert data["agency"] == police.agency.name
    assert [p["role"] for p in data["people"]] == ["Child the concern is about", "Parent or carer"]
    assert {p["name"] for p in data["people"]} == {
        f"{p.forename} {p.surname}" for p in ContactPerson.unscoped.filter(contact=enquiry.contact)
    }
    assert data["response"] is None and data["decision"] is None
    assert NARRATIVE_MARKER not in response.content.decode()

    seal_pending()  # views are staged until sealed (ADR 0008)
    viewed = AuditEntry.objects.filter(kind=AuditEntry.Kind.ACCESS, target_id=str(request.pk))
    assert viewed.count() == 2
    assert {e.channel for e in viewed} == {"api:information-request-detail"}
    assert {e.person_id for e in viewed} == {
        parent.person_id,
        *[
            cp.person_id
            for cp in ContactPerson.unscoped.filter(contact=enquiry.contact, role="subject_child")
        ],
    }
    shared = SharingRecord.objects.get(kind=DisclosureKind.API_READ)
    assert shared.to_agency == police.agency and shared.contact_id == enquiry.contact_id
    assert shared.record_id == str(request.pk) and shared.article6
    assert set(shared.subjects(manager="unscoped").values_list("pk", flat=True)) == {
        e.person_id for e in viewed
    }


def test_another_agencys_request_is_not_found_and_not_logged(open_enquiry, health, api_as):
    enquiry = open_enquiry(("POLICE",))
    client = api_as(health)
    for url in (detail_url(request_for(enquiry, "POLICE")), f"{LIST}{uuid.uuid4()}/"):
        response = client.get(url)
        assert response.status_code == 404
        assert response.json() == {"detail": "No information request found.", "code": "not_found"}
    assert not AuditEntry.objects.filter(kind=AuditEntry.Kind.ACCESS).exists()
    assert not SharingRecord.objects.filter(kind=DisclosureKind.API_READ).exists()


@pytest.mark.parametrize(
    ("role", "agency"),
    [
        (Role.PRACTICE_MANAGER, "CSC"),
        (Role.MASH_SOCIAL_WORKER, "CSC"),
        (Role.REFERRAL_OFFICER, "CSC"),
        (Role.DPO, "CSC"),
        (Role.ADMINISTRATOR, "CSC"),
    ],
)
def test_roles_without_enquiry_respond_are_refused(role, agency, make_user, open_enquiry):
    request = request_for(open_enquiry(("POLICE",)), "POLICE")
    client = APIClient()
    client.force_authenticate(make_user(role, agency=agency))
    for response in (
        client.get(LIST),
        client.get(detail_url(request)),
        client.post(response_url(request), answer(request), format="json"),
    ):
        assert response.status_code == 403
        assert response.json()["code"] == "permission_denied"
    assert InformationRequest.unscoped.get(pk=request.pk).status == "requested"


def test_a_signed_in_browser_session_may_call_the_api(open_enquiry, police, signed_in):
    open_enquiry(("POLICE",))
    assert len(signed_in(police).get(LIST).json()["results"]) == 1


# -- answering -----------------------------------------------------------------------------------


def test_the_response_is_recorded_through_the_service(open_enquiry, police, health, api_as):
    enquiry = open_enquiry(("POLICE", "HEALTH"))
    police_request, health_request = request_for(enquiry, "POLICE"), request_for(enquiry, "HEALTH")

    response = api_as(police).post(
        response_url(police_request), answer(police_request), format="json"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "responded" and body["outcome"] == "known"
    assert body["version"] == police_request.version + 1
    stored = InformationRequest.unscoped.get(pk=police_request.pk)
    assert stored.responded_by == police and stored.systems_searched == "Police national computer"
    assert SharingRecord.objects.filter(
        kind=DisclosureKind.AGENCY_RESPONSE, record_id=str(police_request.pk)
    ).exists()
    assert MashEnquiry.unscoped.get(pk=enquiry.pk).status == EnquiryStatus.OPEN

    api_as(health).post(
        response_url(health_request),
        {"outcome": "not_known", "systems_searched": "GP record", "expected_version": 1},
        format="json",
    )
    assert MashEnquiry.unscoped.get(pk=enquiry.pk).status == EnquiryStatus.READY  # the last

    detail = api_as(police).get(detail_url(police_request)).json()
    assert detail["response"]["summary"] == answer(police_request)["summary"]
    assert detail["response"]["responded_by"] == police.get_full_name()


def test_field_errors_are_400_in_drf_style(open_enquiry, police, api_as):
    request = request_for(open_enquiry(("POLICE",)), "POLICE")
    client = api_as(police)
    missing = client.post(response_url(request), {"summary": "x"}, format="json")
    assert missing.status_code == 400
    assert set(missing.json()) == {"outcome", "expected_version"}
    # The service's rule (what "known" needs) comes back on its field too.
    no_summary = client.post(response_url(request), answer(request, summary=""), format="json")
    assert no_summary.status_code == 400
    assert no_summary.json() == {
        "summary": ["Enter a summary of what your agency holds about the people named."]
    }
    assert InformationRequest.unscoped.get(pk=request.pk).status == "requested"


def test_a_stale_version_or_a_second_answer_is_409(open_enquiry, police, police2, api_as):
    request = request_for(open_enquiry(("POLICE",)), "POLICE")
    stale = api_as(police).post(
        response_url(request), answer(request, expected_version=7), format="json"
    )
    assert stale.status_code == 409 and stale.json()["code"] == "conflict"
    assert (
        api_as(police).post(response_url(request), answer(request), format="json").status_code
        == 201
    )
    again = api_as(police2).post(response_url(request), answer(request), format="json")
    assert again.status_code == 409
    assert "answered" in again.json()["detail"]


def test_another_agencys_request_cannot_be_answered(open_enquiry, health, api_as):
    request = request_for(open_enquiry(("POLICE",)), "POLICE")
    response = api_as(health).post(response_url(request), answer(request), format="json")
    assert response.status_code == 404
    assert InformationRequest.unscoped.get(pk=request.pk).status == "requested"


def test_a_retry_with_the_same_key_returns_the_first_answer(open_enquiry, police, api_as):
    request = request_for(open_enquiry(("POLICE",)), "POLICE")
    client = api_as(police)
    key = {"HTTP_IDEMPOTENCY_KEY": str(uuid.uuid4())}
    first = client.post(response_url(request), answer(request), format="json", **key)
    retry = client.post(response_url(request), answer(request), format="json", **key)
    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert retry["Idempotent-Replayed"] == "true"
    assert SharingRecord.objects.filter(kind=DisclosureKind.AGENCY_RESPONSE).count() == 1
    assert InformationRequest.unscoped.get(pk=request.pk).version == request.version + 1

    # Without the key, a second send is refused as already answered.
    assert client.post(response_url(request), answer(request), format="json").status_code == 409
    # The same key with another body is refused, and changes nothing.
    other = client.post(
        response_url(request), answer(request, summary="Other"), format="json", **key
    )
    assert other.status_code == 422 and other.json()["code"] == "idempotency_key_reused"
    assert IdempotencyKey.objects.count() == 1
    assert "Two domestic" not in str(IdempotencyKey.objects.get().response_body)


def test_a_failed_write_does_not_use_up_the_key(open_enquiry, police, api_as):
    request = request_for(open_enquiry(("POLICE",)), "POLICE")
    client = api_as(police)
    key = {"HTTP_IDEMPOTENCY_KEY": "retry-me"}
    bad = client.post(response_url(request), answer(request, summary=""), format="json", **key)
    assert bad.status_code == 400 and not IdempotencyKey.objects.exists()
    good = client.post(response_url(request), answer(request), format="json", **key)
    assert good.status_code == 201


def test_an_overlong_key_is_refused(open_enquiry, police, api_as):
    request = request_for(open_enquiry(("POLICE",)), "POLICE")
    response = api_as(police).post(
        response_url(request), answer(request), format="json", HTTP_IDEMPOTENCY_KEY="k" * 256
    )
    assert response.status_code == 400 and "Idempotency-Key" in response.json()


def test_requests_are_throttled_per_user(open_enquiry, police, api_as, settings):
    from rest_framework.settings import api_settings
    from rest_framework.throttling import UserRateThrottle

    assert api_settings.DEFAULT_THROTTLE_RATES["user"]
    UserRateThrottle.THROTTLE_RATES = {"user": "2/minute"}
    try:
        client = api_as(police)
        assert [client.get(LIST).status_code for _ in range(3)] == [200, 200, 429]
    finally:
        UserRateThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES
