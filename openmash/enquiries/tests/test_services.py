import datetime as dt

import pytest
import time_machine
from django.db import transaction

from openmash.accounts.models import Agency
from openmash.contacts.codes import ConsentStatus, Rag
from openmash.contacts.models import Contact, ContactStatus
from openmash.core.errors import ConflictError, DomainError, NotPermitted, TransitionNotAllowed
from openmash.enquiries.models import (
    EnquiryStatus,
    InformationRequest,
    MashEnquiry,
    RequestStatus,
    ResponseOutcome,
)
from openmash.enquiries.services import (
    ResponseIncomplete,
    enquiry_mark_ready,
    enquiry_open,
    information_request_respond,
)
from openmash.governance.codes import DisclosureKind
from openmash.governance.models import SharingRecord
from openmash.timescales.calendar import LONDON

from .factories import RecordedContactFactory, request_for

pytestmark = pytest.mark.django_db

KNOWN = {
    "outcome": ResponseOutcome.KNOWN,
    "summary": "Two domestic incidents recorded at the address.",
    "systems_searched": "Police national computer",
}


def subject_ids(record) -> set:
    # Person is fail closed, so read the link table rather than ``record.subjects``.
    links = SharingRecord.subjects.through.objects.filter(sharingrecord=record)
    return set(links.values_list("person_id", flat=True))


def respond(request, user, **overrides):
    fields = {**KNOWN, **overrides}
    return information_request_respond(
        request, actor=user, expected_version=request.version, **fields
    )


def _open(contact, pm, agencies, codes=("POLICE",), **kwargs):
    return enquiry_open(
        contact,
        actor=pm,
        agency_ids=[agencies[c].pk for c in codes],
        questions={agencies[c].pk: "Anything known?" for c in codes},
        expected_version=contact.version,
        **kwargs,
    )


