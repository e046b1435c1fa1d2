"""UK GDPR Art 18: no information requests about a person whose processing is restricted."""

import pytest
from django.utils import timezone

from openmash.contacts.models import ContactPerson, ContactStatus
from openmash.core.errors import DomainError
from openmash.enquiries.models import MashEnquiry
from openmash.governance.models import ProcessingRestriction, ProcessingRestrictionGround

from .factories import RecordedContactFactory

pytestmark = pytest.mark.django_db


def _restrict(person, by, lifted=False):
    return ProcessingRestriction.unscoped.create(
        person=person,
        ground=ProcessingRestrictionGround.values[0],
        started_at=timezone.now(),
        started_by=by,
        lifted_at=timezone.now() if lifted else None,
        lifted_by=by if lifted else None,
    )


def _child(contact):
    return ContactPerson.unscoped.filter(contact=contact, person__isnull=False).first().person


def test_requests_are_refused_while_processing_is_restricted(open_enquiry, pm):
    contact = RecordedContactFactory()
    _restrict(_child(contact), pm)
    with pytest.raises(DomainError, match="restricted"):
        open_enquiry(contact=contact)
    contact.refresh_from_db()
    assert contact.status == ContactStatus.RECORDED
    assert not MashEnquiry.unscoped.exists()


def test_requests_go_once_the_restriction_is_lifted(open_enquiry, pm):
    contact = RecordedContactFactory()
    _restrict(_child(contact), pm, lifted=True)
    assert open_enquiry(contact=contact).status == "open"
