"""Writes to the person index: validation, stored match keys, names, addresses, relationships."""

from datetime import date

import pytest

from openmash.audit.models import AuditEntry
from openmash.people.codes import NameKind, RelationshipKind
from openmash.people.matching import canonical_forename, forename_key_string, surname_key_string
from openmash.people.models import Address, Person, PersonName, Relationship
from openmash.people.services import (
    AddressInput,
    PersonInvalid,
    new_local_id,
    person_add_address,
    person_add_name,
    person_add_relationship,
    person_create,
    person_update,
)

from .factories import make_person

pytestmark = pytest.mark.django_db

BAD_CHECK_DIGIT_NHS = "9434765918"


def _valid_nhs(n: int = 0) -> str:
    import random

    from openmash.people.identifiers import synthetic_nhs_number

    return synthetic_nhs_number(random.Random(n))


def test_create_stores_the_current_name_with_its_match_keys(make_user):
    officer = make_user("referral_officer")
    person = person_create(
        actor=officer,
        forename="Bill",
        middle_names="Joseph",
        surname="Smith-Jones",
        date_of_birth=date(2015, 3, 4),
    )
    name = PersonName.objects.get(person=person)
    assert name.kind == NameKind.CURRENT
    assert name.surname_keys == surname_key_string("Smith-Jones")
    assert " SM0 " in name.surname_keys and " JNS " in name.surname_keys
    assert name.forename_keys == forename_key_string(["Bill", "Joseph"])
    assert name.canonical_forename == canonical_forename("Bill") == "william"
    assert person.local_id.startswith("P") and len(person.local_id) == 10
    assert person.created_by == officer


def test_create_validates_identifiers_and_postcode_without_echoing_them():
    with pytest.raises(PersonInvalid) as caught:
        person_create(
            actor=None,
            forename="Ava",
            surname="Green",
            nhs_number=BAD_CHECK_DIGIT_NHS,
            upn="H801200001002",
            address=AddressInput(line1="1 High Street", postcode="NOT A POSTCODE"),
        )
    errors = caught.value.errors
    assert set(errors) == {"nhs_number", "upn", "postcode"}
    assert "check digit" in errors["nhs_number"]
    assert BAD_CHECK_DIGIT_NHS not in errors["nhs_number"]
    assert not Person.unscoped.exists()


def test_create_requires_names_and_refuses_a_future_date_of_birth_or_both_dates():
    with pytest.raises(PersonInvalid) as caught:
        person_create(
            actor=None,
            forename=" ",
            surname="",
            date_of_birth=date(2999, 1, 1),
            expected_delivery_date=date(2999, 1, 1),
        )
    assert set(caught.value.errors) == {
        "forename",
        "surname",
        "date_of_birth",
        "expected_delivery_date",
    }


def test_nhs_number_and_local_id_are_unique_in_the_index():
    nhs = _valid_nhs()
    person = make_person(nhs_number=nhs, local_id="abc 123")
    assert person.local_id == "ABC123"
    with pytest.raises(PersonInvalid) as caught:
        make_person(nhs_number=nhs[:3] + " " + nhs[3:6] + " " + nhs[6:], local_id="ABC123")
    assert set(caught.value.errors) == {"nhs_number", "local_id"}


def test_create_stores_the_current_address_and_postcode():
    person = make_person(
        address=AddressInput(line1="2 Mill Road", town="Chatham", postcode="me44tr")
    )
    assert person.postcode == "ME4 4TR"
    address = Address.objects.get(person=person)
    assert address.postcode == "ME4 4TR" and address.date_to is None


def test_new_local_id_is_reproducible_with_a_seeded_generator():
    import random

    assert new_local_id(random.Random(1)) == new_local_id(random.Random(1))
    assert set(new_local_id()[1:]) <= set("0123456789ABCDEFGHJKMNPQRSTVWXYZ")


def test_update_of_the_name_keeps_the_keys_in_step(make_user):
    person = make_person(forename="Jon", surname="Smyth")
    person = person_update(person, actor=make_user("referral_officer"), surname="Smith")
    name = PersonName.objects.get(person=person, kind=NameKind.CURRENT)
    assert name.surname == "Smith" and name.surname_keys == surname_key_string("Smith")
    assert Person.unscoped.get(pk=person.pk).surname == "Smith"


