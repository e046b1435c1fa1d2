"""Synthetic people for tests, created through the services so the match keys are real.
Faker en_GB only; NHS numbers from the range reserved for testing."""

import random
from datetime import timedelta

from django.utils import timezone
from faker import Faker

from openmash.contacts.codes import Channel, ConsentStatus, PersonRole, ReferralSource
from openmash.contacts.models import Contact, ContactPerson
from openmash.people.services import AddressInput, person_create

fake = Faker("en_GB")
_rng = random.Random(4321)


def make_person(**overrides):
    """A person with a random synthetic name and date of birth unless given."""
    details = {
        "forename": fake.first_name(),
        "surname": fake.last_name(),
        "date_of_birth": timezone.localdate() - timedelta(days=_rng.randint(300, 6000)),
    }
    details.update(overrides)
    postcode = details.pop("postcode", None)
    if postcode is not None and "address" not in details:
        details["address"] = AddressInput(line1=fake.street_address(), postcode=postcode)
    return person_create(actor=details.pop("actor", None), **details)


_contact_counter = {"n": 0}


def make_contact(**overrides) -> Contact:
    _contact_counter["n"] += 1
    now = timezone.now()
    fields = {
        "reference": f"T{_contact_counter['n']:06d}-{_rng.randrange(10**6):06d}",
        "channel": Channel.values[0],
        "received_at": now,
        "clock_started_at": now,
        "decision_due_at": now + timedelta(days=1),
        "source": ReferralSource.values[0],
        "narrative": "Synthetic concern for a test.",
        "consent_status": ConsentStatus.values[0],
    }
    fields.update(overrides)
    return Contact.unscoped.create(**fields)


def make_contact_person(contact=None, **overrides) -> ContactPerson:
    fields = {
        "contact": contact or make_contact(),
        "role": PersonRole.SUBJECT_CHILD,
        "forename": fake.first_name(),
        "surname": fake.last_name(),
        "date_of_birth": timezone.localdate() - timedelta(days=_rng.randint(300, 6000)),
    }
    fields.update(overrides)
    return ContactPerson.unscoped.create(**fields)
