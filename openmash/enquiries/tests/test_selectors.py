import datetime as dt

import pytest
from django.http import Http404
from django.utils import timezone

from openmash.audit.models import AuditEntry
from openmash.audit.services import seal_pending
from openmash.contacts.codes import Rag
from openmash.core.queues import queue_page
from openmash.enquiries import selectors
from openmash.enquiries.models import EnquiryStatus, InformationRequest
from openmash.enquiries.services import enquiry_mark_ready, information_request_respond
from openmash.enquiries.views import ENQUIRY_QUEUES, REQUEST_QUEUE_SPEC

from .factories import request_for

pytestmark = pytest.mark.django_db


def answer(request, user):
    return information_request_respond(
        request,
        actor=user,
        expected_version=request.version,
        outcome="known",
        summary=f"{user.agency.code} answer: held on our systems",
        systems_searched="Local records",
    )


class TestFirewall:
    def test_police_sees_only_police_requests(self, open_enquiry, police):
        open_enquiry(codes=("POLICE", "HEALTH"))
        open_enquiry(codes=("HEALTH", "EDUCATION"))
        queue = selectors.agency_request_queue(police)
        assert [r.agency.code for r in queue] == ["POLICE"]
        assert InformationRequest.objects.for_user(police).count() == 1

    def test_health_cannot_read_the_police_request_by_id(self, open_enquiry, health):
        enquiry = open_enquiry(codes=("POLICE", "HEALTH"))
        with pytest.raises(Http404):
            selectors.information_request_for_partner(
                health, request_for(enquiry, "POLICE").pk, channel="test"
            )
        with pytest.raises(Http404):
            selectors.information_request_to_answer(health, request_for(enquiry, "POLICE").pk)

    def test_unscoped_queries_return_nothing(self, open_enquiry):
        open_enquiry()
        assert not InformationRequest.objects.exists()

    def test_partner_sees_the_people_but_not_the_contact(self, open_enquiry, police):
        enquiry = open_enquiry()
        shown = selectors.information_request_for_partner(
            police, request_for(enquiry, "POLICE").pk, channel="enquiries:request_detail"
        )
        assert len(shown.people) == 2
        assert shown.people[0].role == "Child the concern is about"
        assert shown.request.contact_reference == enquiry.contact.reference
        assert shown.request.rag == Rag.RED
        # No contact object was loaded for the partner, so nothing else of it can leak.
        assert "enquiry" not in shown.request._state.fields_cache
        assert shown.outcome is None

    def test_a_partner_cannot_read_csc_enquiry_pages(self, open_enquiry, police):
        enquiry = open_enquiry()
        with pytest.raises(Http404):
            selectors.enquiry_get_for_user(police, enquiry.pk, channel="test")
        assert selectors.enquiry_for_contact(police, enquiry.contact) is None
        assert not selectors.enquiry_queue(police, EnquiryStatus.OPEN).exists()


class TestAccessLog:
    def test_each_view_of_a_request_is_logged_per_person(self, open_enquiry, police):
        enquiry = open_enquiry()
        request = request_for(enquiry, "POLICE")
        selectors.information_request_for_partner(
            police, request.pk, channel="enquiries:request_detail"
        )
        seal_pending()  # views are staged until sealed (ADR 0008)
        entries = AuditEntry.objects.filter(
            kind=AuditEntry.Kind.ACCESS, target_id=str(request.pk), actor=police
        )
        assert entries.count() == 1  # the factory links one of the two people
        entry = entries.get()
        assert entry.channel == "enquiries:request_detail"
        assert entry.person_id is not None

    def test_the_enquiry_page_is_logged(self, open_enquiry, pm):
        enquiry = open_enquiry()
        selectors.enquiry_get_for_user(pm, enquiry.pk, channel="enquiries:enquiry_detail")
        seal_pending()  # views are staged until sealed (ADR 0008)
        assert AuditEntry.objects.filter(
            kind=AuditEntry.Kind.ACCESS, target_id=str(enquiry.pk), actor=pm
        ).exists()


