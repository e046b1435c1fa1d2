"""UK GDPR Art 18: a restriction of processing is shown wherever the person is named — the
person page, the contact page and the MASH enquiry page (the decision pages: decisions tests)."""

import pytest
from django.urls import reverse
from django.utils import timezone

from openmash.contacts.models import ContactPerson
from openmash.governance.services_rights import restriction_apply, rights_request_register

pytestmark = pytest.mark.django_db

BANNER = "data is restricted (since "


@pytest.fixture
def restricted_contact(staff, recorded_contact, open_enquiry):
    """A contact in MASH enquiry whose child had processing restricted by the DPO after a
    restriction request (through the rights services)."""
    contact = recorded_contact()
    open_enquiry(contact)
    child = ContactPerson.unscoped.filter(contact=contact, person__isnull=False).first().person
    rights_request = rights_request_register(
        actor=staff["dpo"],
        kind="restriction",
        requester_name="Synthetic Requester",
        requester_relationship="the person's parent",
        received_on=timezone.localdate(),
        description="Contests the address held.",
        person=child,
    )
    restriction = restriction_apply(rights_request, actor=staff["dpo"], ground="accuracy")
    return contact, restriction


def test_the_banner_names_the_restriction_on_every_page(staff, restricted_contact, signed_in):
    contact, restriction = restricted_contact
    enquiry = contact.enquiry
    client = signed_in(staff["pm"])
    pages = {
        "person": reverse("people:person_detail", args=[restriction.person_id]),
        "contact": reverse("contacts:detail", args=[contact.pk]),
        "enquiry": reverse("enquiries:enquiry_detail", args=[enquiry.pk]),
    }
    for name, url in pages.items():
        body = client.get(url).content.decode()
        assert BANNER in body, name
        assert restriction.rights_request.reference in body, name
        assert f"{timezone.localtime(restriction.started_at):%-d %B %Y}" in body, name
    person_page = client.get(pages["person"]).content.decode()
    assert "Processing of this person's data is restricted" in person_page


def test_no_banner_once_lifted(staff, restricted_contact, signed_in):
    contact, restriction = restricted_contact
    restriction.lifted_at = timezone.now()
    restriction.lifted_by = staff["dpo"]
    restriction.save(update_fields=["lifted_at", "lifted_by"])
    body = signed_in(staff["pm"]).get(reverse("contacts:detail", args=[contact.pk]))
    assert BANNER not in body.content.decode()
