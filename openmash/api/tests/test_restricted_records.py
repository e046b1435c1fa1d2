"""Restricted records through the API: the same rule as the request page (a name on the
restriction or a break-glass reason given in the browser), answered as 403 without details."""

import pytest

from openmash.contacts.codes import PersonRole
from openmash.contacts.models import ContactPerson
from openmash.enquiries.models import InformationRequest
from openmash.enquiries.tests.factories import request_for
from openmash.governance.codes import DisclosureKind
from openmash.governance.models import SharingRecord

from .test_information_requests import answer, detail_url, response_url

pytestmark = pytest.mark.django_db


def test_a_restricted_person_needs_a_reason_given_in_the_browser(open_enquiry, police, pm, api_as):
    from openmash.governance.services_restricted import person_restrict

    enquiry = open_enquiry(("POLICE",))
    child = ContactPerson.unscoped.get(contact=enquiry.contact, role=PersonRole.SUBJECT_CHILD)
    person_restrict(child.person, actor=pm, reason="Staff member's child")
    request = request_for(enquiry, "POLICE")
    client = api_as(police)

    response = client.get(detail_url(request))
    assert response.status_code == 403
    assert response.json()["code"] == "restricted_record"
    assert child.surname not in response.content.decode()
    assert not SharingRecord.objects.filter(kind=DisclosureKind.API_READ).exists()
    assert client.post(response_url(request), answer(request), format="json").status_code == 403
    assert InformationRequest.unscoped.get(pk=request.pk).status == "requested"
