"""The public referral form end to end with the test client: validation, nothing lost,
one transaction, double submit, CSRF and the rate limit."""

import re

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from openmash.contacts.codes import Channel, ReferralSource
from openmash.contacts.models import Contact, ContactPerson, ContactStatus

ABOUT_PROFESSIONAL = {
    "referrer_type": "school",
    "name": "Robin Teacher",
    "role": "Designated safeguarding lead",
    "organisation": "Hillside Primary",
    "email": "dsl@example.org",
    "phone": "",
    "relationship": "Class teacher",
}
CHILDREN = {
    "children-TOTAL_FORMS": "1",
    "children-INITIAL_FORMS": "1",
    "children-MIN_NUM_FORMS": "0",
    "children-MAX_NUM_FORMS": "12",
    "children-0-forename": "Kit",
    "children-0-surname": "Testchild",
    "children-0-date_of_birth_0": "4",
    "children-0-date_of_birth_1": "5",
    "children-0-date_of_birth_2": "2016",
    "children-0-address": "1 Example Street",
    "children-0-postcode": "me4 4tr",
}
CONCERNS = {
    "immediate_danger": "no",
    "concerns": ["neglect", "domestic_abuse"],
    "narrative": "Came to school hungry all week and talked about shouting at home.",
}
CONSENT = {"consent_status": "given", "consent_reason": ""}


def _fill(client, about=ABOUT_PROFESSIONAL, children=CHILDREN, concerns=CONCERNS):
    for url_name, data in (
        ("referral:about_you", about),
        ("referral:children", children),
        ("referral:concerns", concerns),
        ("referral:consent", CONSENT),
    ):
        response = client.post(reverse(url_name), data)
        assert response.status_code == 302, (url_name, response.content.decode()[:2000])
    check = client.get(reverse("referral:check"))
    assert check.status_code == 200
    return re.search(r'name="idempotency_key" value="([^"]+)"', check.content.decode())[1]


@pytest.mark.django_db
def test_professional_referral_end_to_end(client):
    assert client.get(reverse("referral:start")).status_code == 200
    key = _fill(client)
    response = client.post(reverse("referral:check"), {"idempotency_key": key})
    assert response.status_code == 302
    assert response["Location"] == reverse("referral:done")
    contact = Contact.unscoped.get()
    assert contact.status == ContactStatus.SUBMITTED
    assert contact.channel == Channel.PROFESSIONAL_PORTAL
    assert contact.source == ReferralSource.SCHOOLS
    assert contact.referrer_organisation == "Hillside Primary"
    assert contact.decision_due_at > contact.received_at
    assert not contact.immediate_risk
    child = ContactPerson.unscoped.get(contact=contact)
    assert (child.forename, child.postcode, str(child.date_of_birth)) == (
        "Kit",
        "ME4 4TR",
        "2016-05-04",
    )
    done = client.get(reverse("referral:done"))
    assert contact.reference in done.content.decode()
    assert contact.reference not in response["Location"]  # never in the address


@pytest.mark.django_db
def test_double_submit_creates_one_contact_and_the_same_confirmation(client):
    key = _fill(client)
    first = client.post(reverse("referral:check"), {"idempotency_key": key})
    second = client.post(reverse("referral:check"), {"idempotency_key": key})
    assert first.status_code == second.status_code == 302
    assert second["Location"] == reverse("referral:done")
    assert Contact.unscoped.count() == 1
    reference = Contact.unscoped.get().reference
    assert reference in client.get(reverse("referral:done")).content.decode()


@pytest.mark.django_db
def test_concurrent_double_submit_with_answers_still_in_session(client):
    """Two requests racing: both still carry the answers; the key makes one contact."""
    key = _fill(client)
    session_answers = dict(client.session["openmash.referral"])
    client.post(reverse("referral:check"), {"idempotency_key": key})
    session = client.session
    session["openmash.referral"] = session_answers
    session.pop("openmash.referral.done")
    session.save()
    client.post(reverse("referral:check"), {"idempotency_key": key})
    assert Contact.unscoped.count() == 1


