"""Pages of the person index: who may use them, POST-only search, the person page."""

import uuid
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from openmash.accounts.models import Team
from openmash.audit.models import AuditEntry
from openmash.audit.services import seal_pending
from openmash.contacts.codes import PersonRole, Rag
from openmash.contacts.models import ContactStatus
from openmash.decisions.codes import Outcome
from openmash.decisions.models import Decision
from openmash.people.codes import RelationshipKind
from openmash.people.services import person_add_relationship, person_update

from .factories import make_contact, make_contact_person, make_person

pytestmark = pytest.mark.django_db

SEARCH = reverse("people:search")


@pytest.fixture
def worker_client(make_user, signed_in):
    return signed_in(make_user("mash_social_worker"))


def _search(client, **fields):
    data = {
        "forename": "",
        "surname": "",
        "date_of_birth_0": "",
        "date_of_birth_1": "",
        "date_of_birth_2": "",
        "postcode": "",
        "nhs_number": "",
        "upn": "",
        "local_id": "",
    }
    data.update(fields)
    return client.post(SEARCH, data)


# -- search -------------------------------------------------------------------------------------


def test_search_by_post_shows_scores_and_reasons(worker_client):
    person = make_person(forename="Freya", surname="Lawson", date_of_birth=date(2016, 4, 2))
    response = _search(
        worker_client,
        forename="Freya",
        surname="Lawsen",
        date_of_birth_0="2",
        date_of_birth_1="4",
        date_of_birth_2="2016",
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert reverse("people:person_detail", args=[person.pk]) in html
    assert "Date of birth matches" in html
    assert "Surname sounds like" in html or "Surname is spelt like" in html
    # "Search again" keeps what was typed.
    assert 'value="Lawsen"' in html and 'value="2016"' in html


def test_a_get_with_search_terms_in_the_url_does_not_search(worker_client):
    make_person(forename="Freya", surname="Lawson")
    response = worker_client.get(SEARCH, {"surname": "Lawson", "forename": "Freya"})
    assert response.status_code == 200
    assert response.context["matches"] is None
    assert "Lawson" not in response.content.decode()


def test_the_search_form_posts_to_a_url_without_parameters(worker_client):
    html = worker_client.get(SEARCH).content.decode()
    assert 'method="post"' in html
    assert 'method="get"' not in html.lower()


def test_an_empty_search_asks_for_at_least_one_detail(worker_client):
    response = _search(worker_client)
    assert response.status_code == 200
    html = response.content.decode()
    assert "govuk-error-summary" in html
    assert "Enter at least one detail to search for" in html
    assert response.context["matches"] is None


def test_an_invalid_nhs_number_is_explained(worker_client):
    response = _search(worker_client, nhs_number="943 476 5918")
    html = response.content.decode()
    assert "check digit" in html
    assert 'href="#id_nhs_number"' in html
    assert "Error: Find a person" in html


def test_an_incomplete_date_of_birth_is_explained(worker_client):
    response = _search(worker_client, surname="Lawson", date_of_birth_0="2", date_of_birth_2="2016")
    html = response.content.decode()
    assert "Date of birth must include a month" in html
    assert 'href="#id_date_of_birth_0"' in html
    assert 'name="date_of_birth_0" type="text" inputmode="numeric" value="2"' in html


def test_no_match_shows_the_empty_state(worker_client):
    response = _search(worker_client, forename="Xanthe", surname="Quigley")
    html = response.content.decode()
    assert "No one in the person index matches this search" in html


def test_open_to_childrens_services_is_shown_in_results(worker_client, agencies):
    person = make_person(forename="Ruby", surname="Marsh")
    team = Team.objects.get(code="ASSESSMENT")
    person_update(person, actor=None, open_to_team=team, allocated_worker="A Worker")
    html = _search(worker_client, forename="Ruby", surname="Marsh").content.decode()
    assert "Open to children&#x27;s services" in html or "Open to children's services" in html


def test_result_rows_show_dates_postcodes_and_flags_as_the_filters_did(worker_client, agencies):
    born = make_person(forename="Ada", surname="Thorne", date_of_birth=date(2016, 3, 5))
    person_update(born, actor=None, open_to_team=Team.objects.get(code="ASSESSMENT"))
    unborn = make_person(
        forename="Baby",
        surname="Thorne",
        date_of_birth=None,
        expected_delivery_date=date(2027, 1, 9),
        postcode="ME4 4TR",
        possible_duplicate_of=born,
    )
    html = _search(worker_client, surname="Thorne").content.decode()
    assert '<td class="govuk-table__cell">5 Mar 2016</td>' in html
    assert '<td class="govuk-table__cell">Unborn, due 9 Jan 2027</td>' in html
    assert '<td class="govuk-table__cell">ME4 4TR</td>' in html
    assert '<td class="govuk-table__cell">Not known</td>' in html  # Ada's postcode
    assert html.count("Possible duplicate</strong>") == 1
    assert html.count('<strong class="govuk-tag govuk-tag--purple">Open to children') == 1
    assert f'href="{reverse("people:person_detail", args=[unborn.pk])}">Baby Thorne</a>' in html
    assert "<li>Surname matches</li>" in html


def test_result_rows_escape_what_was_recorded(worker_client):
    make_person(forename="<b>Eve</b>", surname="Marlowe")
    html = _search(worker_client, surname="Marlowe").content.decode()
    assert "&lt;b&gt;Eve&lt;/b&gt; Marlowe" in html and "<b>Eve</b>" not in html


@pytest.mark.parametrize(
    "roles, agency",
    [(("partner_practitioner",), "POLICE"), (("dpo",), "CSC"), (("administrator",), "CSC")],
)
def test_partners_dpo_and_administrators_are_refused(make_user, signed_in, roles, agency):
    person = make_person()
    client = signed_in(make_user(*roles, agency=agency))
    assert client.get(SEARCH).status_code == 403
    assert _search(client, surname=person.surname).status_code == 403
    assert client.get(reverse("people:person_detail", args=[person.pk])).status_code == 403


def test_signed_out_users_are_sent_to_sign_in(client):
    response = client.get(SEARCH)
    assert response.status_code == 302 and "login" in response["Location"]


def _queries(client, send) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert send().status_code == 200
    return len(ctx.captured_queries)


def test_a_search_costs_one_query_more_than_the_empty_form(worker_client):
    for i in range(30):
        make_person(forename="Jack", surname="Robinson", date_of_birth=date(2015, 1, 1 + i % 28))
    worker_client.get(SEARCH)  # the first request of a session warms caches
    form = _queries(worker_client, lambda: worker_client.get(SEARCH))
    search = {"forename": "Jack", "surname": "Robinson"}
    born = {"date_of_birth_0": "3", "date_of_birth_1": "1", "date_of_birth_2": "2015"}
    # One statement: the candidates, their rows and their other names.
    assert _queries(worker_client, lambda: _search(worker_client, **search, **born)) == form + 1
    # With a postcode, the candidates' addresses as well.
    with_postcode = {**search, **born, "postcode": "ME1 1AA"}
    assert _queries(worker_client, lambda: _search(worker_client, **with_postcode)) == form + 2


def test_search_pages_are_not_cached(worker_client):
    response = _search(worker_client, surname="Anyone")
    assert "no-store" in response["Cache-Control"]


# -- person page --------------------------------------------------------------------------------


def test_person_page_shows_identity_family_and_contacts(make_user, signed_in, agencies):
    user = make_user("practice_manager")
    client = signed_in(user)
    child = make_person(
        forename="Theo", surname="Grant", nhs_number="9990000026", postcode="ME4 4TR"
    )
    mother = make_person(forename="Dana", surname="Grant")
    person_add_relationship(
        mother, child, actor=None, kind=RelationshipKind.MOTHER, same_household=True
    )
    team = Team.objects.get(code="AREA_NORTH")
    person_update(child, actor=None, open_to_team=team, allocated_worker="Sam Worker")
    decided = make_contact(
        status=ContactStatus.DECIDED, rag=Rag.AMBER, received_at=timezone.now() - timedelta(days=40)
    )
    make_contact_person(decided, person=child)
    Decision.unscoped.create(
        contact=decided,
        outcome=Outcome.ASSESSMENT_S17,
        rationale="Synthetic rationale.",
        receiving_team=team,
        decided_at=timezone.now() - timedelta(days=39),
        decided_by=user,
    )
    recent = make_contact(status=ContactStatus.RECORDED)
    make_contact_person(recent, person=child)
    make_contact_person(recent, person=mother, role=PersonRole.PARENT_CARER)

    response = client.get(reverse("people:person_detail", args=[child.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "999 000 0026" in html
    assert "Dana Grant" in html and "Mother" in html
    assert "Area team (North)" in html and "Sam Worker" in html
    assert decided.reference in html and recent.reference in html
    assert "Child and family assessment (s17)" in html
    assert html.index(recent.reference) < html.index(decided.reference)

    mother_page = client.get(reverse("people:person_detail", args=[mother.pk])).content.decode()
    assert "Theo Grant" in mother_page and ">Child<" in mother_page


def test_person_page_writes_the_access_log(make_user, signed_in):
    user = make_user("referral_officer")
    person = make_person()
    signed_in(user).get(reverse("people:person_detail", args=[person.pk]))
    seal_pending()  # views are staged until sealed (ADR 0008)
    entry = AuditEntry.objects.filter(kind=AuditEntry.Kind.ACCESS).latest("sequence")
    assert entry.actor == user
    assert str(entry.person_id) == str(person.pk)
    assert entry.channel == "people:person_detail"


def test_person_page_query_count_is_constant(make_user, signed_in):
    client = signed_in(make_user("mash_social_worker"))
    child = make_person()
    url = reverse("people:person_detail", args=[child.pk])
    counts = []
    for extra in (1, 6):
        for _ in range(extra):
            make_contact_person(make_contact(), person=child)
            sibling = make_person()
            person_add_relationship(child, sibling, actor=None, kind=RelationshipKind.SIBLING)
        client.get(url)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1] <= 15  # 19 before the access log was one INSERT (ADR 0008)


def test_person_page_is_not_found_for_an_unknown_id(make_user, signed_in):
    client = signed_in(make_user("mash_social_worker"))
    assert client.get(reverse("people:person_detail", args=[uuid.uuid4()])).status_code == 404


def test_person_page_selector_hides_people_outside_the_scope(make_user):
    from openmash.people.models import Person
    from openmash.people.selectors import person_get_for_user

    person = make_person()
    partner = make_user("partner_practitioner", agency="POLICE")
    with pytest.raises(Person.DoesNotExist):
        person_get_for_user(partner, person.pk, channel="people:person_detail")
    assert not AuditEntry.objects.filter(kind=AuditEntry.Kind.ACCESS).exists()


def test_person_page_shows_a_possible_duplicate(make_user, signed_in):
    original = make_person(forename="Ivy", surname="Stone", date_of_birth=date(2018, 1, 9))
    duplicate = make_person(
        forename="Ivy",
        surname="Stone",
        date_of_birth=date(2018, 1, 9),
        possible_duplicate_of=original,
    )
    client = signed_in(make_user("referral_officer"))
    html = client.get(reverse("people:person_detail", args=[duplicate.pk])).content.decode()
    assert "This record may be a duplicate of" in html
    assert reverse("people:person_detail", args=[original.pk]) in html


def test_find_a_person_is_in_the_navigation_for_csc_staff_only(make_user, signed_in):
    html = signed_in(make_user("referral_officer")).get(reverse("home")).content.decode()
    assert SEARCH in html
    partner = make_user("partner_practitioner", agency="POLICE")
    assert SEARCH not in signed_in(partner).get(reverse("home")).content.decode()
