"""Factories for contacts at the stages this app works on (synthetic data, Faker en_GB).

The contacts and enquiries apps own their models; these build rows directly through the
``unscoped`` managers so the decision tests do not depend on those apps' services.
"""

from datetime import timedelta

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from openmash.contacts.models import Contact, ContactConcern, ContactPerson, ContactStatus
from openmash.decisions.codes import Outcome
from openmash.decisions.models import Analysis, Decision
from openmash.enquiries.models import (
    EnquiryStatus,
    InformationRequest,
    MashEnquiry,
    RequestStatus,
    ResponseOutcome,
)
from openmash.people.models import Person

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
    local_id = factory.Sequence(lambda n: f"TP{n:07d}")


class ContactFactory(UnscopedFactory):
    """A recorded contact (to screen), received two hours ago, decision due tomorrow."""

    class Meta:
        model = Contact

    reference = factory.Sequence(lambda n: f"C26-9{n:05d}")
    status = ContactStatus.RECORDED
    channel = "phone"
    received_at = factory.LazyFunction(lambda: timezone.now() - timedelta(hours=2))
    clock_started_at = factory.SelfAttribute("received_at")
    decision_due_at = factory.LazyAttribute(lambda o: o.received_at + timedelta(days=1))
    referrer_name = factory.Faker("name")
    referrer_role = "Designated safeguarding lead"
    referrer_organisation = "Synthetic Primary School"
    referrer_email = factory.Faker("safe_email")
    source = "2A"
    narrative = factory.Faker("paragraph", nb_sentences=4)
    consent_status = "given"
    rag = "amber"
    threshold_level = "cin_cp"
    route = "mash_enquiry"
    screening_rationale = "Synthetic screening rationale."


class ContactPersonFactory(UnscopedFactory):
    class Meta:
        model = ContactPerson

    contact = factory.SubFactory(ContactFactory)
    person = factory.SubFactory(PersonFactory)
    role = "subject_child"
    forename = factory.SelfAttribute("person.forename")
    surname = factory.SelfAttribute("person.surname")
    date_of_birth = factory.SelfAttribute("person.date_of_birth")
    address = factory.Faker("street_address")
    postcode = factory.Faker("postcode")


class ContactConcernFactory(DjangoModelFactory):
    class Meta:
        model = ContactConcern

    contact = factory.SubFactory(ContactFactory)
    category = "neglect"
    detail = factory.Faker("sentence")


class MashEnquiryFactory(UnscopedFactory):
    class Meta:
        model = MashEnquiry

    contact = factory.SubFactory(ContactFactory, status=ContactStatus.ENQUIRY)
    status = EnquiryStatus.READY
    opened_at = factory.LazyFunction(lambda: timezone.now() - timedelta(hours=1))
    responses_due_at = factory.LazyFunction(lambda: timezone.now() + timedelta(hours=3))
    ready_at = factory.LazyFunction(timezone.now)
    immediate_risk = factory.SelfAttribute("contact.immediate_risk")


class InformationRequestFactory(UnscopedFactory):
    """A request that has been answered (known to the agency)."""

    class Meta:
        model = InformationRequest

    enquiry = factory.SubFactory(MashEnquiryFactory)
    question = "Is the family known to you? Any recent incidents?"
    status = RequestStatus.RESPONDED
    requested_at = factory.LazyFunction(lambda: timezone.now() - timedelta(hours=1))
    requested_by = factory.SelfAttribute("enquiry.opened_by")
    due_at = factory.LazyFunction(lambda: timezone.now() + timedelta(hours=3))
    responded_at = factory.LazyFunction(timezone.now)
    outcome = ResponseOutcome.KNOWN
    summary = factory.Faker("paragraph", nb_sentences=2)
    risk_factors = factory.Faker("sentence")
    protective_factors = factory.Faker("sentence")
    systems_searched = "Synthetic records system"


class AnalysisFactory(UnscopedFactory):
    class Meta:
        model = Analysis

    analysis = factory.Faker("paragraph", nb_sentences=3)
    recommendation = Outcome.STRATEGY_S47
    recommendation_rationale = factory.Faker("sentence")
    analysed_at = factory.LazyFunction(timezone.now)


class DecisionFactory(UnscopedFactory):
    class Meta:
        model = Decision

    outcome = Outcome.NFA
    rationale = factory.Faker("sentence")
    decided_at = factory.LazyFunction(timezone.now)
