"""Factories for enquiries tests: recorded contacts with synthetic (Faker en_GB) people, and
enquiries opened through the real service."""

import datetime as dt

import factory
from django.utils import timezone
from faker import Faker

from openmash.contacts.codes import Channel, ConsentStatus, PersonRole, ReferralSource
from openmash.contacts.models import Contact, ContactPerson, ContactStatus
from openmash.contacts.transitions import next_reference
from openmash.enquiries.models import InformationRequest
from openmash.people.models import Person
from openmash.timescales.services import contact_decision_due, next_working_instant

fake = Faker("en_GB")

NARRATIVE_MARKER = "Narrative-only detail: the neighbour heard shouting through the wall"


class _UnscopedFactory(factory.django.DjangoModelFactory):
    """Case-data models are fail closed; tests create rows through ``unscoped``."""

    class Meta:
        abstract = True

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return model_class.unscoped.create(*args, **kwargs)


class PersonFactory(_UnscopedFactory):
    class Meta:
        model = Person

    forename = factory.Faker("first_name", locale="en_GB")
    surname = factory.Faker("last_name", locale="en_GB")
    date_of_birth = factory.Faker("date_of_birth", minimum_age=1, maximum_age=15)
    local_id = factory.Sequence(lambda n: f"P{n:07d}")


class RecordedContactFactory(_UnscopedFactory):
    """A contact recorded by a referral and information officer, waiting to be screened."""

    class Meta:
        model = Contact
        skip_postgeneration_save = True

    reference = factory.LazyFunction(next_reference)
    status = ContactStatus.RECORDED
    channel = Channel.PHONE
    received_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(minutes=30))
    clock_started_at = factory.LazyAttribute(lambda o: next_working_instant(o.received_at))
    decision_due_at = factory.LazyAttribute(lambda o: contact_decision_due(o.received_at))
    referrer_name = factory.Faker("name", locale="en_GB")
    source = ReferralSource.SCHOOLS
    narrative = NARRATIVE_MARKER
    consent_status = ConsentStatus.GIVEN
    recorded_at = factory.LazyAttribute(lambda o: o.received_at)
    rag = ""

    @factory.post_generation
    def people(self, create, extracted, **kwargs):
        """A child linked to the person index and a parent, unless ``people=[]``."""
        if not create or extracted == []:
            return
        child = PersonFactory()
        ContactPerson.unscoped.create(
            contact=self,
            person=child,
            role=PersonRole.SUBJECT_CHILD,
            forename=child.forename,
            surname=child.surname,
            date_of_birth=child.date_of_birth,
            address=fake.street_address(),
            postcode=fake.postcode(),
        )
        ContactPerson.unscoped.create(
            contact=self,
            role=PersonRole.PARENT_CARER,
            forename=fake.first_name(),
            surname=child.surname,
            date_of_birth=fake.date_of_birth(minimum_age=20, maximum_age=45),
            relationship_to_child="Mother",
        )


def request_for(enquiry, agency_code: str) -> InformationRequest:
    return InformationRequest.unscoped.get(enquiry=enquiry, agency__code=agency_code)
