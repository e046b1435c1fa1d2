import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from openmash.accounts.roles import Role
from openmash.contacts.codes import Rag
from openmash.decisions.models import Decision
from openmash.enquiries.models import EnquiryStatus, MashEnquiry, RequestStatus
from openmash.enquiries.services import information_request_respond

from .factories import NARRATIVE_MARKER, request_for

pytestmark = pytest.mark.django_db

RESPONSE = {
    "outcome": "known",
    "summary": "Police summary: two incidents at the address",
    "risk_factors": "Repeat incidents",
    "protective_factors": "",
    "systems_searched": "Police national computer",
    "proportionality_note": "Relevant to the risk to the children",
}


def answer(request, user, summary):
    information_request_respond(
        request,
        actor=user,
        expected_version=request.version,
        outcome="known",
        summary=summary,
        systems_searched="Local records",
    )


def detail_url(request):
    return reverse("enquiries:request_detail", args=[request.pk])


class TestPartnerRequestPage:
    def test_shows_the_question_and_people_but_not_the_narrative(
        self, open_enquiry, police, signed_in
    ):
        enquiry = open_enquiry()
        request = request_for(enquiry, "POLICE")
        person = enquiry.contact.people(manager="unscoped").order_by("role").last()
        response = signed_in(police).get(detail_url(request))
        assert response.status_code == 200
        html = response.content.decode()
        assert "What does police hold?" in html
        assert escape(person.forename) in html and escape(person.surname) in html
        assert enquiry.contact.reference in html
        assert NARRATIVE_MARKER not in html
        assert escape(enquiry.contact.referrer_name) not in html
        assert "What does health hold?" not in html  # another agency's question
        assert response["Cache-Control"].startswith("no-store")

    def test_another_agencys_request_is_not_found(self, open_enquiry, health, signed_in):
        enquiry = open_enquiry()
        client = signed_in(health)
        police_request = request_for(enquiry, "POLICE")
        assert client.get(detail_url(police_request)).status_code == 404
        assert client.post(detail_url(police_request), RESPONSE | {"version": 1}).status_code == 404
        assert request_for(enquiry, "POLICE").status == RequestStatus.REQUESTED

    def test_responding_then_seeing_own_response_only(
        self, open_enquiry, police, health, signed_in
    ):
        enquiry = open_enquiry()
        answer(request_for(enquiry, "HEALTH"), health, "Health summary: missed appointments")
        request = request_for(enquiry, "POLICE")
        client = signed_in(police)
        response = client.post(detail_url(request), RESPONSE | {"version": request.version})
        assert response.status_code == 302
        page = client.get(response["Location"]).content.decode()
        assert "Your agency's response" in page
        assert "Police summary: two incidents at the address" in page
        assert "Health summary" not in page
        assert 'name="summary"' not in page  # read-only now
        assert "has not decided the outcome yet" in page

    def test_outcome_shows_once_decided(self, open_enquiry, police, pm, signed_in):
        enquiry = open_enquiry(codes=("POLICE",))
        request = request_for(enquiry, "POLICE")
        answer(request, police, "Known")
        Decision.unscoped.create(
            contact=enquiry.contact,
            outcome="s47",
            rationale="Rationale the partner must not see",
            decided_at=enquiry.opened_at,
            decided_by=pm,
        )
        page = signed_in(police).get(detail_url(request)).content.decode()
        assert "Outcome" in page
        assert "Rationale the partner must not see" not in page

    def test_missing_summary_is_shown_in_the_error_summary(self, open_enquiry, police, signed_in):
        enquiry = open_enquiry()
        request = request_for(enquiry, "POLICE")
        data = RESPONSE | {"summary": "", "risk_factors": "Typed and kept", "version": 1}
        response = signed_in(police).post(detail_url(request), data)
        html = response.content.decode()
        assert response.status_code == 200
        assert "govuk-error-summary" in html
        assert "Enter a summary of what your agency holds" in html
        assert "Typed and kept" in html

    def test_second_officer_gets_a_conflict_and_keeps_their_text(
        self, open_enquiry, police, police2, signed_in
    ):
        enquiry = open_enquiry()
        request = request_for(enquiry, "POLICE")
        answer(request_for(enquiry, "POLICE"), police, "First officer's answer")
        data = RESPONSE | {"summary": "Second officer's answer", "version": 1}
        response = signed_in(police2).post(detail_url(request), data)
        html = response.content.decode()
        assert response.status_code == 200
        assert "govuk-error-summary" in html
        assert "while you were working on it" in html
        assert escape("Second officer's answer") in html
        assert request_for(enquiry, "POLICE").summary == "First officer's answer"

    def test_each_view_is_logged(self, open_enquiry, police, signed_in):
        from openmash.audit.models import AuditEntry
        from openmash.audit.services import seal_pending

        enquiry = open_enquiry()
        request = request_for(enquiry, "POLICE")
        client = signed_in(police)
        client.get(detail_url(request))
        client.get(detail_url(request))
        seal_pending()  # views are staged until sealed (ADR 0008)
        views = AuditEntry.objects.filter(kind="access", target_id=str(request.pk))
        assert views.count() == 2
        assert set(views.values_list("channel", flat=True)) == {"enquiries:request_detail"}


