"""The contact page costs the same number of queries whatever the size of the contact: one
child or ten children and adults, one concern or ten, one agency's answer or ten. (The queues'
counts at 5 and 60 rows are tested in each app: contacts, enquiries and decisions.)

Each contact is taken all the way through the pathway with the real services — screened to a
MASH enquiry, every agency answering, analysed and decided with a handover — so every panel of
the page (people, timeline, agency responses, analysis and decision) has rows to show, and
every person is linked to the person index, so the access log has an entry to write for each.
"""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from faker import Faker

from openmash.accounts.models import Agency, Team
from openmash.accounts.roles import Role
from openmash.contacts.codes import (
    Channel,
    Concern,
    ConsentStatus,
    PersonRole,
    ReferralSource,
    Route,
)
from openmash.contacts.models import Contact, ContactPerson
from openmash.contacts.services import PersonInput, Referrer, contact_create, contact_screen
from openmash.decisions.codes import Outcome
from openmash.decisions.services import analysis_record, contact_decide
from openmash.enquiries.models import InformationRequest
from openmash.enquiries.services import information_request_respond
from openmash.people.services import contact_person_link, person_create

pytestmark = pytest.mark.django_db

fake = Faker("en_GB")
Faker.seed(3)


@pytest.fixture
def pm(make_user):
    return make_user(Role.PRACTICE_MANAGER)


@pytest.fixture
def decided_contact(make_user, pm, agencies):
    """decided_contact(n) -> a contact with ``n`` people (a child, then adults), ``n`` concerns
    and ``n`` agencies' answers, analysed and decided (s47, handed to the Assessment team)."""
    rio = make_user(Role.REFERRAL_OFFICER)
    sw = make_user(Role.MASH_SOCIAL_WORKER)
    askable = list(
        Agency.objects.filter(
            receives_information_requests=True, is_childrens_social_care=False, active=True
        ).order_by("code")
    )
    responders = {a.pk: make_user(Role.PARTNER_PRACTITIONER, agency=a.code) for a in askable}

    def _make(n: int) -> Contact:
        assert n <= len(askable) and n <= len(Concern.values)
        surname = fake.last_name()
        people = [
            PersonInput(
                role=PersonRole.SUBJECT_CHILD if i == 0 else PersonRole.HOUSEHOLD_MEMBER,
                forename=fake.first_name(),
                surname=surname,
                date_of_birth=fake.date_of_birth(minimum_age=1 if i == 0 else 18, maximum_age=60),
                address=fake.street_address(),
                postcode="ME4 4TR",
            )
            for i in range(n)
        ]
        contact = contact_create(
            actor=rio,
            channel=Channel.PHONE,
            source=ReferralSource.SCHOOLS,
            narrative="Synthetic narrative for the query-count test.",
            consent_status=ConsentStatus.GIVEN,
            people=people,
            concerns=Concern.values[:n],
            referrer=Referrer(name=fake.name(), email="dsl@example.org"),
            received_at=timezone.now() - timedelta(hours=1),
        )
        for on_contact in ContactPerson.unscoped.filter(contact=contact):
            person = person_create(
                actor=rio,
                forename=on_contact.forename,
                surname=on_contact.surname,
                date_of_birth=on_contact.date_of_birth,
            )
            contact_person_link(on_contact, person, actor=rio)
        chosen = [a.pk for a in askable[:n]]
        contact_screen(
            contact,
            actor=pm,
            expected_version=contact.version,
            rag="amber",
            threshold_level="cin_cp",
            route=Route.MASH_ENQUIRY,
            rationale="Partner information needed.",
            agency_ids=chosen,
            questions={pk: "What do you hold?" for pk in chosen},
        )
        for request in InformationRequest.unscoped.filter(enquiry__contact=contact):
            information_request_respond(
                request,
                actor=responders[request.agency_id],
                expected_version=request.version,
                outcome="known",
                summary="Known to the agency.",
                systems_searched="Case records",
            )
        contact = Contact.unscoped.get(pk=contact.pk)
        analysis_record(
            contact,
            actor=sw,
            expected_version=contact.version,
            analysis="Synthetic analysis.",
            recommendation=Outcome.STRATEGY_S47,
        )
        contact = Contact.unscoped.get(pk=contact.pk)
        contact_decide(
            contact,
            actor=pm,
            outcome=Outcome.STRATEGY_S47,
            rationale="Synthetic rationale.",
            receiving_team=Team.objects.get(code="ASSESSMENT"),
            expected_version=contact.version,
        )
        return contact

    return _make


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("role", [Role.PRACTICE_MANAGER, Role.MASH_SOCIAL_WORKER])
def test_contact_page_costs_the_same_for_one_or_ten_people_concerns_and_answers(
    role, decided_contact, make_user, signed_in, django_assert_max_num_queries
):
    small, large = decided_contact(1), decided_contact(10)
    client = signed_in(make_user(role))
    small_url = reverse("contacts:detail", args=[small.pk])
    _queries(client, small_url)  # the first request of a session warms caches
    with_one = _queries(client, small_url)

    with django_assert_max_num_queries(with_one):
        response = client.get(reverse("contacts:detail", args=[large.pk]))
    body = response.content.decode()
    assert body.count("Known to the agency.") == 10, "every agency's answer is on the page"
    assert len(response.context["people"]) == 10 and len(response.context["concerns"]) == 10
    assert with_one <= 16  # 20 before the access log became one INSERT (ADR 0008)
