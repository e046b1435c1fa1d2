"""Reads compiled once (``core.frozen``): the same rows as the ORM's, new values each run, only
for users whose scopes keep every row, and a clear error for a query that could leak."""

from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from openmash.contacts.models import Contact, ContactConcern, ContactPerson
from openmash.core.frozen import FrozenRead, store_prefetched
from openmash.decisions.tests.factories import (
    ContactConcernFactory,
    ContactFactory,
    ContactPersonFactory,
)
from openmash.people.models import Person


def _people(variant, *, contact_id):
    rows = ContactPerson.unscoped.filter(contact_id=contact_id).select_related("person")
    if variant == "annotated":
        rows = rows.annotate(index_ref=F("person__local_id"))
    return rows.order_by("surname", "pk")


PEOPLE = FrozenRead("test people", _people, models=(ContactPerson, Person), values=("contact_id",))


@pytest.mark.django_db
def test_rows_match_the_orm_for_each_contact_with_one_query_and_related_rows_joined():
    first, second = ContactFactory(), ContactFactory()
    for contact, n in ((first, 3), (second, 2)):
        for _ in range(n):
            ContactPersonFactory(contact=contact)
    for contact in (first, second, first):  # compiled on the first run, reused after
        expected = list(_people((), contact_id=contact.pk))
        with CaptureQueriesContext(connection) as queries:
            rows = PEOPLE.rows(contact_id=contact.pk)
            names = [(p.forename, p.person.local_id, p.person.date_of_birth) for p in rows]
        assert len(queries) == 1  # the people and their index entries in one
        assert rows == expected
        assert names == [(p.forename, p.person.local_id, p.person.date_of_birth) for p in expected]
        assert all(p.contact_id == contact.pk for p in rows)
    assert PEOPLE.rows(contact_id=ContactFactory().pk) == []


@pytest.mark.django_db
def test_annotations_and_variants_are_compiled_apart():
    contact = ContactFactory()
    link = ContactPersonFactory(contact=contact)
    annotated = PEOPLE.rows("annotated", contact_id=contact.pk)
    assert [p.index_ref for p in annotated] == [link.person.local_id]
    assert not hasattr(PEOPLE.rows(contact_id=contact.pk)[0], "index_ref")


@pytest.mark.django_db
def test_only_users_whose_scopes_keep_every_row_may_skip_them(make_user):
    contact = ContactFactory()
    ContactPersonFactory(contact=contact)
    manager = make_user("practice_manager")
    police = make_user("partner_practitioner", agency="POLICE")  # scoped to their requests
    dpo = make_user("dpo")  # reads no contacts at all
    assert PEOPLE.allowed(manager)
    assert len(PEOPLE.for_user(manager, contact_id=contact.pk)) == 1
    for user in (police, dpo):
        assert not PEOPLE.allowed(user)
        assert PEOPLE.for_user(user, contact_id=contact.pk) is None


@pytest.mark.django_db
def test_a_table_of_an_undeclared_model_is_refused():
    narrow = FrozenRead(
        "test undeclared",
        lambda variant, *, contact_id: ContactPerson.unscoped.filter(
            contact_id=contact_id
        ).select_related("person"),
        models=(ContactPerson,),  # Person's scope would go untested
        values=("contact_id",),
    )
    with pytest.raises(TypeError, match="people_person"):
        narrow.rows(contact_id=ContactFactory().pk)


@pytest.mark.django_db
def test_a_value_that_never_reaches_the_sql_is_refused():
    lost = FrozenRead(
        "test lost value",
        lambda variant, *, contact_id: ContactPerson.unscoped.all(),
        models=(ContactPerson,),
        values=("contact_id",),
    )
    with pytest.raises(TypeError, match="never reach the SQL"):
        lost.rows(contact_id=ContactFactory().pk)


@pytest.mark.django_db
def test_stored_rows_answer_the_related_manager_and_a_filter_reads_afresh():
    contact = ContactFactory()
    neglect = ContactConcernFactory(contact=contact, category="neglect")
    ContactConcernFactory(contact=contact, category="physical_abuse")
    ContactConcernFactory()  # another contact's
    rows = list(ContactConcern.objects.filter(contact=contact).order_by("category"))
    store_prefetched(contact, "concerns", rows)
    with CaptureQueriesContext(connection) as queries:
        assert list(contact.concerns.all()) == rows
        assert all(concern.contact is contact for concern in rows)
    assert len(queries) == 0
    assert list(contact.concerns.filter(category="neglect")) == [neglect]


def _received_before(variant, *, contact_ids, before):
    return (
        Contact.unscoped.filter(pk__in=contact_ids, received_at__lt=before)
        .order_by("received_at")
        .values("id", "reference", "received_at")
    )


RECEIVED = FrozenRead(
    "test received", _received_before, models=(Contact,), values=("contact_ids", "before")
)


@pytest.mark.django_db
def test_dicts_lists_of_any_length_and_times_are_put_where_the_placeholders_were():
    now = timezone.now()
    contacts = [ContactFactory(received_at=now - timedelta(hours=h)) for h in (1, 2, 3)]
    ids = [c.pk for c in contacts]
    for chosen, before in (
        (ids, now),  # all three
        (ids[:2], now - timedelta(minutes=90)),  # the second only
        (ids, now - timedelta(hours=5)),  # none
        (ids[2:], now),  # a list of another length: compiled again
        (ids, now),  # the first shape again
    ):
        expected = list(_received_before((), contact_ids=chosen, before=before))
        assert RECEIVED.rows(contact_ids=chosen, before=before) == expected
    assert [row["id"] for row in RECEIVED.rows(contact_ids=ids, before=now)] == ids[::-1]
    with CaptureQueriesContext(connection) as queries:
        assert RECEIVED.rows(contact_ids=[], before=now) == []  # IN (): nothing
    assert len(queries) == 0


@pytest.mark.django_db
def test_a_value_of_another_type_is_refused_before_any_sql():
    contact = ContactFactory()
    with pytest.raises(TypeError, match="UUIDs"):
        PEOPLE.rows(contact_id=str(contact.pk))
    with pytest.raises(TypeError, match="UUIDs"):
        RECEIVED.rows(contact_ids=[str(contact.pk)], before=timezone.now())
