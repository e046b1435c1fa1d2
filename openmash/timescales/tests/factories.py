"""Rows for the deadline tests (and the reporting app's), built directly through the
``unscoped`` managers with exact times, so a test can say "received Monday 10:00" and know the
deadline. Synthetic data only (Faker en_GB)."""

from datetime import datetime

import factory
from factory.django import DjangoModelFactory

from openmash.contacts.models import Contact, ContactStatus
from openmash.enquiries.models import EnquiryStatus, InformationRequest, MashEnquiry, RequestStatus
from openmash.timescales.calendar import default_calendar

CALENDAR = default_calendar()


class UnscopedFactory(DjangoModelFactory):
    class Meta:
        abstract = True

    @classmethod
    def _get_manager(cls, model_class):
        return model_class.unscoped


class ContactFactory(UnscopedFactory):
    """A recorded contact; pass ``received_at`` and the clock and deadline follow from the
    working calendar, as the contacts app sets them."""

    class Meta:
        model = Contact

    reference = factory.Sequence(lambda n: f"C26-7{n:05d}")
    status = ContactStatus.RECORDED
    channel = "phone"
    received_at: datetime = factory.Faker("past_datetime", tzinfo=CALENDAR.time_zone)
    clock_started_at = factory.LazyAttribute(lambda o: CALENDAR.next_working_instant(o.received_at))
    decision_due_at = factory.LazyAttribute(lambda o: CALENDAR.add_working_days(o.received_at, 1))
    referrer_name = factory.Faker("name", locale="en_GB")
    source = "2A"
    narrative = factory.Faker("paragraph", nb_sentences=3, locale="en_GB")
    consent_status = "given"
    rag = "amber"


class MashEnquiryFactory(UnscopedFactory):
    class Meta:
        model = MashEnquiry

    contact = factory.SubFactory(ContactFactory, status=ContactStatus.ENQUIRY)
    status = EnquiryStatus.OPEN
    opened_at = factory.SelfAttribute("contact.received_at")
    responses_due_at = factory.LazyAttribute(lambda o: CALENDAR.add_working_hours(o.opened_at, 4))
    immediate_risk = factory.SelfAttribute("contact.immediate_risk")


class InformationRequestFactory(UnscopedFactory):
    """An outstanding request made when its enquiry was opened; Red timescale by default."""

    class Meta:
        model = InformationRequest

    enquiry = factory.SubFactory(MashEnquiryFactory)
    question = "Is the family known to you? Any recent incidents?"
    status = RequestStatus.REQUESTED
    requested_at = factory.SelfAttribute("enquiry.opened_at")
    requested_by = factory.SelfAttribute("enquiry.opened_by")
    due_at = factory.LazyAttribute(lambda o: CALENDAR.add_working_hours(o.requested_at, 4))
