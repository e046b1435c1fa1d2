"""Every simple-history record becomes a hash-chained CHANGE entry with before/after values."""

import pytest
from django.test import RequestFactory
from django.urls import resolve
from simple_history.models import HistoricalRecords

from openmash.accounts.models import Agency, Role
from openmash.audit.models import AuditEntry
from openmash.audit.services import verify_chain

pytestmark = pytest.mark.django_db


def _entries_for(record):
    return AuditEntry.objects.filter(
        kind=AuditEntry.Kind.CHANGE,
        target_type=record._meta.label_lower,
        target_id=str(record.pk),
    ).order_by("sequence")


def test_changing_an_agency_records_before_and_after(agencies, make_user):
    admin = make_user("administrator")
    police = agencies["POLICE"]
    old_name = police.name
    police.name = "Kent Police"
    police.co_located = False
    police._history_user = admin
    police.save()

    entry = _entries_for(police).last()
    assert entry.verb == AuditEntry.Verb.UPDATED
    assert entry.actor == admin
    assert entry.actor_agency == "CSC"
    assert entry.target_label == "Kent Police"
    assert entry.changes == {
        "co_located": {"old": True, "new": False},
        "name": {"old": old_name, "new": "Kent Police"},
    }
    latest_history = police.history.latest()
    assert entry.payload["history"] == {
        "model": "accounts.historicalagency",
        "id": latest_history.history_id,
    }
    assert verify_chain().ok


def test_creating_and_deleting_a_record_are_recorded(db):
    agency = Agency.objects.create(code="YOT", name="Youth Offending Team", kind="virtual")
    created = _entries_for(agency).get()
    assert created.verb == AuditEntry.Verb.CREATED
    assert created.actor is None  # no signed-in user: a system change
    assert created.changes["name"] == {"old": None, "new": "Youth Offending Team"}
    assert created.changes["kind"] == {"old": None, "new": "virtual"}
    assert "location" not in created.changes  # empty values are left out of a creation

    agency_id = agency.pk
    agency.delete()
    deleted = AuditEntry.objects.filter(target_id=str(agency_id)).order_by("sequence").last()
    assert deleted.verb == AuditEntry.Verb.DELETED
    assert deleted.changes["code"] == {"old": "YOT", "new": None}
    assert verify_chain().ok


def test_a_save_that_changes_nothing_writes_no_entry(agencies):
    health = agencies["HEALTH"]
    before = AuditEntry.objects.count()
    health.save()
    assert AuditEntry.objects.count() == before


def test_the_change_reason_is_kept(agencies):
    education = agencies["EDUCATION"]
    education.summary = "Schools and colleges"
    education._change_reason = "Protocol appendix 3 updated"
    education.save()
    assert _entries_for(education).last().reason == "Protocol appendix 3 updated"


def test_role_changes_are_recorded_as_role_codes(make_user):
    user = make_user("referral_officer")
    user.roles.add(Role.objects.get(code="practice_manager"))
    entry = _entries_for(user).last()
    assert entry.changes == {
        "roles": {"old": ["referral_officer"], "new": ["practice_manager", "referral_officer"]}
    }


def test_signing_in_does_not_clutter_the_log(make_user):
    """last_login is excluded from user history, so a sign-in is not a change."""
    user = make_user("dpo")
    before = AuditEntry.objects.count()
    user.last_login = user.date_joined
    user.save(update_fields=["last_login"])
    assert AuditEntry.objects.count() == before


def test_a_change_made_in_a_request_records_its_route(agencies, make_user):
    request = RequestFactory().post("/audit/access-log/?secret=1")
    request.user = make_user("administrator")
    request.resolver_match = resolve("/audit/access-log/")
    HistoricalRecords.context.request = request  # what simple-history's middleware does
    try:
        police = agencies["POLICE"]
        police.location = "Gillingham"
        police.save()
    finally:
        del HistoricalRecords.context.request
    entry = _entries_for(police).last()
    assert entry.channel == "audit:access_log"
    assert entry.actor == request.user