class TestEnquiryOpen:
    def test_opens_one_request_per_agency_and_moves_the_contact(self, open_enquiry, pm):
        enquiry = open_enquiry(codes=("POLICE", "HEALTH", "EDUCATION"))
        contact = Contact.unscoped.get(pk=enquiry.contact_id)
        assert contact.status == ContactStatus.ENQUIRY
        assert contact.rag == Rag.RED
        assert contact.route == "mash_enquiry"
        assert enquiry.status == EnquiryStatus.OPEN
        assert enquiry.opened_by == pm
        codes = sorted(
            InformationRequest.unscoped.filter(enquiry=enquiry).values_list(
                "agency__code", flat=True
            )
        )
        assert codes == ["EDUCATION", "HEALTH", "POLICE"]
        assert request_for(enquiry, "POLICE").question == "What does police hold?"

    def test_red_requests_are_due_in_four_working_hours(self, open_enquiry):
        # Tuesday 11 March 2025, 10:00 in London: due 14:00 the same day.
        with time_machine.travel(dt.datetime(2025, 3, 11, 10, 0, tzinfo=LONDON), tick=False):
            enquiry = open_enquiry(rag=Rag.RED)
        expected = dt.datetime(2025, 3, 11, 14, 0, tzinfo=LONDON)
        assert enquiry.responses_due_at == expected
        dues = set(
            InformationRequest.unscoped.filter(enquiry=enquiry).values_list("due_at", flat=True)
        )
        assert dues == {expected}

    def test_red_request_late_on_friday_is_due_on_monday(self, open_enquiry):
        # Friday 14 March 2025 16:00 (closes 16:45): 45 minutes Friday + 3h15 Monday.
        with time_machine.travel(dt.datetime(2025, 3, 14, 16, 0, tzinfo=LONDON), tick=False):
            enquiry = open_enquiry(rag=Rag.RED)
        assert request_for(enquiry, "POLICE").due_at == dt.datetime(
            2025, 3, 17, 12, 15, tzinfo=LONDON
        )

    def test_amber_requests_are_due_by_the_decision_deadline(self, open_enquiry):
        with time_machine.travel(dt.datetime(2025, 3, 11, 10, 0, tzinfo=LONDON), tick=False):
            enquiry = open_enquiry(rag=Rag.AMBER)
        contact = Contact.unscoped.get(pk=enquiry.contact_id)
        assert request_for(enquiry, "POLICE").due_at == contact.decision_due_at
        assert contact.decision_due_at > dt.datetime(2025, 3, 11, 14, 0, tzinfo=LONDON)

    def test_refuses_without_consent_or_a_reason(self, open_enquiry):
        contact = RecordedContactFactory(consent_status=ConsentStatus.REFUSED, consent_reason="")
        with pytest.raises(DomainError, match="no consent override is agreed"):
            open_enquiry(contact=contact)
        contact.refresh_from_db()
        assert contact.status == ContactStatus.RECORDED
        assert not MashEnquiry.unscoped.exists()
        assert not SharingRecord.objects.exists()

    # Refused or withdrawn consent needs an agreed override (governance tests cover it).
    def test_opens_without_consent_when_the_reason_is_recorded(self, open_enquiry):
        contact = RecordedContactFactory(
            consent_status=ConsentStatus.NOT_SOUGHT,
            consent_reason="Asking would put the child at risk.",
        )
        enquiry = open_enquiry(contact=contact)
        record = SharingRecord.objects.get(record_id=str(request_for(enquiry, "POLICE").pk))
        assert "Asking would put the child at risk." in record.consent_reference

    def test_at_least_one_agency(self, pm, agencies):
        contact = RecordedContactFactory()
        with pytest.raises(DomainError, match="at least one agency"):
            _open(contact, pm, agencies, codes=(), screening={"rag": Rag.RED})

    def test_refuses_an_agency_that_does_not_receive_requests(self, pm, agencies):
        contact = RecordedContactFactory()
        with pytest.raises(DomainError, match="does not receive"):
            _open(contact, pm, agencies, codes=("CSC",), screening={"rag": Rag.RED})

    def test_refuses_an_inactive_agency(self, pm, agencies):
        Agency.objects.filter(code="HOUSING").update(active=False)
        contact = RecordedContactFactory()
        with pytest.raises(DomainError, match="Housing does not receive"):
            _open(contact, pm, agencies, codes=("POLICE", "HOUSING"), screening={"rag": "red"})
        assert not InformationRequest.unscoped.exists()

    def test_needs_a_question_for_each_agency(self, pm, agencies):
        contact = RecordedContactFactory()
        with pytest.raises(DomainError, match="Write the question for Police"):
            enquiry_open(
                contact,
                actor=pm,
                agency_ids=[agencies["POLICE"].pk],
                questions={agencies["POLICE"].pk: "  "},
                expected_version=contact.version,
                screening={"rag": Rag.RED},
            )

    def test_needs_a_rag_rating(self, pm, agencies):
        contact = RecordedContactFactory()
        with pytest.raises(DomainError, match="RAG rating"):
            _open(contact, pm, agencies)

    def test_a_partner_cannot_open_an_enquiry(self, police, agencies):
        contact = RecordedContactFactory()
        with pytest.raises(NotPermitted):
            _open(contact, police, agencies, screening={"rag": Rag.RED})

    def test_stale_version_is_a_conflict(self, pm, agencies):
        contact = RecordedContactFactory()
        stale = contact.version
        Contact.unscoped.filter(pk=contact.pk).update(version=stale + 1)
        with pytest.raises(ConflictError):
            _open(contact, pm, agencies, screening={"rag": Rag.RED})

    def test_second_open_of_the_same_contact_is_refused(self, pm, agencies):
        contact = RecordedContactFactory()
        _open(contact, pm, agencies, screening={"rag": Rag.RED})
        with pytest.raises(TransitionNotAllowed):
            _open(contact, pm, agencies, screening={"rag": Rag.RED})
        assert MashEnquiry.unscoped.count() == 1

    def test_writes_a_record_of_sharing_per_agency(self, open_enquiry, pm, agencies):
        enquiry = open_enquiry(codes=("POLICE", "HEALTH"))
        records = SharingRecord.objects.filter(kind=DisclosureKind.IDENTIFYING_DETAILS)
        assert {r.to_agency.code for r in records} == {"POLICE", "HEALTH"}
        linked = {
            p.person_id for p in enquiry.contact.people(manager="unscoped").all() if p.person_id
        }
        assert linked
        for record in records:
            assert record.from_agency == agencies["CSC"]
            assert record.shared_by == pm
            assert record.contact_id == enquiry.contact_id
            assert record.article6
            assert subject_ids(record) == linked
            assert not record.special_category and not record.criminal_offence


