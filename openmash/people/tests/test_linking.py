"""Linking a child or adult named on a contact to the person index: one step, audited, with
possible duplicates flagged."""

from datetime import date

import pytest
from django.urls import reverse

from openmash.audit.models import AuditEntry
from openmash.contacts.models import ContactPerson
from openmash.core.errors import ConflictError, NotPermitted
from openmash.people.models import Person
from openmash.people.services import (
    POSSIBLE_DUPLICATE_SCORE,
    contact_person_create_person,
    contact_person_link,
)

from .factories import make_contact, make_contact_person, make_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer(make_user):
    return make_user("referral_officer")


def _link_url(contact_person):
    return reverse("people:contact_person_link", args=[contact_person.pk])


# -- services -----------------------------------------------------------------------------------


def test_link_is_one_step_and_audited(officer):
    person = make_person(forename="Leo", surname="Carter")
    cp = make_contact_person(forename="Leo", surname="Carter")
    contact_person_link(cp, person, actor=officer)
    cp.refresh_from_db()
    assert cp.person == person and not cp.possible_duplicate
    entry = AuditEntry.objects.filter(target_id=str(cp.pk)).latest("sequence")
    assert entry.actor == officer and entry.verb == AuditEntry.Verb.UPDATED
    assert str(entry.person_id) == str(person.pk)


def test_link_refuses_staff_who_neither_record_nor_screen(make_user):
    cp = make_contact_person()
    with pytest.raises(NotPermitted):
        contact_person_link(cp, make_person(), actor=make_user("mash_social_worker"))


def test_link_changed_meanwhile_is_a_conflict(officer):
    cp = make_contact_person()
    first, second = make_person(), make_person()
    contact_person_link(cp, first, actor=officer)
    with pytest.raises(ConflictError):
        contact_person_link(cp, second, actor=officer, expected_person_id=None)
    contact_person_link(cp, second, actor=officer, expected_person_id=first.pk)
    cp.refresh_from_db()
    assert cp.person == second


def test_create_from_the_recorded_details(officer):
    cp = make_contact_person(
        forename="Maisie",
        surname="Reed",
        date_of_birth=date(2017, 2, 14),
        sex="F",
        address="4 Dock Road, Chatham",
        postcode="me4 4tr",
    )
    created = contact_person_create_person(cp, actor=officer)
    person = created.person
    assert (person.forename, person.surname, person.date_of_birth, person.sex) == (
        "Maisie",
        "Reed",
        date(2017, 2, 14),
        "F",
    )
    assert person.postcode == "ME4 4TR"
    assert created.possible_duplicate_of is None
    cp.refresh_from_db()
    assert cp.person == person and not cp.possible_duplicate


def test_create_keeps_an_invalid_recorded_postcode_in_the_address(officer):
    cp = make_contact_person(address="Flat 2", postcode="ME99")
    person = contact_person_create_person(cp, actor=officer).person
    address = person.addresses.get()
    assert address.postcode == "" and "ME99" in address.line2


def test_create_flags_a_possible_duplicate(officer):
    existing = make_person(forename="Harvey", surname="Moss", date_of_birth=date(2012, 10, 5))
    cp = make_contact_person(forename="Harvey", surname="Moss", date_of_birth=date(2012, 10, 5))
    created = contact_person_create_person(cp, actor=officer)
    assert created.possible_duplicate_of == existing
    assert created.duplicate_score >= POSSIBLE_DUPLICATE_SCORE
    assert created.person.possible_duplicate_of == existing
    cp.refresh_from_db()
    assert cp.possible_duplicate
    # Linking to the existing person instead settles the flag.
    contact_person_link(cp, existing, actor=officer, expected_person_id=created.person.pk)
    cp.refresh_from_db()
    assert cp.person == existing and not cp.possible_duplicate


def test_create_without_a_close_match_is_not_flagged(officer):
    make_person(forename="Harvey", surname="Moss", date_of_birth=date(2012, 10, 5))
    cp = make_contact_person(forename="Harvey", surname="Moss", date_of_birth=date(2001, 1, 1))
    created = contact_person_create_person(cp, actor=officer)
    assert created.possible_duplicate_of is None


