"""The demo loader: every contacts-owned state, idempotent, synthetic people linked."""

import pytest
from django.utils import timezone

from openmash.contacts.demo import KEY_PREFIX, PLAN, load_demo_contacts
from openmash.contacts.models import Contact, ContactPerson, ContactStatus


@pytest.mark.django_db
def test_demo_contacts_cover_every_queue_and_are_idempotent(make_user):
    make_user("referral_officer", username="rio")
    message = load_demo_contacts()
    assert "created" in message
    contacts = Contact.unscoped.filter(idempotency_key__startswith=KEY_PREFIX)
    assert contacts.count() == sum(n for n, _ in PLAN) >= 38
    now = timezone.now()
    submitted = contacts.filter(status=ContactStatus.SUBMITTED)
    recorded = contacts.filter(status=ContactStatus.RECORDED)
    assert submitted.count() == 8 and recorded.count() == 32
    assert submitted.filter(channel__in=["professional_portal", "public_portal"]).count() == 8
    assert recorded.filter(immediate_risk=True).count() == 5
    assert recorded.filter(decision_due_at__lt=now).count() >= 6
    assert submitted.filter(decision_due_at__lt=now).count() >= 2
    assert all(c.clock_started_at >= c.received_at for c in contacts)
    linked = ContactPerson.unscoped.filter(contact__in=contacts, person__isnull=False)
    assert linked.exists()
    assert all(p.person.local_id.startswith("DEMO-") for p in linked.select_related("person"))

    assert load_demo_contacts() == "Demo contacts: already present."
    assert Contact.unscoped.count() == contacts.count()


@pytest.mark.django_db
def test_demo_loader_needs_the_demo_officer():
    assert "skipped" in load_demo_contacts()
    assert not Contact.unscoped.exists()
