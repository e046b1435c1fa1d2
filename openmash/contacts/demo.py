"""Synthetic demo contacts in every state the contacts app owns, so each queue has work in it
the moment ``make run`` starts: online submissions to record, recorded contacts to screen —
some at immediate risk, some overdue, some due soon. Faker (en_GB) with a fixed seed; never
real people. Idempotent: each contact has a fixed idempotency key, and the loader stops if the
set is already there. Half the contacts have their children linked to person-index entries.
"""

import random
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from faker import Faker

from openmash.timescales.calendar import decision_due
from openmash.timescales.services import current_calendar

from .codes import (
    Channel,
    Concern,
    ConsentStatus,
    PersonRole,
    ReferrerType,
    referral_channel_and_source,
)
from .models import Contact, ContactPerson
from .services import PersonInput, Referrer, contact_create

KEY_PREFIX = "demo-contact-"
SEED = 20260309

#: (how many, kind) — kinds are explained in ``_received_at``.
PLAN = [
    (6, "submitted"),
    (2, "submitted_overdue"),
    (12, "recorded"),
    (5, "recorded_immediate_risk"),
    (6, "recorded_overdue"),
    (4, "recorded_due_soon"),
    (5, "recorded_recent"),
]

STAFF_CHANNELS = [
    Channel.PHONE,
    Channel.SECURE_EMAIL,
    Channel.POLICE_NOTIFICATION,
    Channel.OUT_OF_HOURS,
]

PROFESSIONAL_REFERRERS = [
    (ReferrerType.SCHOOL, "Designated safeguarding lead", "{} Primary School"),
    (ReferrerType.SCHOOL, "Head of year", "{} Academy"),
    (ReferrerType.HEALTH_VISITOR, "Health visitor", "{} Health Centre"),
    (ReferrerType.GP, "GP", "{} Surgery"),
    (ReferrerType.POLICE, "Police constable", "Kent Police"),
    (ReferrerType.HOSPITAL, "Paediatric liaison nurse", "Medway Maritime Hospital"),
    (ReferrerType.HOUSING, "Housing officer", "{} Housing Association"),
]

NARRATIVES = {
    Concern.NEGLECT: "The child has come to school hungry and in the same clothes all week; "
    "they said there is no food at home.",
    Concern.DOMESTIC_ABUSE: "Police attended the home overnight after neighbours heard "
    "shouting; the children were present during the incident.",
    Concern.PHYSICAL_ABUSE: "The child has a bruise on the upper arm and gave an account that "
    "does not fit the injury.",
    Concern.EMOTIONAL_ABUSE: "The child is withdrawn and says a parent calls them worthless "
    "and shuts them in their room.",
    Concern.PARENTAL_MENTAL_HEALTH: "The mother has told the health visitor she is struggling "
    "to cope and is not sleeping; the baby is three months old.",
    Concern.SUBSTANCE_MISUSE: "A parent appeared intoxicated when collecting the children "
    "from school.",
    Concern.MISSING: "The young person has been reported missing three times this month and "
    "returned with new clothes and a phone.",
    Concern.CCE: "The young person has been seen with older males and was found with a large "
    "amount of cash.",
    Concern.SELF_HARM: "The young person disclosed self-harm to a teacher and said they have "
    "no one to talk to at home.",
    Concern.HOUSING: "The family has been asked to leave their privately rented home and are "
    "staying with relatives in one room.",
}


def load_demo_contacts() -> str | None:
    """Create about 40 synthetic contacts (skipped if they already exist)."""
    from openmash.accounts.models import User

    if Contact.unscoped.filter(idempotency_key__startswith=KEY_PREFIX).exists():
        return "Demo contacts: already present."
    officer = User.objects.filter(username="rio").first()
    if officer is None:
        return "Demo contacts: skipped (the demo referral and information officer is missing)."
    fake = Faker("en_GB")
    fake.seed_instance(SEED)
    rng = random.Random(SEED)
    calendar = current_calendar()
    now = timezone.now()
    created = 0
    number = 0
    with transaction.atomic():
        for count, kind in PLAN:
            for _ in range(count):
                number += 1
                _create_one(fake, rng, calendar, now, officer, kind, number)
                created += 1
    return f"Demo contacts: {created} created (to record, to screen, at risk, overdue, due soon)."


