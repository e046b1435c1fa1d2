"""Consent pages: the banner wherever a contact is shown, recording a withdrawal, proposing an
override and the owning agency agreeing it, and who may see what."""

import pytest
from django.urls import reverse

from openmash.contacts.codes import ConsentStatus, PersonRole
from openmash.contacts.models import Contact, ContactPerson
from openmash.enquiries.models import InformationRequest
from openmash.governance.models import ConsentOverride, NotInformDecision, OverrideStatus
from openmash.governance.services_consent import (
    consent_override_agree,
    consent_override_propose,
    consent_record,
)

pytestmark = pytest.mark.django_db


def _withdraw(contact, staff):
    parent = ContactPerson.unscoped.get(contact=contact, role=PersonRole.PARENT_CARER)
    consent_record(
        contact,
        actor=staff["pm"],
        status=ConsentStatus.WITHDRAWN,
        contact_person=parent,
        reason="Withdrawn by phone.",
    )


def _propose(contact, staff, agencies, code="POLICE"):
    return consent_override_propose(
        contact,
        actor=staff["pm"],
        agency=agencies[code],
        ground="significant_harm",
        rationale="Risk of significant harm to the children: police information needed now.",
    )


def test_the_contact_page_shows_the_consent_position(staff, recorded_contact, signed_in):
    contact = recorded_contact()
    _withdraw(contact, staff)
    body = signed_in(staff["rio"]).get(reverse("contacts:detail", args=[contact.pk])).content
    body = body.decode()
    assert 'id="consent"' in body
    assert "Consent withdrawn" in body and "Withdrawn by phone." in body
    assert "No information requests can be sent" in body