class TestRespond:
    def test_police_responds_and_it_is_shared_as_criminal_offence_data(
        self, open_enquiry, police, agencies
    ):
        enquiry = open_enquiry()
        request = respond(request_for(enquiry, "POLICE"), police)
        request.refresh_from_db()
        assert request.status == RequestStatus.RESPONDED
        assert request.responded_by == police
        assert request.version == 2
        record = SharingRecord.objects.get(kind=DisclosureKind.AGENCY_RESPONSE)
        assert record.from_agency == agencies["POLICE"]
        assert record.to_agency == agencies["CSC"]
        assert record.criminal_offence is True and record.article10
        assert record.special_category is False
        assert record.record_id == str(request.pk)
        assert subject_ids(record)

    def test_health_response_is_special_category(self, open_enquiry, health):
        enquiry = open_enquiry()
        respond(request_for(enquiry, "HEALTH"), health)
        record = SharingRecord.objects.get(kind=DisclosureKind.AGENCY_RESPONSE)
        assert record.special_category is True and record.article9
        assert record.criminal_offence is False

    def test_firewall_health_cannot_respond_to_a_police_request(self, open_enquiry, health):
        enquiry = open_enquiry()
        with pytest.raises(NotPermitted):
            respond(request_for(enquiry, "POLICE"), health)
        assert request_for(enquiry, "POLICE").status == RequestStatus.REQUESTED

    def test_csc_staff_cannot_answer_for_an_agency(self, open_enquiry, pm):
        enquiry = open_enquiry()
        with pytest.raises(NotPermitted):
            respond(request_for(enquiry, "POLICE"), pm)

    def test_known_needs_a_summary(self, open_enquiry, police):
        enquiry = open_enquiry()
        with pytest.raises(ResponseIncomplete) as exc:
            respond(request_for(enquiry, "POLICE"), police, summary="  ")
        assert exc.value.field == "summary"

    def test_nil_return_needs_a_reason(self, open_enquiry, police):
        enquiry = open_enquiry()
        request = request_for(enquiry, "POLICE")
        with pytest.raises(ResponseIncomplete):
            respond(request, police, outcome=ResponseOutcome.NIL_RETURN, summary="")
        respond(
            request,
            police,
            outcome=ResponseOutcome.NIL_RETURN,
            summary="Information is subject to an ongoing investigation.",
        )
        assert request_for(enquiry, "POLICE").outcome == ResponseOutcome.NIL_RETURN

    def test_not_known_needs_the_systems_searched(self, open_enquiry, police):
        enquiry = open_enquiry()
        with pytest.raises(ResponseIncomplete) as exc:
            respond(
                request_for(enquiry, "POLICE"),
                police,
                outcome=ResponseOutcome.NOT_KNOWN,
                summary="",
                systems_searched="",
            )
        assert exc.value.field == "systems_searched"

    def test_second_officer_answering_the_same_request_gets_a_conflict(
        self, open_enquiry, police, police2
    ):
        enquiry = open_enquiry()
        first_page = request_for(enquiry, "POLICE")
        second_page = request_for(enquiry, "POLICE")
        respond(first_page, police)
        with pytest.raises(ConflictError, match="answered by Test User"):
            respond(second_page, police2, summary="Something else")
        request = request_for(enquiry, "POLICE")
        assert request.summary == KNOWN["summary"]
        assert request.responded_by == police
        assert SharingRecord.objects.filter(kind=DisclosureKind.AGENCY_RESPONSE).count() == 1

    def test_a_double_submit_is_recorded_once(self, open_enquiry, police):
        enquiry = open_enquiry()
        page = request_for(enquiry, "POLICE")
        respond(page, police)
        with pytest.raises(ConflictError, match="already sent your response"):
            information_request_respond(
                request_for(enquiry, "POLICE"), actor=police, expected_version=1, **KNOWN
            )
        assert SharingRecord.objects.filter(kind=DisclosureKind.AGENCY_RESPONSE).count() == 1

    def test_enquiry_is_ready_when_every_agency_has_answered(self, open_enquiry, police, health):
        enquiry = open_enquiry()
        respond(request_for(enquiry, "POLICE"), police)
        enquiry.refresh_from_db()
        assert enquiry.status == EnquiryStatus.OPEN
        respond(request_for(enquiry, "HEALTH"), health)
        enquiry.refresh_from_db()
        assert enquiry.status == EnquiryStatus.READY
        assert enquiry.ready_at is not None
        assert enquiry.ready_reason == ""

    def test_a_late_response_after_going_ahead_is_still_recorded(
        self, open_enquiry, pm, police, health
    ):
        enquiry = open_enquiry()
        respond(request_for(enquiry, "POLICE"), police)
        enquiry_mark_ready(enquiry, pm, "Health cannot answer today.")
        respond(request_for(enquiry, "HEALTH"), health)
        enquiry.refresh_from_db()
        assert enquiry.status == EnquiryStatus.READY
        assert request_for(enquiry, "HEALTH").status == RequestStatus.RESPONDED

    def test_no_response_after_analysis(self, open_enquiry, police):
        enquiry = open_enquiry()
        MashEnquiry.unscoped.filter(pk=enquiry.pk).update(status=EnquiryStatus.ANALYSED)
        with pytest.raises(TransitionNotAllowed, match="already analysed"):
            respond(request_for(enquiry, "POLICE"), police)


