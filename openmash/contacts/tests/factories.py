"""Factories for contacts, one per state. Synthetic data only (Faker en_GB)."""

from datetime import timedelta

import factory
from django.utils import timezone
from faker import Faker

from openmash.contacts.codes import Channel, ConsentStatus, PersonRole, Rag, ReferralSource
from openmash.contacts.models import Contact, ContactConcern, ContactPerson, ContactStatus
from openmash.timescales.services import contact_decision_due, next_working_instant

fake = Faker("en_GB")


class UnscopedFactory(factory.django.DjangoModelFactory):
    """Case-data models answer nothing through ``objects`` (fail closed): write unscoped."""

    class Meta:
        abstract = True

    @classmethod
    def _get_manager(cls, model_class):
        return model_class.unscoped


class ContactFactory(UnscopedFactory):
    """A recorded contact (to screen), received an hour ago."""

    class Meta:
        model = Contact

    reference = factory.Sequence(lambda n: f"T{n:08d}")
    status = ContactStatus.RECORDED
    channel = Channel.PHONE
    received_at = factory.LazyFunction(lambda: timezone.now() - timedelta(hours=1))
    clock_started_at = factory.LazyAttribute(lambda o: next_working_instant(o.received_at))
    decision_due_at = factory.LazyAttribute(lambda o: contact_decision_due(o.received_at))
    referrer_name = factory.LazyFunction(fake.name)
    referrer_role = "Designated safeguarding lead"
    referrer_organisation = factory.LazyFunction(lambda: f"{fake.last_name()} Primary School")
    source = ReferralSource.SCHOOLS
    narrative = factory.LazyFunction(lambda: fake.paragraph(nb_sentences=4))
    consent_status = ConsentStatus.GIVEN
    recorded_at = factory.LazyAttribute(lambda o: o.received_at + timedelta(minutes=10))


class SubmittedContactFactory(ContactFactory):
    status = ContactStatus.SUBMITTED
    channel = Channel.PROFESSIONAL_PORTAL
    recorded_at = None


class RedContactFactory(ContactFactory):
    immediate_risk = True


class ScreenedContactFactory(ContactFactory):
    """Screened to a MASH enquiry (the enquiry itself belongs to the enquiries factories)."""

    status = ContactStatus.ENQUIRY
    rag = Rag.AMBER
    threshold_level = "cin_cp"
    route = "mash_enquiry"
    screening_rationale = "Partner information is needed to understand the risk."
    screened_at = factory.LazyFunction(timezone.now)


class ContactPersonFactory(UnscopedFactory):
    class Meta:
        model = ContactPerson

    contact = factory.SubFactory(ContactFactory)
    role = PersonRole.SUBJECT_CHILD
    forename = factory.LazyFunction(fake.first_name)
    surname = factory.LazyFunction(fake.last_name)
    date_of_birth = factory.LazyFunction(lambda: fake.date_of_birth(minimum_age=1, maximum_age=16))
    sex = "U"
    address = factory.LazyFunction(lambda: fake.street_address())
    postcode = "ME4 4TR"


class ContactConcernFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ContactConcern

    contact = factory.SubFactory(ContactFactory)
    category = "neglect"


def contact_with_child(factory_class=ContactFactory, **kwargs) -> Contact:
    """A contact of the given state with one subject child and a concern."""
    contact = factory_class(**kwargs)
    ContactPersonFactory(contact=contact)
    ContactConcernFactory(contact=contact)
    return contact