def test_record_a_withdrawal_through_the_form(staff, recorded_contact, signed_in):
    contact = recorded_contact()
    client = signed_in(staff["pm"])
    url = reverse("governance:consent_record", args=[contact.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "The family as a whole" in page.content.decode()
    response = client.post(url, {"status": "withdrawn", "reason": "Father emailed the school."})
    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.consent_status == ConsentStatus.WITHDRAWN
    detail = client.get(response["Location"]).content.decode()
    assert "Father emailed the school." in detail


def test_a_form_error_is_summarised_and_what_was_typed_kept(staff, recorded_contact, signed_in):
    contact = recorded_contact()
    response = signed_in(staff["pm"]).post(
        reverse("governance:consent_record", args=[contact.pk]),
        {"status": "given", "told_purpose": "To keep the children safe."},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in body
    assert "Enter who they were told it may be shared with." in body
    assert "To keep the children safe." in body
    assert Contact.unscoped.get(pk=contact.pk).consent_status == ConsentStatus.GIVEN


def test_override_proposed_then_agreed_by_the_agency(
    staff, agencies, recorded_contact, signed_in, client
):
    contact = recorded_contact()
    _withdraw(contact, staff)
    pm = signed_in(staff["pm"])
    response = pm.post(
        reverse("governance:override_propose", args=[contact.pk]),
        {
            "agency": agencies["POLICE"].pk,
            "ground": "serious_crime",
            "rationale": "Needed to prevent serious crime against the children.",
        },
    )
    assert response.status_code == 302
    override = ConsentOverride.unscoped.get()
    assert override.status == OverrideStatus.PROPOSED

    client.logout()
    police = signed_in(staff["police"])
    queue = police.get(reverse("governance:override_queue")).content.decode()
    assert contact.reference in queue
    url = reverse("governance:override_detail", args=[override.pk])
    page = police.get(url).content.decode()
    assert "Needed to prevent serious crime" in page and "Your agency's answer" in page
    assert contact.narrative not in page  # only the reference, ground and rationale
    response = police.post(
        url, {"action": "decide", "decision": "agree", "note": "", "version": override.version}
    )
    assert response.status_code == 302
    override.refresh_from_db()
    assert override.status == OverrideStatus.AGREED and override.decided_by == staff["police"]

    client.logout()
    body = signed_in(staff["pm"]).get(reverse("contacts:detail", args=[contact.pk]))
    body = body.content.decode()
    assert "Consent override – " in body and "Needed to prevent serious crime" in body
    assert "agreed by" in body


def test_declining_needs_a_reason(staff, agencies, recorded_contact, signed_in):
    contact = recorded_contact()
    _withdraw(contact, staff)
    override = _propose(contact, staff, agencies)
    response = signed_in(staff["police"]).post(
        reverse("governance:override_detail", args=[override.pk]),
        {"action": "decide", "decision": "decline", "note": "", "version": override.version},
    )
    assert response.status_code == 200
    assert "Enter why your agency does not agree" in response.content.decode()
    assert ConsentOverride.unscoped.get().status == OverrideStatus.PROPOSED


def test_another_agency_cannot_see_or_answer_the_override(
    staff, agencies, recorded_contact, signed_in
):
    contact = recorded_contact()
    _withdraw(contact, staff)
    override = _propose(contact, staff, agencies, "POLICE")
    health = signed_in(staff["health"])
    assert health.get(reverse("governance:override_detail", args=[override.pk])).status_code == 404
    response = health.post(
        reverse("governance:override_detail", args=[override.pk]),
        {"action": "decide", "decision": "agree", "version": override.version},
    )
    assert response.status_code == 404
    assert (
        contact.reference not in health.get(reverse("governance:override_queue")).content.decode()
    )


def test_a_stale_answer_is_a_conflict(staff, agencies, recorded_contact, signed_in):
    contact = recorded_contact()
    _withdraw(contact, staff)
    override = _propose(contact, staff, agencies)
    seen = override.version
    consent_override_agree(override, actor=staff["police2"], expected_version=seen)
    response = signed_in(staff["police"]).post(
        reverse("governance:override_detail", args=[override.pk]),
        {"action": "decide", "decision": "decline", "note": "No.", "version": seen},
    )
    assert response.status_code == 404  # no longer open for an answer: nothing to do


def test_the_partners_request_page_shows_consent_and_do_not_inform(
    staff, agencies, recorded_contact, open_enquiry, signed_in
):
    contact = recorded_contact(consent_status=ConsentStatus.NOT_SOUGHT, consent_reason="Risk.")
    enquiry = open_enquiry(contact, codes=("POLICE",))
    pm = signed_in(staff["pm"])
    response = pm.post(
        reverse("governance:not_inform", args=[contact.pk]),
        {"ground": "prejudice_crime", "rationale": "The partner is the suspect."},
    )
    assert response.status_code == 302
    assert NotInformDecision.unscoped.count() == 1
    request = InformationRequest.unscoped.get(enquiry=enquiry)
    pm.logout()
    body = signed_in(staff["police"]).get(reverse("enquiries:request_detail", args=[request.pk]))
    body = body.content.decode()
    assert "Consent not sought" in body
    assert "Do not tell the child or family" in body
    assert "The partner is the suspect." not in body  # the rationale stays with the MASH


def test_consent_pages_are_for_childrens_social_care(staff, recorded_contact, signed_in):
    contact = recorded_contact()
    police = signed_in(staff["police"])
    assert police.get(reverse("governance:consent_detail", args=[contact.pk])).status_code == 403
    assert police.get(reverse("governance:consent_record", args=[contact.pk])).status_code == 403
    sw = signed_in(staff["sw"])
    assert sw.get(reverse("governance:override_propose", args=[contact.pk])).status_code == 403
    assert sw.get(reverse("governance:consent_detail", args=[contact.pk])).status_code == 200


def test_the_dpo_reads_consent_and_overrides_without_acting(
    staff, agencies, recorded_contact, signed_in
):
    from openmash.audit.models import AuditEntry
    from openmash.audit.services import seal_pending

    contact = recorded_contact()
    _withdraw(contact, staff)
    override = _propose(contact, staff, agencies)
    people = set(
        ContactPerson.unscoped.filter(contact=contact, person__isnull=False).values_list(
            "person_id", flat=True
        )
    )
    assert people
    dpo = signed_in(staff["dpo"])

    page = dpo.get(reverse("governance:consent_detail", args=[contact.pk]))
    assert page.status_code == 200
    body = page.content.decode()
    assert "Withdrawn by phone." in body and "police information needed now" in body
    assert reverse("governance:dashboard") in body  # back to the dashboard, not the contact
    assert reverse("contacts:detail", args=[contact.pk]) not in body
    assert contact.narrative not in body
    seal_pending()  # views are staged until sealed (ADR 0008)
    viewed = AuditEntry.objects.filter(
        actor=staff["dpo"], channel="governance:consent_detail", kind="access"
    )
    assert {str(e.person_id) for e in viewed} == {str(p) for p in people}

    url = reverse("governance:override_detail", args=[override.pk])
    body = dpo.get(url).content.decode()
    assert "Risk of significant harm" in body
    assert "Your agency's answer" not in body and "Withdraw the proposal" not in body
    assert reverse("governance:consent_detail", args=[contact.pk]) in body
    seal_pending()  # views are staged until sealed (ADR 0008)
    assert AuditEntry.objects.filter(actor=staff["dpo"], channel="governance:override_detail")

    # Read-only: neither agreeing nor withdrawing, nor recording consent or an override.
    answer = {"action": "decide", "decision": "agree", "note": "", "version": override.version}
    assert dpo.post(url, answer).status_code == 404
    cancel = {"action": "cancel", "note": "No.", "version": override.version}
    assert dpo.post(url, cancel).status_code == 404
    override.refresh_from_db()
    assert override.status == OverrideStatus.PROPOSED
    for name in ("consent_record", "override_propose", "not_inform"):
        assert dpo.get(reverse(f"governance:{name}", args=[contact.pk])).status_code == 403
    assert dpo.get(reverse("contacts:detail", args=[contact.pk])).status_code == 403


def test_the_dpo_dashboard_links_an_agreed_override(staff, agencies, recorded_contact, signed_in):
    contact = recorded_contact()
    _withdraw(contact, staff)
    override = _propose(contact, staff, agencies)
    consent_override_agree(override, actor=staff["police"], expected_version=override.version)
    body = signed_in(staff["dpo"]).get(reverse("governance:dashboard")).content.decode()
    assert reverse("governance:override_detail", args=[override.pk]) in body
    assert reverse("governance:consent_detail", args=[contact.pk]) in body