class TestMarkReady:
    def test_practice_manager_goes_ahead_with_a_reason(self, open_enquiry, pm, police):
        enquiry = open_enquiry()
        respond(request_for(enquiry, "POLICE"), police)
        enquiry_mark_ready(enquiry, pm, "Health chased twice, no answer by 15:00.")
        enquiry.refresh_from_db()
        assert enquiry.status == EnquiryStatus.READY
        assert enquiry.ready_by == pm
        assert enquiry.ready_reason == "Health chased twice, no answer by 15:00."
        assert request_for(enquiry, "HEALTH").status == RequestStatus.REQUESTED

    def test_a_long_reason_is_kept_in_full(self, open_enquiry, pm):
        # History's change-reason column is 100 characters; the reason must not go there.
        enquiry = open_enquiry()
        reason = "Education chased twice; the school is closed for a training day. " * 4
        enquiry_mark_ready(enquiry, pm, reason)
        enquiry.refresh_from_db()
        assert enquiry.ready_reason == reason.strip()

    def test_needs_a_reason(self, open_enquiry, pm):
        enquiry = open_enquiry()
        with pytest.raises(ResponseIncomplete):
            enquiry_mark_ready(enquiry, pm, "  ")

    def test_only_a_decision_maker(self, open_enquiry, social_worker, police):
        enquiry = open_enquiry()
        for user in (social_worker, police):
            with pytest.raises(NotPermitted):
                enquiry_mark_ready(enquiry, user, "Reason")

    def test_stale_version_is_a_conflict(self, open_enquiry, pm, police):
        enquiry = open_enquiry()
        rendered_version = enquiry.version
        respond(request_for(enquiry, "POLICE"), police)
        MashEnquiry.unscoped.filter(pk=enquiry.pk).update(version=rendered_version + 1)
        with pytest.raises(ConflictError):
            enquiry_mark_ready(enquiry, pm, "Reason", expected_version=rendered_version)

    def test_not_twice(self, open_enquiry, pm):
        enquiry = open_enquiry()
        enquiry_mark_ready(enquiry, pm, "Reason")
        with pytest.raises(TransitionNotAllowed):
            enquiry_mark_ready(enquiry, pm, "Again")


def test_sharing_record_is_rolled_back_with_a_failed_disclosure(open_enquiry, police):
    enquiry = open_enquiry()
    request = request_for(enquiry, "POLICE")
    with pytest.raises(RuntimeError), transaction.atomic():
        respond(request, police)
        raise RuntimeError("the response could not be saved")
    assert not SharingRecord.objects.filter(kind=DisclosureKind.AGENCY_RESPONSE).exists()
    assert request_for(enquiry, "POLICE").status == RequestStatus.REQUESTED
