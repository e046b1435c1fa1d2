"""The fail-closed default: a query that forgets the user's scope returns nothing."""

import pytest
from django.utils import timezone

from openmash.contacts.models import Contact
from openmash.people.models import Person


@pytest.fixture
def contact(db):
    now = timezone.now()
    return Contact.unscoped.create(
        reference="C26-000001",
        channel="phone",
        received_at=now,
        clock_started_at=now,
        decision_due_at=now,
        source="6",
        narrative="Synthetic test narrative",
        consent_status="given",
    )


@pytest.mark.django_db
def test_unscoped_query_on_default_manager_returns_nothing(contact):
    Person.unscoped.create(forename="Ava", surname="Testperson", local_id="P1")
    assert Contact.objects.count() == 0
    assert Person.objects.count() == 0
    assert Contact.unscoped.count() == 1


@pytest.mark.django_db
def test_for_user_applies_the_scope(contact, make_user):
    csc = make_user("practice_manager", agency="CSC")
    police = make_user("partner_practitioner", agency="POLICE")
    dpo = make_user("dpo", agency="CSC")
    assert list(Contact.objects.for_user(csc)) == [contact]
    assert Contact.objects.for_user(police).count() == 0
    assert Contact.objects.for_user(dpo).count() == 0
    assert Contact.objects.for_user(None).count() == 0


@pytest.mark.django_db
def test_inactive_user_sees_nothing(contact, make_user):
    csc = make_user("practice_manager", agency="CSC")
    csc.is_active = False
    csc.save()
    assert Contact.objects.for_user(csc).count() == 0
