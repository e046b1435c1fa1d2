"""'Requests to my agency' is a work list: outstanding requests of any age, and answers given in
the last ``ANSWERED_SHOWN_FOR`` (see bench/pathway.py for why not every answer ever given)."""

import datetime as dt

import pytest
from django.utils import timezone

from openmash.core.queues import queue_page
from openmash.enquiries import selectors
from openmash.enquiries.services import information_request_respond
from openmash.enquiries.views import REQUEST_QUEUE_SPEC

from .factories import request_for

pytestmark = pytest.mark.django_db


def test_old_answers_leave_the_queue_but_outstanding_work_never_does(open_enquiry, police, rf):
    answered, waiting = open_enquiry(), open_enquiry()
    request = request_for(answered, "POLICE")
    information_request_respond(
        request,
        actor=police,
        expected_version=request.version,
        outcome="known",
        summary="Held on our systems",
        systems_searched="Local records",
    )

    def shown(now, selector=selectors.agency_request_queue):
        queryset = selector(police, now=now)
        page = queue_page(rf.get("/"), queryset, REQUEST_QUEUE_SPEC, now=now)
        return {row.obj.enquiry_id for row in page.rows}

    soon = timezone.now() + selectors.ANSWERED_SHOWN_FOR - dt.timedelta(hours=1)
    later = timezone.now() + selectors.ANSWERED_SHOWN_FOR + dt.timedelta(hours=1)
    assert shown(soon) == {answered.pk, waiting.pk}
    assert shown(later) == {waiting.pk}
    # The page's own rows (fewer fields and values) hold the same requests.
    assert shown(soon, selectors.agency_request_queue_rows) == {answered.pk, waiting.pk}
    assert shown(later, selectors.agency_request_queue_rows) == {waiting.pk}


def test_markers_come_from_the_requests_own_contact(open_enquiry, police):
    calm = open_enquiry(rag="green")
    urgent = open_enquiry(rag="amber", immediate_risk=True)
    rows = {r.enquiry_id: r for r in selectors.agency_request_queue(police)}
    assert rows[urgent.pk].urgent is True and rows[urgent.pk].immediate_risk is True
    assert rows[calm.pk].urgent is False and rows[calm.pk].rag == "green"
    assert rows[calm.pk].contact_reference == calm.contact.reference
    assert rows[calm.pk].contact_id == calm.contact_id


def test_page_rows_carry_the_markers_without_the_answer(open_enquiry, police):
    urgent = open_enquiry(rag="amber", immediate_risk=True)
    (row,) = selectors.agency_request_queue_rows(police)
    assert (row.urgent, row.immediate_risk, row.rag) == (True, True, "amber")
    assert row.contact_reference == urgent.contact.reference
    assert "summary" in row.get_deferred_fields()  # the answer stays on the request page


def test_each_request_carries_its_contacts_immediate_risk_flag(open_enquiry):
    """``InformationRequest.immediate_risk`` is a copy the queue sorts by: made with the
    request, equal to the contact's for every request."""
    from openmash.enquiries.models import InformationRequest

    at_risk = open_enquiry(codes=("POLICE", "HEALTH"), immediate_risk=True)
    calm = open_enquiry(codes=("POLICE",), immediate_risk=False)
    requests = InformationRequest.unscoped.select_related("enquiry__contact")
    assert {r.enquiry_id for r in requests if r.immediate_risk} == {at_risk.pk}
    assert {r.enquiry_id for r in requests} == {at_risk.pk, calm.pk}
    for request in requests:
        assert request.immediate_risk is request.enquiry.contact.immediate_risk


def test_each_enquiry_carries_its_contacts_immediate_risk_flag(open_enquiry):
    """``MashEnquiry.immediate_risk`` is a copy "Open enquiries" pins by: made with the
    enquiry, equal to the contact's."""
    from openmash.enquiries.models import MashEnquiry

    at_risk = open_enquiry(codes=("POLICE",), immediate_risk=True)
    calm = open_enquiry(codes=("POLICE",), immediate_risk=False)
    enquiries = MashEnquiry.unscoped.select_related("contact")
    assert {e.pk for e in enquiries if e.immediate_risk} == {at_risk.pk}
    assert {e.pk for e in enquiries} == {at_risk.pk, calm.pk}
    for enquiry in enquiries:
        assert enquiry.immediate_risk is enquiry.contact.immediate_risk