class TestCscPages:
    def test_enquiry_page_shows_every_response(self, open_enquiry, pm, police, health, signed_in):
        enquiry = open_enquiry()
        answer(request_for(enquiry, "POLICE"), police, "Police summary: incidents")
        answer(request_for(enquiry, "HEALTH"), health, "Health summary: missed appointments")
        html = signed_in(pm).get(reverse("enquiries:enquiry_detail", args=[enquiry.pk]))
        html = html.content.decode()
        assert "Police summary: incidents" in html
        assert "Health summary: missed appointments" in html

    def test_practice_manager_goes_ahead_without_a_late_response(
        self, open_enquiry, pm, police, signed_in
    ):
        enquiry = open_enquiry()
        answer(request_for(enquiry, "POLICE"), police, "Known")
        enquiry.refresh_from_db()
        url = reverse("enquiries:enquiry_proceed", args=[enquiry.pk])
        client = signed_in(pm)
        response = client.post(url, {"reason": "", "version": enquiry.version})
        assert "Enter why the enquiry should go ahead" in response.content.decode()
        response = client.post(url, {"reason": "Health on leave", "version": enquiry.version})
        assert response.status_code == 302
        enquiry.refresh_from_db()
        assert enquiry.status == EnquiryStatus.READY
        page = client.get(response["Location"]).content.decode()
        assert "Health on leave" in page

    def test_ready_enquiry_leads_the_social_worker_to_the_analysis(
        self, open_enquiry, pm, social_worker, signed_in
    ):
        from openmash.enquiries.services import enquiry_mark_ready

        enquiry = open_enquiry()
        url = reverse("enquiries:enquiry_detail", args=[enquiry.pk])
        analysis_url = reverse("decisions:analysis", args=[enquiry.contact_id])
        assert analysis_url not in signed_in(social_worker).get(url).content.decode()
        enquiry_mark_ready(enquiry, pm, "Health on leave")
        html = signed_in(social_worker).get(url).content.decode()
        assert analysis_url in html
        assert reverse("contacts:detail", args=[enquiry.contact_id]) in html

    def test_a_social_worker_cannot_go_ahead(self, open_enquiry, social_worker, signed_in):
        enquiry = open_enquiry()
        url = reverse("enquiries:enquiry_proceed", args=[enquiry.pk])
        response = signed_in(social_worker).post(url, {"reason": "x", "version": 1})
        assert response.status_code == 403

    def test_responses_include_for_the_contact_page(self, open_enquiry, pm, police, rf):
        from django.template import Context, Template

        enquiry = open_enquiry()
        answer(request_for(enquiry, "POLICE"), police, "Police summary for the contact page")
        template = Template("{% load enquiries_tags %}{% enquiry_responses contact %}")

        def render(user):
            request = rf.get("/")
            request.user = user
            return template.render(Context({"request": request, "contact": enquiry.contact}))

        assert "Police summary for the contact page" in render(pm)
        assert render(police).strip() == ""