class TestCscReads:
    def test_csc_sees_every_response(self, open_enquiry, pm, police, health):
        enquiry = open_enquiry(codes=("POLICE", "HEALTH"))
        answer(request_for(enquiry, "POLICE"), police)
        answer(request_for(enquiry, "HEALTH"), health)
        shown = selectors.enquiry_get_for_user(pm, enquiry.pk, channel="test")
        assert [r.summary for r in shown.visible_requests] == [
            "HEALTH answer: held on our systems",
            "POLICE answer: held on our systems",
        ]
        for_contact = selectors.enquiry_for_contact(pm, enquiry.contact)
        assert len(for_contact.visible_requests) == 2

    def test_early_help_is_not_csc(self, open_enquiry, make_user):
        early_help = make_user("early_help", agency="EARLY_HELP")
        enquiry = open_enquiry()
        assert selectors.enquiry_for_contact(early_help, enquiry.contact) is None
        with pytest.raises(Http404):
            selectors.enquiry_get_for_user(early_help, enquiry.pk, channel="test")

    def test_queues_count_responses_and_split_by_status(self, open_enquiry, pm, police, health):
        first = open_enquiry(codes=("POLICE", "HEALTH", "EDUCATION"))
        answer(request_for(first, "POLICE"), police)
        answer(request_for(first, "HEALTH"), health)
        second = open_enquiry(codes=("POLICE",))
        answer(request_for(second, "POLICE"), police)
        third = open_enquiry(codes=("HEALTH",))
        enquiry_mark_ready(third, pm, "Health on leave")

        open_rows = list(selectors.enquiry_queue(pm, EnquiryStatus.OPEN))
        selectors.enquiry_request_counts_attach(pm, open_rows)
        assert [(r.pk, r.responses_in, r.requests_total) for r in open_rows] == [(first.pk, 2, 3)]
        ready = selectors.enquiry_queue(pm, EnquiryStatus.READY)
        assert {r.pk for r in ready} == {second.pk, third.pk}
        assert selectors.enquiry_queue_count(pm, EnquiryStatus.OPEN) == 1
        assert selectors.enquiry_queue_count(pm, EnquiryStatus.READY) == 2
        assert selectors.enquiry_queue_count(police, EnquiryStatus.READY) == 0

    def test_queue_counts_overdue_requests_only(self, open_enquiry, pm, police):
        enquiry = open_enquiry(codes=("POLICE", "HEALTH", "EDUCATION"))
        answer(request_for(enquiry, "POLICE"), police)  # answered: not overdue, whatever its due
        later = max(r.due_at for r in InformationRequest.objects.for_user(pm)) + dt.timedelta(1)
        (row,) = selectors.enquiry_queue(pm, EnquiryStatus.OPEN)
        selectors.enquiry_request_counts_attach(pm, [row], now=later)
        assert (row.requests_total, row.responses_in, row.overdue_requests) == (3, 1, 2)
        selectors.enquiry_request_counts_attach(pm, [row])
        assert row.overdue_requests == 0
        # Counted as the user may see them: a partner sees only their own agency's request.
        selectors.enquiry_request_counts_attach(police, [row], now=later)
        assert (row.requests_total, row.responses_in, row.overdue_requests) == (1, 1, 0)

    def test_queue_filters_and_sorts(self, open_enquiry, pm, police, rf):
        def enquiry_rows(query):
            queryset = selectors.enquiry_queue(pm, EnquiryStatus.OPEN)
            spec = ENQUIRY_QUEUES[EnquiryStatus.OPEN]["spec"]
            return [row.obj.pk for row in queue_page(rf.get("/" + query), queryset, spec).rows]

        def request_rows(query):
            queryset = selectors.agency_request_queue(police)
            page = queue_page(rf.get("/" + query), queryset, REQUEST_QUEUE_SPEC)
            return [row.obj.enquiry_id for row in page.rows]

        red = open_enquiry(rag=Rag.RED)
        green = open_enquiry(rag=Rag.GREEN)
        amber = open_enquiry(rag=Rag.AMBER, immediate_risk=True)
        assert enquiry_rows("?sort=rag") == [amber.pk, red.pk, green.pk]  # risk pinned first
        assert enquiry_rows("")[0] == amber.pk
        assert enquiry_rows("?rag=green") == [green.pk]
        assert enquiry_rows("?risk=no&sort=rag") == [red.pk, green.pk]

        answer(request_for(amber, "POLICE"), police)
        # Answered work drops below outstanding work, and loses its immediate-risk pin.
        assert request_rows("?sort=rag") == [red.pk, green.pk, amber.pk]
        assert request_rows("?status=responded") == [amber.pk]
        assert request_rows("?risk=yes") == [amber.pk]

    def test_answered_requests_are_never_overdue(self, open_enquiry, police, rf):
        enquiry = open_enquiry()
        answer(request_for(enquiry, "POLICE"), police)
        later = timezone.now() + dt.timedelta(days=7)
        queryset = selectors.agency_request_queue(police, now=later)
        page = queue_page(rf.get("/"), queryset, REQUEST_QUEUE_SPEC, now=later)
        assert [m.label for m in page.rows[0].markers] == ["Red"]
        page = queue_page(rf.get("/?due=overdue"), queryset, REQUEST_QUEUE_SPEC, now=later)
        assert page.rows == []
