"""Factories for the meetings tests: contacts, enquiries and requests written directly through
the ``unscoped`` managers (the other apps own their services), and meetings. Synthetic data
only (Faker en_GB)."""

from datetime import datetime, timedelta

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from openmash.contacts.models import Contact, ContactPerson, ContactStatus
from openmash.enquiries.models import (
    EnquiryStatus,
    InformationRequest,
    MashEnquiry,
    RequestStatus,
)
from openmash.meetings.models import Meeting
from openmash.meetings.services import meeting_types_ensure
from openmash.people.models import Person
from openmash.timescales.calendar import LONDON

factory.Faker._DEFAULT_LOCALE = "en_GB"


class UnscopedFactory(DjangoModelFactory):
    class Meta:
        abstract = True

    @classmethod
    def _get_manager(cls, model_class):
        return model_class.unscoped


class PersonFactory(UnscopedFactory):
    class Meta:
        model = Person

    forename = factory.Faker("first_name")
    surname = factory.Faker("last_name")
    date_of_birth = factory.Faker("date_of_birth", minimum_age=1, maximum_age=16)
    local_id = factory.Sequence(lambda n: f"MT{n:07d}")


class ContactFactory(UnscopedFactory):
    """A recorded contact (to screen), received three hours ago."""

    class Meta:
        model = Contact

    reference = factory.Sequence(lambda n: f"C26-8{n:05d}")
    status = ContactStatus.RECORDED
    channel = "phone"
    received_at = factory.LazyFunction(lambda: timezone.now() - timedelta(hours=3))
    clock_started_at = factory.SelfAttribute("received_at")
    decision_due_at = factory.LazyAttribute(lambda o: o.received_at + timedelta(days=1))
    referrer_name = factory.Faker("name")
    source = "2A"
    narrative = factory.Faker("paragraph", nb_sentences=3)
    consent_status = "given"
    rag = ""


class ChildFactory(UnscopedFactory):
    class Meta:
        model = ContactPerson

    contact = factory.SubFactory(ContactFactory)
    person = factory.SubFactory(PersonFactory)
    role = "subject_child"
    forename = factory.SelfAttribute("person.forename")
    surname = factory.SelfAttribute("person.surname")
    date_of_birth = factory.SelfAttribute("person.date_of_birth")


def contact_with_child(**fields) -> Contact:
    contact = ContactFactory(**fields)
    ChildFactory(contact=contact)
    return contact


class EnquiryFactory(UnscopedFactory):
    class Meta:
        model = MashEnquiry

    contact = factory.SubFactory(ContactFactory, status=ContactStatus.ENQUIRY, rag="amber")
    status = EnquiryStatus.READY
    opened_at = factory.LazyFunction(lambda: timezone.now() - timedelta(hours=2))
    responses_due_at = factory.LazyFunction(lambda: timezone.now() + timedelta(hours=2))
    ready_at = factory.LazyFunction(timezone.now)


class RequestFactory(UnscopedFactory):
    """An answered information request."""

    class Meta:
        model = InformationRequest

    enquiry = factory.SubFactory(EnquiryFactory)
    question = "What does your agency hold?"
    status = RequestStatus.RESPONDED
    requested_at = factory.LazyFunction(lambda: timezone.now() - timedelta(hours=2))
    requested_by = factory.SelfAttribute("enquiry.opened_by")
    due_at = factory.LazyFunction(lambda: timezone.now() + timedelta(hours=2))
    responded_at = factory.LazyFunction(timezone.now)
    outcome = "known"
    summary = factory.Faker("sentence")


def enquiry_on(contact, *, opened_by, agencies=(), status=EnquiryStatus.READY, **fields):
    """An enquiry on ``contact`` with a request to each of ``agencies`` (Agency objects):
    answered unless ``outstanding`` lists the agency codes still to answer."""
    outstanding = set(fields.pop("outstanding", ()))
    enquiry = EnquiryFactory(contact=contact, opened_by=opened_by, status=status, **fields)
    for agency in agencies:
        if agency.code in outstanding:
            RequestFactory(
                enquiry=enquiry,
                agency=agency,
                status=RequestStatus.REQUESTED,
                responded_at=None,
                outcome="",
                summary="",
            )
        else:
            RequestFactory(enquiry=enquiry, agency=agency)
    return enquiry


def meeting_at(code: str, moment: datetime, **fields) -> Meeting:
    """A meeting of type ``code`` starting at ``moment`` (an aware datetime)."""
    types = meeting_types_ensure()
    local = moment.astimezone(LONDON)
    return Meeting.objects.create(
        meeting_type=types[code], date=local.date(), starts_at=moment, **fields
    )