URLS = {
    "request_queue": lambda e: reverse("enquiries:request_queue"),
    "request_detail": lambda e: detail_url(request_for(e, "POLICE")),
    "open_queue": lambda e: reverse("enquiries:open_queue"),
    "ready_queue": lambda e: reverse("enquiries:ready_queue"),
    "enquiry_detail": lambda e: reverse("enquiries:enquiry_detail", args=[e.pk]),
}

# role (agency) -> {page: expected status}
MATRIX = {
    (Role.REFERRAL_OFFICER, "CSC"): (403, 403, 200, 200, 200),
    (Role.PRACTICE_MANAGER, "CSC"): (403, 403, 200, 200, 200),
    (Role.MASH_SOCIAL_WORKER, "CSC"): (403, 403, 200, 200, 200),
    (Role.TEAM_MANAGER, "CSC"): (403, 403, 200, 200, 200),
    (Role.AREA_MANAGER, "CSC"): (403, 403, 200, 200, 200),
    # Early help answers Early Help's own requests only: the police request is out of scope.
    (Role.EARLY_HELP, "EARLY_HELP"): (200, 404, 403, 403, 403),
    (Role.DPO, "CSC"): (403, 403, 403, 403, 403),
    (Role.ADMINISTRATOR, "CSC"): (403, 403, 403, 403, 403),
    (Role.PARTNER_PRACTITIONER, "POLICE"): (200, 200, 403, 403, 403),
    (Role.PARTNER_PRACTITIONER, "HEALTH"): (200, 404, 403, 403, 403),
    (Role.PARTNER_PRACTITIONER, "HOUSING"): (200, 404, 403, 403, 403),
}


@pytest.mark.parametrize(("role", "agency"), list(MATRIX))
def test_role_page_access_matrix(role, agency, open_enquiry, make_user, signed_in):
    enquiry = open_enquiry(codes=("POLICE", "EDUCATION"))
    client = signed_in(make_user(role, agency=agency))
    got = tuple(client.get(url(enquiry)).status_code for url in URLS.values())
    assert got == MATRIX[(role, agency)], dict(zip(URLS, got, strict=True))


def test_signed_out_users_are_sent_to_sign_in(open_enquiry, client):
    enquiry = open_enquiry()
    for url in URLS.values():
        response = client.get(url(enquiry))
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]


def _fill(open_enquiry, police, n):
    for i in range(n):
        enquiry = open_enquiry(codes=("POLICE", "HEALTH"), rag=(Rag.RED, Rag.AMBER)[i % 2])
        if i % 3 == 0:
            answer(request_for(enquiry, "POLICE"), police, "Known")


def _count_queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("queue", ["enquiries:request_queue", "enquiries:open_queue"])
def test_queue_pages_use_a_constant_number_of_queries(
    queue, open_enquiry, pm, police, signed_in, django_assert_max_num_queries
):
    user = police if queue == "enquiries:request_queue" else pm
    client = signed_in(user)
    url = reverse(queue) + "?sort=rag"
    _fill(open_enquiry, police, 5)
    few = _count_queries(client, url)
    _fill(open_enquiry, police, 55)
    assert MashEnquiry.unscoped.count() == 60
    with django_assert_max_num_queries(few):
        response = client.get(url)
    assert len(response.context["queue"].rows) == 25
    # The page's own reads: one count per part (outstanding, answered) and the rows for
    # partners; the count and the rows for MASH staff, and the children on the page.
    assert few <= (13 if queue == "enquiries:request_queue" else 12)


def test_awaiting_analysis_queue_query_count(
    open_enquiry, pm, police, health, signed_in, django_assert_max_num_queries
):
    client = signed_in(pm)
    url = reverse("enquiries:ready_queue")

    def fill(n):
        for _ in range(n):
            enquiry = open_enquiry(codes=("POLICE", "HEALTH"))
            answer(request_for(enquiry, "POLICE"), police, "Known")
            answer(request_for(enquiry, "HEALTH"), health, "Known")

    fill(5)
    few = _count_queries(client, url)
    fill(55)
    with django_assert_max_num_queries(few):
        client.get(url)
    assert few <= 12