def test_update_validates_and_refuses_unknown_fields():
    person = make_person()
    with pytest.raises(PersonInvalid) as caught:
        person_update(person, actor=None, nhs_number="123")
    assert "10 digits" in caught.value.errors["nhs_number"]
    with pytest.raises(TypeError):
        person_update(person, actor=None, restricted=True)


def test_update_records_who_changed_what_in_the_audit_chain(make_user):
    officer = make_user("referral_officer")
    person = make_person()
    person_update(person, actor=officer, first_language="Polish")
    entry = AuditEntry.objects.filter(
        target_id=str(person.pk), verb=AuditEntry.Verb.UPDATED
    ).latest("sequence")
    assert entry.actor == officer
    assert entry.payload["changes"]["first_language"]["new"] == "Polish"
    assert str(entry.person_id) == str(person.pk)


def test_add_alias_and_change_of_name():
    person = make_person(forename="Amelia", surname="Brown")
    alias = person_add_name(person, actor=None, forename="Millie", surname="Brown")
    assert alias.kind == NameKind.ALIAS
    assert alias.canonical_forename == canonical_forename("Millie")

    person_add_name(person, actor=None, forename="Amelia", surname="Okafor", kind=NameKind.CURRENT)
    person.refresh_from_db()
    assert person.surname == "Okafor"
    names = set(PersonName.objects.filter(person=person).values_list("forename", "surname", "kind"))
    assert names == {
        ("Amelia", "Brown", NameKind.PREVIOUS),
        ("Millie", "Brown", NameKind.ALIAS),
        ("Amelia", "Okafor", NameKind.CURRENT),
    }
    current = PersonName.objects.get(person=person, kind=NameKind.CURRENT)
    assert current.surname_keys == surname_key_string("Okafor")


def test_new_current_address_closes_the_previous_one_and_updates_the_postcode():
    person = make_person(
        address=AddressInput(line1="1 Old Road", postcode="ME1 1AA", date_from=date(2019, 1, 1))
    )
    person_add_address(
        person,
        actor=None,
        address=AddressInput(line1="9 New Road", postcode="ME7 2BB", date_from=date(2023, 6, 1)),
    )
    person.refresh_from_db()
    assert person.postcode == "ME7 2BB"
    old = Address.objects.get(person=person, line1="1 Old Road")
    assert old.date_to == date(2023, 6, 1)
    assert Address.objects.get(person=person, line1="9 New Road").date_to is None


def test_past_address_goes_into_the_history_only():
    person = make_person(address=AddressInput(line1="1 Now Road", postcode="ME1 1AA"))
    person_add_address(
        person,
        actor=None,
        address=AddressInput(
            line1="5 Then Road",
            postcode="ME2 2BB",
            date_from=date(2015, 1, 1),
            date_to=date(2018, 1, 1),
        ),
    )
    person.refresh_from_db()
    assert person.postcode == "ME1 1AA"
    assert Address.objects.get(person=person, line1="1 Now Road").date_to is None


def test_address_dates_must_be_in_order():
    person = make_person()
    with pytest.raises(PersonInvalid) as caught:
        person_add_address(
            person,
            actor=None,
            address=AddressInput(
                line1="1 Road", date_from=date(2020, 1, 1), date_to=date(2019, 1, 1)
            ),
        )
    assert "date_to" in caught.value.errors


def test_sibling_relationships_are_recorded_both_ways_and_parents_one_way():
    mother, child, sibling = make_person(), make_person(), make_person()
    person_add_relationship(mother, child, actor=None, kind=RelationshipKind.MOTHER)
    person_add_relationship(
        child, sibling, actor=None, kind=RelationshipKind.SIBLING, same_household=True
    )
    rows = set(Relationship.objects.values_list("person_id", "related_person_id", "kind"))
    assert rows == {
        (mother.pk, child.pk, RelationshipKind.MOTHER),
        (child.pk, sibling.pk, RelationshipKind.SIBLING),
        (sibling.pk, child.pk, RelationshipKind.SIBLING),
    }
    # Recording it again updates, never duplicates.
    person_add_relationship(
        child, sibling, actor=None, kind=RelationshipKind.SIBLING, same_household=False
    )
    assert Relationship.objects.count() == 3
    assert not Relationship.objects.filter(same_household=True).exists()


def test_a_person_cannot_be_related_to_themselves():
    person = make_person()
    with pytest.raises(PersonInvalid):
        person_add_relationship(person, person, actor=None, kind=RelationshipKind.SIBLING)
