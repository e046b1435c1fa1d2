"""Synthetic records for the data subject rights, retention and breach tests (Faker en_GB via
the decisions factories; never real people)."""

from datetime import timedelta
from types import SimpleNamespace

from django.db import transaction
from django.utils import timezone

from openmash.accounts.models import Team
from openmash.accounts.roles import Role
from openmash.contacts.codes import PersonRole
from openmash.contacts.models import ContactStatus
from openmash.decisions.codes import Outcome
from openmash.decisions.tests.factories import (
    AnalysisFactory,
    ContactConcernFactory,
    ContactFactory,
    ContactPersonFactory,
    DecisionFactory,
    InformationRequestFactory,
    MashEnquiryFactory,
    PersonFactory,
)
from openmash.governance.codes import DisclosureKind
from openmash.governance.services import sharing_record

_counter = {"n": 0}


def person_with_history(*, make_user, agencies, person=None, received_days_ago=3):
    """A child named on a decided contact with everything a MASH episode holds, and the
    disclosures made from it."""
    _counter["n"] += 1
    n = _counter["n"]
    pm = make_user(Role.PRACTICE_MANAGER, username=f"pm-b{n}")
    sw = make_user(Role.MASH_SOCIAL_WORKER, username=f"sw-b{n}")
    police = make_user(
        Role.PARTNER_PRACTITIONER,
        agency="POLICE",
        username=f"police-b{n}",
        email=f"police-b{n}@example.org",
    )
    health = make_user(Role.PARTNER_PRACTITIONER, agency="HEALTH", username=f"health-b{n}")
    team = Team.objects.get(code="ASSESSMENT")
    if not team.email:
        team.email = "assessment@example.org"
        team.save(update_fields=["email"])
    received = timezone.now() - timedelta(days=received_days_ago)
    contact = ContactFactory(
        status=ContactStatus.DECIDED,
        received_at=received,
        clock_started_at=received,
        decision_due_at=received + timedelta(days=1),
        recorded_at=received,
        recorded_by=pm,
        screened_at=received + timedelta(hours=1),
        screened_by=pm,
        decided_at=received + timedelta(hours=20),
        referrer_email=f"referrer{n}@example.org",
        referrer_phone="01632 960000",
    )
    person = person or PersonFactory()
    child = ContactPersonFactory(contact=contact, person=person)
    parent = ContactPersonFactory(
        contact=contact,
        person=PersonFactory(),
        role=PersonRole.PARENT_CARER,
        relationship_to_child="Mother",
    )
    ContactConcernFactory(contact=contact, category="domestic_abuse")
    enquiry = MashEnquiryFactory(contact=contact, opened_by=pm)
    police_request = InformationRequestFactory(
        enquiry=enquiry, agency=agencies["POLICE"], requested_by=pm, responded_by=police
    )
    health_request = InformationRequestFactory(
        enquiry=enquiry, agency=agencies["HEALTH"], requested_by=pm, responded_by=health
    )
    analysis = AnalysisFactory(contact=contact, analysed_by=sw)
    decision = DecisionFactory(
        contact=contact,
        decided_by=pm,
        outcome=Outcome.ASSESSMENT_S17,
        receiving_team=team,
        decided_at=contact.decided_at,
    )
    subjects = [person.pk, parent.person_id]
    with transaction.atomic():
        records = [
            sharing_record(
                kind=DisclosureKind.IDENTIFYING_DETAILS,
                shared_by=pm,
                from_agency=agencies["CSC"],
                to_agency=agencies["POLICE"],
                contact=contact,
                subjects=subjects,
                record_type="information request",
                record_id=police_request.pk,
            ),
            sharing_record(
                kind=DisclosureKind.IDENTIFYING_DETAILS,
                shared_by=pm,
                from_agency=agencies["CSC"],
                to_agency=agencies["HEALTH"],
                contact=contact,
                subjects=subjects,
                record_type="information request",
                record_id=health_request.pk,
            ),
            sharing_record(
                kind=DisclosureKind.HANDOVER_SUMMARY,
                shared_by=pm,
                from_agency=agencies["CSC"],
                to_team=team,
                contact=contact,
                subjects=subjects,
                record_type="handover summary",
                record_id=decision.pk,
            ),
            # A second disclosure to the same agency: still one recipient.
            sharing_record(
                kind=DisclosureKind.OUTCOME_TO_PARTNER,
                shared_by=pm,
                from_agency=agencies["CSC"],
                to_agency=agencies["POLICE"],
                contact=contact,
                subjects=subjects,
                record_type="decision",
                record_id=decision.pk,
            ),
            sharing_record(
                kind=DisclosureKind.REFERRER_FEEDBACK,
                shared_by=pm,
                from_agency=agencies["CSC"],
                to_description=contact.referrer_email,
                contact=contact,
                subjects=subjects,
                record_type="referrer feedback",
                record_id=decision.pk,
            ),
        ]
    return SimpleNamespace(
        person=person,
        contact=contact,
        child=child,
        parent=parent,
        police_request=police_request,
        health_request=health_request,
        analysis=analysis,
        decision=decision,
        team=team,
        pm=pm,
        sw=sw,
        police=police,
        health=health,
        records=records,
    )
