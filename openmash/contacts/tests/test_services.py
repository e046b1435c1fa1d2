"""Intake, recording and screening rules (contacts.services)."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from openmash.audit.models import AuditEntry
from openmash.contacts import services
from openmash.contacts.codes import Channel, ConsentStatus, PersonRole, ReferralSource
from openmash.contacts.models import Contact, ContactConcern, ContactPerson, ContactStatus
from openmash.contacts.services import ContactInvalid, PersonInput, Referrer
from openmash.core.errors import ConflictError, NotPermitted, TransitionNotAllowed
from openmash.timescales.services import contact_decision_due, next_working_instant

from .factories import ContactPersonFactory, SubmittedContactFactory, contact_with_child

CHILD = PersonInput(
    role=PersonRole.SUBJECT_CHILD,
    forename="Ada",
    surname="Testchild",
    date_of_birth=date(2016, 5, 4),
    postcode="ME4 4TR",
)


def _create(actor, **overrides):
    kwargs = {
        "actor": actor,
        "channel": Channel.PHONE,
        "received_at": timezone.now() - timedelta(hours=2),
        "source": ReferralSource.SCHOOLS,
        "narrative": "The child said there was no food at home.",
        "concerns": ["neglect"],
        "consent_status": ConsentStatus.GIVEN,
        "people": [CHILD],
        "referrer": Referrer(name="Sam Referrer", organisation="A School"),
    }
    kwargs.update(overrides)
    return services.contact_create(**kwargs)


@pytest.fixture
def officer(make_user):
    return make_user("referral_officer")


@pytest.fixture
def manager(make_user):
    return make_user("practice_manager")


# -- contact_create ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_create_stores_deadlines_people_and_concerns(officer):
    received = timezone.now() - timedelta(hours=3)
    contact = _create(
        officer,
        received_at=received,
        concerns=["neglect", "domestic_abuse"],
        people=[
            CHILD,
            PersonInput(role=PersonRole.PARENT_CARER, forename="Bea", surname="Testparent"),
        ],
    )
    contact.refresh_from_db()
    assert contact.status == ContactStatus.RECORDED
    assert contact.received_at == received
    assert contact.clock_started_at == next_working_instant(received)
    assert contact.decision_due_at == contact_decision_due(received)
    assert contact.recorded_by == officer and contact.recorded_at is not None
    assert contact.referrer_name == "Sam Referrer"
    assert sorted(
        ContactConcern.objects.filter(contact=contact).values_list("category", flat=True)
    ) == [
        "domestic_abuse",
        "neglect",
    ]
    roles = sorted(ContactPerson.unscoped.filter(contact=contact).values_list("role", flat=True))
    assert roles == [PersonRole.PARENT_CARER, PersonRole.SUBJECT_CHILD]


@pytest.mark.django_db
def test_references_are_unique_and_human_readable(officer):
    references = {_create(officer).reference for _ in range(5)}
    assert len(references) == 5
    year = timezone.now().year % 100
    assert all(r.startswith(f"C{year:02d}-") and len(r) == 10 for r in references)


@pytest.mark.django_db
def test_portal_submission_is_received_now_and_waits_to_be_recorded():
    before = timezone.now()
    contact = _create(None, channel=Channel.PUBLIC_PORTAL, received_at=None)
    assert contact.status == ContactStatus.SUBMITTED
    assert contact.received_at >= before
    assert contact.recorded_at is None


@pytest.mark.django_db
def test_idempotency_key_returns_the_first_contact(officer):
    first = _create(None, channel=Channel.PUBLIC_PORTAL, idempotency_key="k" * 40)
    second = _create(None, channel=Channel.PUBLIC_PORTAL, idempotency_key="k" * 40)
    assert second.pk == first.pk
    assert Contact.unscoped.count() == 1
    assert ContactPerson.unscoped.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"received_at": timezone.now() + timedelta(hours=1)}, "received_at"),
        ({"received_at": None}, "received_at"),
        ({"narrative": "   "}, "narrative"),
        ({"consent_status": ConsentStatus.REFUSED, "consent_reason": ""}, "consent_reason"),
        (
            {"people": [PersonInput(role=PersonRole.PARENT_CARER, forename="A", surname="B")]},
            "people",
        ),
        ({"source": "ZZ"}, "source"),
        ({"concerns": ["not-a-concern"]}, "concerns"),
    ],
)
def test_create_refuses_invalid_intake(officer, overrides, field):
    with pytest.raises(ContactInvalid) as exc:
        _create(officer, **overrides)
    assert exc.value.field == field
    assert Contact.unscoped.count() == 0


@pytest.mark.django_db
def test_staff_channels_need_the_record_capability(make_user):
    with pytest.raises(NotPermitted):
        _create(make_user("mash_social_worker"))
    with pytest.raises(NotPermitted):
        _create(None)


# -- contact_record ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_record_completes_a_submission_and_keeps_person_links(officer):
    contact = SubmittedContactFactory()
    child = ContactPersonFactory(contact=contact, forename="Old")
    received = contact.received_at
    services.contact_record(
        contact,
        actor=officer,
        expected_version=contact.version,
        source=ReferralSource.GP,
        narrative="Corrected narrative.",
        concerns=["physical_abuse"],
        consent_status=ConsentStatus.NOT_SOUGHT,
        consent_reason="Would place the child at risk.",
        people=[
            PersonInput(id=child.pk, role=PersonRole.SUBJECT_CHILD, forename="New", surname="Kid"),
            PersonInput(role=PersonRole.PARENT_CARER, forename="Pat", surname="Kid"),
        ],
    )
    contact.refresh_from_db()
    assert contact.status == ContactStatus.RECORDED
    assert contact.version == 2
    assert contact.recorded_by == officer
    assert contact.received_at == received  # the clock started when the referrer sent it
    assert contact.source == ReferralSource.GP
    child.refresh_from_db()
    assert child.forename == "New"
    assert ContactPerson.unscoped.filter(contact=contact).count() == 2
    assert list(
        ContactConcern.objects.filter(contact=contact).values_list("category", flat=True)
    ) == ["physical_abuse"]
    assert AuditEntry.objects.filter(
        target_id=str(contact.pk), verb=AuditEntry.Verb.TRANSITIONED
    ).exists()


@pytest.mark.django_db
def test_record_twice_with_the_same_version_conflicts(officer):
    contact = contact_with_child(SubmittedContactFactory)
    child = ContactPerson.unscoped.get(contact=contact)
    kwargs = {
        "actor": officer,
        "expected_version": 1,
        "source": ReferralSource.SCHOOLS,
        "narrative": "n",
        "consent_status": ConsentStatus.GIVEN,
        "people": [
            PersonInput(id=child.pk, role=PersonRole.SUBJECT_CHILD, forename="A", surname="B")
        ],
    }
    services.contact_record(Contact.unscoped.get(pk=contact.pk), **kwargs)
    with pytest.raises(ConflictError):
        services.contact_record(Contact.unscoped.get(pk=contact.pk), **kwargs)


# -- contact_screen ---------------------------------------------------------------------------


def _screen(contact, actor, **overrides):
    kwargs = {
        "actor": actor,
        "expected_version": contact.version,
        "rag": "amber",
        "threshold_level": "early_help_2",
        "route": "nfa",
        "rationale": "Universal services are meeting the child's needs.",
    }
    kwargs.update(overrides)
    return services.contact_screen(contact, **kwargs)


@pytest.mark.django_db
def test_screening_to_nfa_decides_the_contact(manager):
    contact = contact_with_child()
    decision = _screen(contact, manager)
    contact.refresh_from_db()
    assert contact.status == ContactStatus.DECIDED
    assert contact.rag == "amber" and contact.route == "nfa"
    assert contact.screened_by == manager and contact.screened_at is not None
    assert contact.screening_rationale.startswith("Universal")
    assert decision.outcome == "nfa"


@pytest.mark.django_db
def test_screening_to_mash_enquiry_opens_requests(manager, agencies):
    contact = contact_with_child()
    police, health = agencies["POLICE"], agencies["HEALTH"]
    enquiry = _screen(
        contact,
        manager,
        rag="red",
        route="mash_enquiry",
        agency_ids=[police.pk, health.pk],
        questions={str(police.pk): "Any call-outs?", str(health.pk): "Any A&E visits?"},
    )
    contact.refresh_from_db()
    assert contact.status == ContactStatus.ENQUIRY
    assert contact.rag == "red" and contact.screened_by == manager
    from openmash.enquiries.models import InformationRequest

    questions = dict(
        InformationRequest.unscoped.filter(enquiry=enquiry).values_list("agency__code", "question")
    )
    assert questions == {"POLICE": "Any call-outs?", "HEALTH": "Any A&E visits?"}


@pytest.mark.django_db
def test_second_screening_with_the_same_version_conflicts(manager, make_user):
    contact = contact_with_child()
    version = contact.version
    _screen(Contact.unscoped.get(pk=contact.pk), manager, expected_version=version)
    with pytest.raises(ConflictError):
        _screen(
            Contact.unscoped.get(pk=contact.pk),
            make_user("practice_manager"),
            expected_version=version,
            route="signpost",
        )
    contact.refresh_from_db()
    assert contact.route == "nfa"  # the first screening stands


@pytest.mark.django_db
def test_screening_a_contact_that_is_not_recorded_is_refused(manager):
    contact = contact_with_child(SubmittedContactFactory)
    with pytest.raises(TransitionNotAllowed):
        _screen(contact, manager)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"rag": ""}, "rag"),
        ({"rag": "purple"}, "rag"),
        ({"rationale": "  "}, "rationale"),
        ({"threshold_level": ""}, "threshold_level"),
        ({"route": "elsewhere"}, "route"),
        ({"route": "mash_enquiry", "agency_ids": []}, "agencies"),
    ],
)
def test_screening_validation(manager, overrides, field):
    contact = contact_with_child()
    with pytest.raises(ContactInvalid) as exc:
        _screen(contact, manager, **overrides)
    assert exc.value.field == field
    contact.refresh_from_db()
    assert contact.status == ContactStatus.RECORDED and contact.rag == ""


@pytest.mark.django_db
def test_immediate_risk_must_be_rated_red(manager):
    contact = contact_with_child(immediate_risk=True)
    with pytest.raises(ContactInvalid) as exc:
        _screen(contact, manager, rag="amber")
    assert exc.value.field == "rag"


@pytest.mark.django_db
def test_only_screeners_may_screen(officer):
    with pytest.raises(NotPermitted):
        _screen(contact_with_child(), officer)


@pytest.mark.django_db
def test_handover_routes_need_a_receiving_team(manager):
    from openmash.accounts.models import Team

    contact = contact_with_child()
    with pytest.raises(ContactInvalid) as exc:
        _screen(contact, manager, route="assessment", threshold_level="cin_cp")
    assert exc.value.field == "receiving_team"
    team = Team.objects.filter(receives_handovers=True, active=True).first()
    decision = _screen(
        contact, manager, route="assessment", threshold_level="cin_cp", receiving_team=team
    )
    assert decision.outcome == "assessment_s17" and decision.receiving_team == team
