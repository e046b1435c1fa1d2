"""Person search: tolerant of how people really type names, dates and identifiers."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from openmash.people.codes import NameKind
from openmash.people.matching import PersonQuery
from openmash.people.search import candidate_ids
from openmash.people.selectors import person_search
from openmash.people.services import AddressInput, person_add_name

from .factories import make_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def worker(make_user):
    return make_user("mash_social_worker")


def _top(user, **query):
    matches = person_search(user, PersonQuery(**query))
    assert matches, f"no match for {query}"
    return matches[0]


def _found(user, person, **query):
    matches = person_search(user, PersonQuery(**query))
    return next((m for m in matches if m.person.pk == person.pk), None)


def test_exact_details_score_100_with_reasons(worker):
    person = make_person(forename="Isla", surname="Fletcher", date_of_birth=date(2016, 5, 9))
    make_person(forename="Ella", surname="Fletcher", date_of_birth=date(2012, 1, 2))
    best = _top(worker, forename="Isla", surname="Fletcher", dob=date(2016, 5, 9))
    assert best.person == person
    assert best.score >= 90
    assert "surname matches" in best.reasons and "date of birth matches" in best.reasons


def test_a_typing_error_in_the_surname(worker):
    person = make_person(forename="Jessica", surname="Taylor", date_of_birth=date(2014, 7, 1))
    best = _top(worker, forename="Jessica", surname="Tayler", dob=date(2014, 7, 1))
    assert best.person == person
    assert any("sounds like 'Taylor'" in r or "spelt like 'Taylor'" in r for r in best.reasons)


def test_a_nickname(worker):
    person = make_person(forename="William", surname="Hughes", date_of_birth=date(2010, 2, 3))
    best = _top(worker, forename="Bill", surname="Hughes")
    assert best.person == person
    assert any("nickname" in r or "forms of" in r for r in best.reasons), best.reasons


def test_part_of_a_hyphenated_surname(worker):
    person = make_person(forename="Oliver", surname="Smith-Jones", date_of_birth=date(2013, 4, 4))
    for given in ("Smith", "Jones", "Smith Jones"):
        match = _found(worker, person, forename="Oliver", surname=given)
        assert match is not None, given
        assert match.score >= 50, (given, match.reasons)


def test_names_given_the_wrong_way_round(worker):
    person = make_person(forename="Priya", surname="Patel", date_of_birth=date(2011, 9, 30))
    best = _top(worker, forename="Patel", surname="Priya")
    assert best.person == person
    assert "names in reverse order" in best.reasons


def test_transposed_digits_in_the_date_of_birth(worker):
    person = make_person(forename="Noah", surname="Walsh", date_of_birth=date(2014, 3, 12))
    # 21/03/2014 for 12/03/2014, the day and month swapped (03/12/2014), a day out.
    for typed in (date(2014, 3, 21), date(2014, 12, 3), date(2014, 3, 13)):
        match = _found(worker, person, forename="Noah", surname="Walsh", dob=typed)
        assert match is not None, typed
        assert match.score >= 80, (typed, match.reasons)
    swapped = _found(worker, person, surname="Walsh", dob=date(2014, 12, 3))
    assert "date of birth has day and month swapped" in swapped.reasons


def test_date_of_birth_and_a_misspelt_name_still_find_the_child(worker):
    person = make_person(forename="Kacper", surname="Nowak", date_of_birth=date(2015, 8, 17))
    best = _top(worker, forename="Casper", surname="Novak", dob=date(2015, 8, 17))
    assert best.person == person


def test_an_identifier_alone(worker):
    from openmash.people.identifiers import format_nhs_number

    person = make_person(nhs_number="9990000026")
    make_person()
    best = _top(worker, nhs_number=format_nhs_number("9990000026"))
    assert best.person == person and best.score >= 90
    assert "NHS number matches" in best.reasons
    by_local_id = _top(worker, local_id=person.local_id.lower())
    assert by_local_id.person == person and "local ID matches" in by_local_id.reasons


def test_a_previous_surname_or_alias(worker):
    person = make_person(forename="Chloe", surname="Adeyemi", date_of_birth=date(2012, 6, 6))
    person_add_name(person, actor=None, forename="Chloe", surname="Barker", kind=NameKind.PREVIOUS)
    best = _top(worker, forename="Chloe", surname="Barker")
    assert best.person == person
    assert any("another recorded surname" in r for r in best.reasons), best.reasons


def test_a_name_known_by_the_middle_name(worker):
    person = make_person(
        forename="Mary", middle_names="Grace", surname="Doyle", date_of_birth=date(2009, 1, 1)
    )
    best = _top(worker, forename="Grace", surname="Doyle")
    assert best.person == person


def test_a_postcode_finds_the_household(worker):
    mum = make_person(surname="Kaur", postcode="ME4 4TR")
    child = make_person(surname="Kaur", postcode="ME4 4TR")
    make_person(surname="Kaur", postcode="ME7 1AB")
    found = {m.person for m in person_search(worker, PersonQuery(postcode="me44tr"))}
    assert found == {mum, child}


def test_someone_else_entirely_is_not_returned(worker):
    make_person(forename="Harry", surname="Whitfield", date_of_birth=date(2010, 1, 1))
    assert person_search(worker, PersonQuery(forename="Zainab", surname="Okonkwo")) == []


def test_partners_and_the_dpo_search_nothing(make_user):
    make_person(forename="Lily", surname="Evans")
    for user in (make_user("partner_practitioner", agency="POLICE"), make_user("dpo")):
        assert person_search(user, PersonQuery(surname="Evans")) == []


def _queries(user, query: PersonQuery) -> int:
    assert user.capabilities  # the user's roles are read once per request, not per search
    with CaptureQueriesContext(connection) as ctx:
        person_search(user, query)
    return len(ctx.captured_queries)


def test_query_count_does_not_grow_with_the_index(worker):
    query = PersonQuery(
        forename="Jack", surname="Robinson", dob=date(2015, 1, 1), postcode="ME1 1AA"
    )
    for i in range(3):
        make_person(forename="Jack", surname="Robinson", date_of_birth=date(2015, 1, 1 + i))
    small = _queries(worker, query)
    for i in range(40):
        make_person(
            forename="Jack",
            surname="Robinson",
            date_of_birth=date(2015, 1 + i % 12, 1 + i % 27),
            address=AddressInput(line1=f"{i} Long Road", postcode="ME1 1AA"),
        )
    large = _queries(worker, query)
    # One statement finds the candidates and reads their rows and other names; a search with a
    # postcode reads their addresses too.
    assert large == small == 2
    assert _queries(worker, PersonQuery(forename="Jack", surname="Robinson")) == 1


def _tables_read_for_scoring(user, query: PersonQuery) -> set[str]:
    """Which of the other names and the address history the search read to score candidates."""
    with CaptureQueriesContext(connection) as ctx:
        person_search(user, query)
    sql = " ".join(q["sql"] for q in ctx.captured_queries)
    return {
        name
        for name, marker in (
            ("other names", 'JOIN "people_personname"'),
            ("addresses", '"people_address"."date_from"'),
        )
        if marker in sql
    }


def test_names_and_addresses_are_read_only_when_the_search_scores_them(worker):
    person = make_person(nhs_number="9990000026", surname="Kaur", postcode="ME4 4TR")
    person_add_name(person, actor=None, forename="Asha", surname="Gill", kind=NameKind.PREVIOUS)
    number = "9990000026"
    assert _tables_read_for_scoring(worker, PersonQuery(nhs_number=number)) == set()
    with_name = PersonQuery(nhs_number=number, surname="Gill")
    assert _tables_read_for_scoring(worker, with_name) == {"other names"}
    with_postcode = PersonQuery(nhs_number=number, postcode="ME44TR")
    assert _tables_read_for_scoring(worker, with_postcode) == {"addresses"}
    best = _top(worker, nhs_number=number, surname="Gill", postcode="ME44TR")
    assert best.person == person
    assert "surname matches another recorded surname 'Gill'" in best.reasons
    assert any(r.startswith("postcode matches") for r in best.reasons), best.reasons


def test_the_people_found_are_whole_records(worker):
    person = make_person(forename="Isla", surname="Fletcher", first_language="Welsh")
    best = _top(worker, forename="Isla", surname="Fletcher")
    assert best.person.get_deferred_fields() == set()
    with CaptureQueriesContext(connection) as ctx:
        assert (best.person.first_language, best.person.local_id) == ("Welsh", person.local_id)
        assert best.person.full_name == "Isla Fletcher"
    assert len(ctx.captured_queries) == 0


def test_the_people_found_have_the_values_the_orm_reads(worker):
    from openmash.people.models import Person

    person = make_person(
        forename="Isla", surname="Fletcher", postcode="ME4 4TR", nhs_number="9990000026"
    )
    found = _top(worker, forename="Isla", surname="Fletcher").person
    read = Person.unscoped.get(pk=person.pk)
    for field in Person._meta.concrete_fields:
        assert getattr(found, field.attname) == getattr(read, field.attname), field.name
    assert found.created_at.utcoffset() == read.created_at.utcoffset()


def test_candidates_are_capped(monkeypatch):
    import openmash.people.search as search

    monkeypatch.setattr(search, "MAX_CANDIDATES", 5)
    for _ in range(8):
        make_person(forename="Sam", surname="Hill")
    assert len(candidate_ids(PersonQuery(forename="Sam", surname="Hill"))) == 5


def test_each_branch_adds_at_most_the_room_left(monkeypatch):
    import openmash.people.search as search

    monkeypatch.setattr(search, "MAX_CANDIDATES", 5)
    born = date(2014, 6, 1)
    same_day = [make_person(surname=f"Other{i}", date_of_birth=born) for i in range(3)]
    same_name = [
        make_person(forename="Sam", surname="Hill", date_of_birth=date(2001, 1, 1 + i))
        for i in range(4)
    ]
    # Everyone born that day first; then the name's branch, with room for two more.
    ids = candidate_ids(PersonQuery(forename="Sam", surname="Hill", dob=born))
    assert set(ids[:3]) == {p.pk for p in same_day}
    assert len(ids) == 5 and set(ids[3:]) <= {p.pk for p in same_name}


def test_nothing_outside_the_callers_scope_is_returned():
    from openmash.people.models import Person
    from openmash.people.search import person_matches

    shown = make_person(forename="Lena", surname="Hart", date_of_birth=date(2012, 3, 3))
    hidden = make_person(forename="Lena", surname="Hart", date_of_birth=date(2012, 3, 3))
    Person.unscoped.filter(pk=hidden.pk).update(restricted=True)
    query = PersonQuery(forename="Lena", surname="Hart", dob=date(2012, 3, 3))
    assert {m.person.pk for m in person_matches(Person.unscoped.all(), query)} == {
        shown.pk,
        hidden.pk,
    }
    scoped = Person.unscoped.filter(restricted=False)
    assert [m.person.pk for m in person_matches(scoped, query)] == [shown.pk]
    assert person_matches(Person.unscoped.none(), query) == []


@pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_trgm is only on PostgreSQL")
def test_trigram_similarity_finds_a_misspelling_that_changes_the_sound(worker):
    person = make_person(forename="Anna", surname="Kowalczyk", date_of_birth=date(2013, 2, 2))
    assert _found(worker, person, forename="Anna", surname="Kowalcyzk") is not None


@pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_trgm is only on PostgreSQL")
def test_trigram_similarity_finds_a_misspelt_forename_whose_key_changed(worker):
    person = make_person(forename="Jennifer", surname="Sinclair", date_of_birth=date(2014, 5, 5))
    assert _found(worker, person, forename="Jennnifer", surname="Sinclair") is not None