# -- the page -----------------------------------------------------------------------------------


def test_page_prefills_the_search_and_shows_candidates_with_reasons(officer, signed_in):
    person = make_person(forename="Evie", surname="Holt", date_of_birth=date(2015, 7, 7))
    cp = make_contact_person(forename="Evie", surname="Hault", date_of_birth=date(2015, 7, 7))
    response = signed_in(officer).get(_link_url(cp))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="Hault"' in html
    assert 'name="date_of_birth_2" type="text" inputmode="numeric" value="2015"' in html
    assert str(person.pk) in html and "Date of birth matches" in html
    assert "Create a new person from the recorded details" in html


def test_page_links_in_one_post_and_returns_to_the_contact(officer, signed_in):
    person = make_person(forename="Evie", surname="Holt")
    cp = make_contact_person(forename="Evie", surname="Holt")
    response = signed_in(officer).post(_link_url(cp), {"action": "link", "person": person.pk})
    assert response.status_code == 302
    assert response["Location"] == reverse("contacts:detail", args=[cp.contact_id]) + "#people"
    cp.refresh_from_db()
    assert cp.person == person


def test_page_creates_in_one_post_and_warns_of_a_duplicate(officer, signed_in):
    make_person(forename="Evie", surname="Holt", date_of_birth=date(2015, 7, 7))
    cp = make_contact_person(forename="Evie", surname="Holt", date_of_birth=date(2015, 7, 7))
    client = signed_in(officer)
    response = client.post(_link_url(cp), {"action": "create"}, follow=True)
    cp.refresh_from_db()
    assert cp.person is not None and cp.possible_duplicate
    assert Person.unscoped.filter(forename="Evie", surname="Holt").count() == 2
    assert "may be the same person" in response.content.decode()


def test_page_search_again_uses_the_posted_terms(officer, signed_in):
    other = make_person(forename="Zara", surname="Quinn")
    cp = make_contact_person(forename="Evie", surname="Holt")
    response = signed_in(officer).post(
        _link_url(cp),
        {
            "action": "search",
            "forename": "Zara",
            "surname": "Quinn",
            "date_of_birth_0": "",
            "date_of_birth_1": "",
            "date_of_birth_2": "",
        },
    )
    assert response.status_code == 200
    assert [m.person for m in response.context["matches"]] == [other]


def test_page_shows_a_conflict_without_losing_the_page(officer, signed_in):
    cp = make_contact_person()
    first, second = make_person(), make_person()
    contact_person_link(cp, first, actor=officer)
    response = signed_in(officer).post(
        _link_url(cp), {"action": "link", "person": second.pk, "current_person": ""}
    )
    assert response.status_code == 409
    assert "Someone else changed who this person is linked to" in response.content.decode()
    cp.refresh_from_db()
    assert cp.person == first


def test_page_refuses_a_person_id_that_is_not_a_candidate(officer, signed_in):
    cp = make_contact_person()
    response = signed_in(officer).post(_link_url(cp), {"action": "link", "person": "nonsense"})
    assert response.status_code == 400
    assert ContactPerson.unscoped.get(pk=cp.pk).person is None


@pytest.mark.parametrize(
    "roles, agency, status",
    [
        (("mash_social_worker",), "CSC", 403),
        (("partner_practitioner",), "POLICE", 403),
        (("dpo",), "CSC", 403),
        (("practice_manager",), "CSC", 200),
        (("referral_officer",), "CSC", 200),
    ],
)
def test_who_may_link(make_user, signed_in, roles, agency, status):
    cp = make_contact_person()
    client = signed_in(make_user(*roles, agency=agency))
    assert client.get(_link_url(cp)).status_code == status


def test_the_contact_page_include_offers_find_or_create(officer, signed_in):
    contact = make_contact()
    unlinked = make_contact_person(contact)
    linked = make_contact_person(contact, person=make_person(), possible_duplicate=True)
    html = signed_in(officer).get(reverse("contacts:detail", args=[contact.pk])).content.decode()
    assert _link_url(unlinked) in html and "Find or create" in html
    assert reverse("people:person_detail", args=[linked.person_id]) in html
    assert "Possible duplicate" in html
