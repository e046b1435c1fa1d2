"""The write functions: what they record, and what they refuse."""

from uuid import UUID, uuid4

import pytest
from django.test import RequestFactory
from django.urls import resolve

from openmash.audit.models import AuditEntry
from openmash.audit.services import (
    AuditTarget,
    access_record,
    access_record_for_people,
    audit_record,
    channel_from_request,
    field_changes,
    seal_pending,
    verify_chain,
)

pytestmark = pytest.mark.django_db


def test_audit_record_stores_who_what_and_the_change(agencies, make_user):
    officer = make_user("partner_practitioner", agency="POLICE")
    police = agencies["POLICE"]
    person = uuid4()
    entry = audit_record(
        officer,
        AuditEntry.Verb.SHARED,
        police,
        {"changes": field_changes({"status": "draft"}, {"status": "sent"}), "basis": "6(1)(e)"},
        person_id=person,
    )
    entry.refresh_from_db()
    assert entry.kind == AuditEntry.Kind.CHANGE
    assert (entry.actor, entry.actor_agency) == (officer, "POLICE")
    assert (entry.target_type, entry.target_id, entry.target_label) == (
        "accounts.agency",
        str(police.pk),
        "Police",
    )
    assert entry.person_id == person
    assert entry.payload == {
        "changes": {"status": {"old": "draft", "new": "sent"}},
        "basis": "6(1)(e)",
    }


def test_the_actors_agency_at_the_time_is_kept(agencies, make_user):
    worker = make_user("mash_social_worker", agency="CSC")
    entry = audit_record(worker, "updated", AuditTarget("tests.thing", "1", "Thing"))
    worker.agency = agencies["HEALTH"]
    worker.save()
    entry.refresh_from_db()
    assert entry.actor_agency == "CSC"


def test_unknown_verbs_and_unsaved_targets_are_refused(agencies):
    with pytest.raises(ValueError, match="Unknown audit verb"):
        audit_record(None, "frobnicated", agencies["CSC"])
    with pytest.raises(ValueError, match="saved model instance"):
        audit_record(None, "created", type(agencies["CSC"])(code="NEW", name="New"))


def test_access_record_logs_a_view_with_its_channel(make_user):
    manager = make_user("practice_manager")
    person = uuid4()
    access_record(
        manager,
        AuditTarget("people.person", str(person), "A child"),
        "people:person_detail",
        person_id=person,
    )
    seal_pending()
    entry = AuditEntry.objects.get(kind=AuditEntry.Kind.ACCESS)
    assert entry.verb == AuditEntry.Verb.VIEWED
    assert (entry.actor, entry.actor_agency) == (manager, "CSC")
    assert entry.channel == "people:person_detail"
    assert entry.person_id == person
    assert entry.reason == ""
    assert entry.payload == {}
    assert verify_chain().ok


def test_a_break_glass_view_keeps_its_reason(make_user):
    manager = make_user("practice_manager")
    person = uuid4()
    access_record(
        manager,
        AuditTarget("people.person", str(person), "A child"),
        "people:person_detail",
        person_id=person,
        reason="Out-of-hours strategy discussion",
    )
    # Chained at once, not left pending.
    entry = AuditEntry.objects.get(kind=AuditEntry.Kind.ACCESS)
    assert entry.channel == "people:person_detail"
    assert entry.reason == "Out-of-hours strategy discussion"
    assert verify_chain().ok


def test_access_record_needs_a_channel_a_known_verb_and_a_saved_target(make_user, agencies):
    dpo = make_user("dpo")
    with pytest.raises(ValueError, match="channel"):
        access_record(dpo, AuditTarget("people.person", "1"), "")
    with pytest.raises(ValueError, match="channel"):
        access_record_for_people(dpo, AuditTarget("people.person", "1"), "", [uuid4()])
    with pytest.raises(ValueError, match="Unknown audit verb"):
        access_record(dpo, AuditTarget("people.person", "1"), "x", verb="peeked")
    with pytest.raises(ValueError, match="saved model instance"):
        access_record(dpo, type(agencies["CSC"])(code="NEW", name="New"), "x")


def test_a_view_of_several_people_is_findable_by_each(make_user):
    worker = make_user("mash_social_worker")
    children = [uuid4(), uuid4(), uuid4()]
    access_record_for_people(
        worker,
        AuditTarget("contacts.contact", "c-1", "Contact C-1"),
        "contacts:detail",
        [*children, children[0]],
    )
    seal_pending()
    entries = AuditEntry.objects.filter(kind=AuditEntry.Kind.ACCESS).order_by("sequence")
    assert [e.person_id for e in entries] == children
    assert AuditEntry.objects.filter(person_id=children[2], actor=worker).count() == 1


def test_field_changes_lists_only_what_differs():
    assert field_changes({"a": 1, "b": 2}, {"a": 1, "b": 3, "c": None}) == {
        "b": {"old": 2, "new": 3}
    }


def test_channel_is_the_route_name_never_the_query_string():
    request = RequestFactory().get("/audit/access-log/?person=3f2b6c1e")
    request.resolver_match = resolve("/audit/access-log/")
    assert channel_from_request(request) == "audit:access_log"
    assert channel_from_request(RequestFactory().get("/x")) == "unnamed-route"


def test_person_ids_may_be_given_as_text(make_user):
    person = "3f2b6c1e-8a4d-4e1f-9b7a-2c5d8e9f0a1b"
    access_record(make_user("dpo"), AuditTarget("people.person", person), "x", person)
    seal_pending()
    assert AuditEntry.objects.get(kind=AuditEntry.Kind.ACCESS).person_id == UUID(person)