def _create_one(fake, rng, calendar, now, officer, kind, number):
    concerns = rng.sample(sorted(NARRATIVES), k=rng.choice((1, 1, 2)))
    narrative = " ".join(NARRATIVES[c] for c in concerns)
    people = _family(fake, rng)
    immediate_risk = kind == "recorded_immediate_risk"
    consent = rng.choice((ConsentStatus.GIVEN, ConsentStatus.GIVEN, ConsentStatus.NOT_SOUGHT))
    consent_reason = (
        ""
        if consent == ConsentStatus.GIVEN
        else "Seeking consent could place the child at risk of significant harm."
    )
    received_at = _received_at(kind, rng, calendar, now)
    key = f"{KEY_PREFIX}{number:03d}"
    if kind.startswith("submitted"):
        referrer_type, role, organisation = rng.choice(PROFESSIONAL_REFERRERS)
        channel, source = referral_channel_and_source(referrer_type, True)
        contact = contact_create(
            actor=None,
            channel=channel,
            source=source,
            narrative=narrative,
            concerns=concerns,
            consent_status=consent,
            consent_reason=consent_reason,
            people=people,
            referrer=_referrer(fake, role, organisation),
            idempotency_key=key,
        )
        # The portal stamps "now"; demo submissions are backdated so the queue has history.
        Contact.unscoped.filter(pk=contact.pk).update(
            received_at=received_at,
            clock_started_at=calendar.next_working_instant(received_at),
            decision_due_at=decision_due(calendar, received_at),
        )
    else:
        referrer_type, role, organisation = rng.choice(PROFESSIONAL_REFERRERS)
        _, source = referral_channel_and_source(referrer_type, True)
        contact = contact_create(
            actor=officer,
            channel=rng.choice(STAFF_CHANNELS),
            source=source,
            received_at=received_at,
            narrative=narrative,
            concerns=concerns,
            consent_status=consent,
            consent_reason=consent_reason,
            immediate_risk=immediate_risk,
            people=people,
            referrer=_referrer(fake, role, organisation),
            idempotency_key=key,
        )
    if number % 2 == 0:
        _link_children(contact, number, officer)
    return contact


def _received_at(kind, rng, calendar, now):
    """Overdue: received 3–6 days ago, earlier still if the decision would not yet be due (a
    receipt on Friday evening is due on Tuesday). Due soon: the latest receipt time whose
    decision falls due within the next two hours (none at weekends). Others: within the last
    few working hours."""
    if kind.endswith("overdue"):
        moment = now - timedelta(days=rng.randint(3, 6), hours=rng.randint(0, 6))
        while decision_due(calendar, moment) > now - timedelta(hours=1):
            moment -= timedelta(days=1)
        return moment
    if kind == "recorded_due_soon":
        moment = now - timedelta(days=1)
        for _ in range(4 * 24 * 4):
            due = decision_due(calendar, moment)
            if now < due <= now + timedelta(hours=2):
                return moment - timedelta(minutes=rng.randint(0, 20))
            moment -= timedelta(minutes=15)
        return now - timedelta(hours=rng.randint(2, 6))
    return now - timedelta(minutes=rng.randint(10, 6 * 60))


def _referrer(fake, role, organisation) -> Referrer:
    return Referrer(
        name=fake.name(),
        role=role,
        organisation=organisation.format(fake.last_name()),
        email=f"{fake.user_name()}@example.org",
        phone=fake.phone_number(),
        relationship="Professional working with the family",
    )


def _family(fake, rng) -> list[PersonInput]:
    surname = fake.last_name()
    street, postcode = fake.street_address(), fake.postcode()
    today = timezone.localdate()
    children = []
    for _ in range(rng.choice((1, 1, 2, 3))):
        sex = rng.choice(("M", "F"))
        forename = fake.first_name_male() if sex == "M" else fake.first_name_female()
        children.append(
            PersonInput(
                role=PersonRole.SUBJECT_CHILD,
                forename=forename,
                surname=surname,
                date_of_birth=today - timedelta(days=rng.randint(200, 17 * 365)),
                sex=sex,
                address=street,
                postcode=postcode,
            )
        )
    mother = PersonInput(
        role=PersonRole.PARENT_CARER,
        forename=fake.first_name_female(),
        surname=surname,
        date_of_birth=today - timedelta(days=rng.randint(20 * 365, 45 * 365)),
        sex="F",
        address=street,
        postcode=postcode,
        relationship_to_child="Mother",
    )
    people = [*children, mother]
    if rng.random() < 0.5:
        people.append(
            PersonInput(
                role=PersonRole.HOUSEHOLD_MEMBER,
                forename=fake.first_name_male(),
                surname=fake.last_name(),
                sex="M",
                address=street,
                postcode=postcode,
                relationship_to_child="Mother's partner",
            )
        )
    return people


def _link_children(contact, number, officer) -> None:
    """Link the subject children to person-index entries (local IDs ``DEMO-C…``), through the
    people app's services, as a referral and information officer would after a search."""
    from openmash.people.identifiers import is_valid_postcode, normalise_postcode
    from openmash.people.models import Person
    from openmash.people.services import AddressInput, contact_person_link, person_create

    children = ContactPerson.unscoped.filter(
        contact=contact, role=PersonRole.SUBJECT_CHILD
    ).order_by("created_at", "pk")
    for index, row in enumerate(children):
        local_id = f"DEMO-C{number:03d}-{index + 1}"
        person = Person.unscoped.filter(local_id=local_id).first()
        if person is None:
            postcode = normalise_postcode(row.postcode)
            address = (
                AddressInput(line1=row.address, postcode=postcode)
                if row.address and is_valid_postcode(postcode)
                else None
            )
            person = person_create(
                actor=officer,
                forename=row.forename,
                surname=row.surname,
                date_of_birth=row.date_of_birth,
                sex=row.sex or "U",
                local_id=local_id,
                address=address,
            )
        contact_person_link(row, person, actor=officer)