@pytest.mark.django_db
def test_member_of_the_public_can_stay_anonymous_and_flag_danger(client):
    key = _fill(
        client,
        about={"referrer_type": "acquaintance", "name": "", "email": "", "phone": ""},
        concerns={**CONCERNS, "immediate_danger": "yes"},
    )
    check = client.get(reverse("referral:check")).content.decode()
    assert "call 999" in check
    client.post(reverse("referral:check"), {"idempotency_key": key})
    contact = Contact.unscoped.get()
    assert contact.channel == Channel.PUBLIC_PORTAL
    assert contact.source == ReferralSource.ANONYMOUS
    assert contact.immediate_risk
    assert "call 999" in client.get(reverse("referral:done")).content.decode()


@pytest.mark.django_db
def test_errors_are_summarised_and_nothing_typed_is_lost(client):
    response = client.post(
        reverse("referral:about_you"),
        {"referrer_type": "gp", "name": "Dr Example", "role": "", "organisation": ""},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in body and "<title>Error: " in body
    assert "Enter your role or job title" in body
    assert "Enter an email address or a phone number" in body
    assert 'value="Dr Example"' in body
    assert 'value="gp" checked' in body

    client.post(reverse("referral:about_you"), ABOUT_PROFESSIONAL)
    response = client.post(
        reverse("referral:children"),
        {
            **CHILDREN,
            "children-0-date_of_birth_1": "",
            "children-0-postcode": "ME4 XX9",
        },
    )
    body = response.content.decode()
    assert "The date of birth must include a month" in body
    assert "Enter a full UK postcode" in body
    assert 'value="Kit"' in body
    assert Contact.unscoped.count() == 0


@pytest.mark.django_db
def test_consent_reason_required_unless_the_family_agrees(client):
    client.post(reverse("referral:about_you"), ABOUT_PROFESSIONAL)
    client.post(reverse("referral:children"), CHILDREN)
    client.post(reverse("referral:concerns"), CONCERNS)
    response = client.post(reverse("referral:consent"), {"consent_status": "not_sought"})
    assert "Tell us why the family does not know" in response.content.decode()


@pytest.mark.django_db
def test_answers_are_shown_again_when_going_back(client):
    client.post(reverse("referral:about_you"), ABOUT_PROFESSIONAL)
    client.post(reverse("referral:children"), CHILDREN)
    body = client.get(reverse("referral:children")).content.decode()
    assert 'value="Kit"' in body and 'value="2016"' in body
    assert 'value="Hillside Primary"' in client.get(reverse("referral:about_you")).content.decode()


@pytest.mark.django_db
def test_add_another_child_keeps_what_was_typed(client):
    client.post(reverse("referral:about_you"), ABOUT_PROFESSIONAL)
    response = client.post(reverse("referral:children"), {**CHILDREN, "add_child": "1"})
    body = response.content.decode()
    assert "Child 2" in body and 'value="Kit"' in body
    assert "govuk-error-summary" not in body


@pytest.mark.django_db
def test_later_pages_send_you_back_to_unanswered_ones(client):
    assert client.get(reverse("referral:concerns"))["Location"] == reverse("referral:about_you")
    assert client.get(reverse("referral:check"))["Location"] == reverse("referral:about_you")
    assert client.get(reverse("referral:done"))["Location"] == reverse("referral:start")


@pytest.mark.django_db
def test_a_tampered_key_is_refused_without_losing_answers(client):
    _fill(client)
    response = client.post(reverse("referral:check"), {"idempotency_key": "short"})
    assert response.status_code == 200
    assert "has not been sent yet" in response.content.decode()
    assert Contact.unscoped.count() == 0


@pytest.mark.django_db
def test_csrf_is_enforced():
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("referral:about_you"), ABOUT_PROFESSIONAL)
    assert response.status_code == 403


@pytest.mark.django_db
def test_pages_are_not_cached(client):
    response = client.get(reverse("referral:about_you"))
    assert "no-store" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


@pytest.mark.django_db
@override_settings(REFERRAL_RATE_LIMITS={"page": (3, 600), "submit": (1, 3600)})
def test_rate_limit_per_client_address(client):
    for _ in range(3):
        assert client.post(reverse("referral:about_you"), {}).status_code == 200
    limited = client.post(reverse("referral:about_you"), {})
    assert limited.status_code == 429
    assert "too many attempts" in limited.content.decode()
    assert int(limited["Retry-After"]) > 0
    # Another address is not affected.
    other = Client(REMOTE_ADDR="203.0.113.9")
    assert other.post(reverse("referral:about_you"), {}).status_code == 200
    # Reading pages is never limited.
    assert client.get(reverse("referral:about_you")).status_code == 200
