"""Data subject rights: the register, subject access with redaction, rectification, erasure,
restriction and opinions marked incorrect — each telling every recipient on record."""

import json
from datetime import date, timedelta

import pytest
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from openmash.accounts.roles import Role
from openmash.audit.models import AuditEntry
from openmash.core.errors import ConflictError, NotPermitted, TransitionNotAllowed
from openmash.enquiries.models import InformationRequest
from openmash.governance.codes import DisclosureKind
from openmash.governance.models import (
    IncorrectOpinionFlag,
    NotificationReason,
    ProcessingRestriction,
    RecipientNotification,
    RightsAction,
    RightsActionKind,
    RightsRequestKind,
    RightsRequestStatus,
    SharingRecord,
)
from openmash.governance.selectors import recipients_for_person
from openmash.governance.services_rights import (
    OPINION_DELETED,
    RECTIFIABLE_FIELDS,
    RightsInvalid,
    erasure_decide,
    opinion_mark_incorrect,
    person_record_items,
    recipient_notification_acknowledge,
    recipient_notification_mark_sent,
    rectification_apply,
    restriction_apply,
    restriction_lift,
    rights_request_due_on,
    rights_request_identify_person,
    rights_request_register,
    rights_request_set_status,
    subject_access_prepare,
    subject_access_redactions_save,
    subject_access_release,
)
from openmash.governance.subject_access import REDACTED, subject_access_collect, third_party_items
from openmash.people.models import Address, Person, PersonName
from openmash.tasks.models import OutboxMessage

pytestmark = pytest.mark.django_db


def _register(dpo, kind=RightsRequestKind.ACCESS, person=None, **extra):
    fields = {
        "actor": dpo,
        "kind": kind,
        "requester_name": "Synthetic Requester",
        "requester_relationship": "The person themselves",
        "received_on": timezone.localdate(),
        "person": person,
    }
    fields.update(extra)
    return rights_request_register(**fields)


# -- the statutory deadline ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("received", "due"),
    [
        (date(2026, 3, 15), date(2026, 4, 15)),
        (date(2026, 1, 31), date(2026, 2, 28)),
        (date(2028, 1, 31), date(2028, 2, 29)),
        (date(2026, 12, 31), date(2027, 1, 31)),
        (date(2026, 8, 31), date(2026, 9, 30)),
    ],
)
def test_due_one_calendar_month_later(received, due):
    assert rights_request_due_on(received) == due


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31)))
def test_due_is_same_day_next_month_or_its_last_day(received):
    due = rights_request_due_on(received)
    assert (due.year * 12 + due.month) - (received.year * 12 + received.month) == 1
    if due.day != received.day:
        assert due.day < received.day
        assert (due + timedelta(days=1)).month != due.month  # the last day of its month


# -- the register ------------------------------------------------------------------------


def test_register_stores_the_due_date_and_logs_it(dpo):
    received = timezone.localdate() - timedelta(days=3)
    request = _register(dpo, received_on=received)
    assert request.due_on == rights_request_due_on(received)
    assert request.status == RightsRequestStatus.RECEIVED
    assert request.reference.startswith("DSR-")
    action = RightsAction.unscoped.get(rights_request=request)
    assert action.kind == RightsActionKind.REGISTERED
    assert action.by == dpo


def test_only_the_dpo_registers(make_user):
    with pytest.raises(NotPermitted):
        _register(make_user(Role.PRACTICE_MANAGER))


def test_received_date_cannot_be_in_the_future(dpo):
    with pytest.raises(RightsInvalid):
        _register(dpo, received_on=timezone.localdate() + timedelta(days=1))


def test_overdue_is_derived(dpo):
    request = _register(dpo, received_on=timezone.localdate() - timedelta(days=40))
    assert request.is_overdue
    done = rights_request_set_status(
        request, actor=dpo, status=RightsRequestStatus.COMPLETED, note="Answered by post"
    )
    assert not done.is_overdue
    assert done.closed_by == dpo


def test_refusal_needs_a_reason_and_closed_requests_stay_closed(dpo):
    request = _register(dpo)
    with pytest.raises(RightsInvalid):
        rights_request_set_status(request, actor=dpo, status=RightsRequestStatus.REFUSED)
    refused = rights_request_set_status(
        request, actor=dpo, status=RightsRequestStatus.REFUSED, note="Manifestly unfounded"
    )
    with pytest.raises(TransitionNotAllowed):
        rights_request_set_status(refused, actor=dpo, status=RightsRequestStatus.IN_PROGRESS)


def test_stale_version_is_a_conflict(dpo, person_with_history):
    history = person_with_history()
    request = _register(dpo)
    rights_request_identify_person(request, history.person, actor=dpo, expected_version=1)
    with pytest.raises(ConflictError):
        rights_request_identify_person(request, history.person, actor=dpo, expected_version=1)


# -- subject access ----------------------------------------------------------------------


def test_collect_finds_everything_and_marks_third_party_information(dpo, person_with_history):
    history = person_with_history()
    document = subject_access_collect(history.person)
    assert document["person"]["local_id"] == history.person.local_id
    [contact] = document["contacts"]
    assert contact["reference"] == history.contact.reference
    assert {r["agency"] for r in contact["information_requests"]} == {"Police", "Health"}
    assert contact["decision"]["outcome"]
    assert len(document["sharing"]) == 5
    keys = {item.key for item in third_party_items(document)}
    assert f"contacts.contact:{history.contact.pk}:referrer_name" in keys
    assert f"contacts.contactperson:{history.parent.pk}:name" in keys
    assert f"enquiries.informationrequest:{history.police_request.pk}:responded_by" in keys
    # The person's own entry on the contact is theirs, not a third party's.
    assert f"contacts.contactperson:{history.child.pk}:name" not in keys


def test_release_redacts_what_was_ticked_and_records_the_disclosure(dpo, person_with_history):
    history = person_with_history()
    request = _register(dpo, person=history.person, requester_contact="12 Synthetic Road")
    export = subject_access_prepare(request, actor=dpo)
    request.refresh_from_db()
    assert request.status == RightsRequestStatus.IN_PROGRESS
    shown = [i.key for i in third_party_items(subject_access_collect(history.person))]
    referrer_key = f"contacts.contact:{history.contact.pk}:referrer_name"

    with pytest.raises(RightsInvalid):
        subject_access_release(export, actor=dpo)  # not reviewed yet
    with pytest.raises(RightsInvalid):
        subject_access_redactions_save(
            export, actor=dpo, shown_keys=shown[:1], redacted_keys=["other:key"]
        )
    export = subject_access_redactions_save(
        export, actor=dpo, shown_keys=shown, redacted_keys=[referrer_key], expected_version=1
    )
    released = subject_access_release(export, actor=dpo, expected_version=export.version)

    document = released.document
    assert document["contacts"][0]["referrer"]["name"] == REDACTED
    assert document["contacts"][0]["referrer"]["email"] == history.contact.referrer_email
    assert document["person"]["surname"] == history.person.surname
    assert document["redacted_items"] == 1
    assert released.document_sha256
    disclosure = SharingRecord.objects.get(kind=DisclosureKind.SUBJECT_ACCESS)
    assert disclosure.to_description.startswith("Synthetic Requester")
    subjects = SharingRecord.subjects.through.objects.filter(sharingrecord=disclosure)
    assert list(subjects.values_list("person_id", flat=True)) == [history.person.pk]
    assert disclosure.article6 == "6_1_c"
    assert AuditEntry.objects.filter(
        verb="shared", target_id=str(released.pk), person_id=history.person.pk
    ).exists()
    assert RightsAction.unscoped.filter(
        rights_request=request, kind=RightsActionKind.EXPORT_RELEASED
    ).exists()
    with pytest.raises(TransitionNotAllowed):
        subject_access_redactions_save(released, actor=dpo, shown_keys=[], redacted_keys=[])


def test_release_refuses_third_party_information_added_after_review(dpo, person_with_history):
    history = person_with_history()
    request = _register(dpo, person=history.person)
    export = subject_access_prepare(request, actor=dpo)
    shown = [i.key for i in third_party_items(subject_access_collect(history.person))]
    export = subject_access_redactions_save(export, actor=dpo, shown_keys=shown, redacted_keys=[])
    from openmash.decisions.tests.factories import ContactPersonFactory

    ContactPersonFactory(contact=history.contact, role="household_member")
    with pytest.raises(RightsInvalid, match="new item"):
        subject_access_release(export, actor=dpo)


def test_access_export_needs_the_person(dpo):
    request = _register(dpo)
    with pytest.raises(RightsInvalid):
        subject_access_prepare(request, actor=dpo)


# -- recipients on the Record of Sharing ----------------------------------------------------


def test_recipients_for_person_group_by_recipient(person_with_history):
    history = person_with_history()
    labels = [r.label for r in recipients_for_person(history.person)]
    assert sorted(labels) == sorted(
        ["Police", "Health", "Assessment team", history.contact.referrer_email]
    )
    police = next(r for r in recipients_for_person(history.person) if r.label == "Police")
    assert len(police.records) == 2


def test_rectification_lists_exactly_the_recipients_on_record(dpo, person_with_history):
    history = person_with_history()
    other = person_with_history()  # shared with the same agencies, about someone else
    assert other.person != history.person
    request = _register(dpo, kind=RightsRequestKind.RECTIFICATION, person=history.person)
    key = f"people.person:{history.person.pk}:surname"
    notifications = rectification_apply(
        request, actor=dpo, item_key=key, new_value="Correctname", reason="Misspelt at intake"
    )

    on_record = {
        (r.to_agency_id, r.to_team_id, "" if (r.to_agency_id or r.to_team_id) else r.to_description)
        for r in SharingRecord.objects.filter(subjects=history.person)
    }
    notified = {(n.to_agency_id, n.to_team_id, n.to_description) for n in notifications}
    assert notified == on_record
    assert len(notifications) == 4
    assert all(n.reason == NotificationReason.RECTIFICATION for n in notifications)

    person = Person.unscoped.get(pk=history.person.pk)
    assert person.surname == "Correctname"
    surnames = list(person.history.order_by("history_date").values_list("surname", flat=True))
    assert surnames[-2:] == [history.person.surname, "Correctname"]  # before and after kept
    assert PersonName.objects.get(person=person, kind="current").surname == "Correctname"

    by_label = {
        n.to_team.name if n.to_team else (n.to_agency.name if n.to_agency else n.to_description): n
        for n in notifications
    }
    police_addresses = by_label["Police"].emailed_to.split()
    assert police_addresses == sorted([history.police.email, other.police.email])
    assert by_label["Assessment team"].emailed_to == history.team.email
    assert by_label[history.contact.referrer_email].sent_at is not None
    assert by_label["Health"].sent_at is None  # no address: the DPO tells them another way
    # Both police practitioners, the team's inbox and the referrer; nothing for health.
    assert OutboxMessage.objects.filter(kind="rights_recipient_notice").count() == 4
    body = OutboxMessage.objects.filter(kind="rights_recipient_notice").first().body
    assert history.person.forename not in body
    assert history.contact.reference in body


def test_rectification_notices_are_not_sent_twice(dpo, person_with_history):
    history = person_with_history()
    request = _register(dpo, kind=RightsRequestKind.RECTIFICATION, person=history.person)
    rectification_apply(
        request,
        actor=dpo,
        item_key=f"contacts.contact:{history.contact.pk}:narrative",
        new_value="Corrected account of events.",
        reason="The referrer confused two families",
    )
    messages = OutboxMessage.objects.count()
    notifications = RecipientNotification.unscoped.count()
    with pytest.raises(RightsInvalid, match="same"):
        rectification_apply(
            request,
            actor=dpo,
            item_key=f"contacts.contact:{history.contact.pk}:narrative",
            new_value="Corrected account of events.",
            reason="Again",
        )
    assert OutboxMessage.objects.count() == messages
    assert RecipientNotification.unscoped.count() == notifications
    history.contact.refresh_from_db()
    assert history.contact.version == 2  # a stale screening form now conflicts


def test_rectification_validates_like_the_person_index(dpo, person_with_history):
    history = person_with_history()
    request = _register(dpo, kind=RightsRequestKind.RECTIFICATION, person=history.person)
    with pytest.raises(RightsInvalid):
        rectification_apply(
            request,
            actor=dpo,
            item_key=f"people.person:{history.person.pk}:nhs_number",
            new_value="123",
            reason="Wrong number",
        )
    with pytest.raises(RightsInvalid):
        rectification_apply(
            request,
            actor=dpo,
            item_key=f"people.person:{history.person.pk}:local_id",
            new_value="X",
            reason="Not correctable here",
        )


def test_rectifiable_items_cover_the_persons_records(person_with_history):
    history = person_with_history()
    keys = {i.key for i in person_record_items(history.person, RECTIFIABLE_FIELDS)}
    assert f"people.person:{history.person.pk}:date_of_birth" in keys
    assert f"contacts.contactperson:{history.child.pk}:address" in keys
    assert f"enquiries.informationrequest:{history.police_request.pk}:summary" in keys
    assert f"decisions.decision:{history.decision.pk}:rationale" in keys
    assert f"contacts.contactperson:{history.parent.pk}:address" not in keys


def test_notifications_are_tracked_to_acknowledgement(dpo, person_with_history):
    history = person_with_history()
    request = _register(dpo, kind=RightsRequestKind.RECTIFICATION, person=history.person)
    notifications = rectification_apply(
        request,
        actor=dpo,
        item_key=f"people.person:{history.person.pk}:forename",
        new_value="Corrected",
        reason="Wrong first name",
    )
    health = next(n for n in notifications if n.to_agency and n.to_agency.code == "HEALTH")
    health = recipient_notification_mark_sent(health, actor=dpo, note="Phoned the health lead")
    assert health.sent_by == dpo
    health = recipient_notification_acknowledge(health, actor=dpo, note="Records updated")
    assert health.acknowledged_at is not None
    kinds = list(
        RightsAction.unscoped.filter(rights_request=request).values_list("kind", flat=True)
    )
    assert RightsActionKind.NOTIFICATION_SENT in kinds
    assert RightsActionKind.NOTIFICATION_ACKNOWLEDGED in kinds


# -- erasure -----------------------------------------------------------------------------------


def test_erasure_of_safeguarding_records_is_refused_without_a_recorded_decision(
    dpo, person_with_history
):
    history = person_with_history()
    request = _register(dpo, kind=RightsRequestKind.ERASURE, person=history.person)
    with pytest.raises(RightsInvalid, match="cannot be erased"):
        erasure_decide(request, actor=dpo, erase=True, rationale="")
    assert Person.unscoped.get(pk=history.person.pk).surname == history.person.surname
    assert not RecipientNotification.unscoped.exists()


def test_erasure_refused_closes_the_request(dpo, person_with_history):
    history = person_with_history()
    request = _register(dpo, kind=RightsRequestKind.ERASURE, person=history.person)
    erasure_decide(request, actor=dpo, erase=False, rationale="Art 17(3)(b) applies")
    request.refresh_from_db()
    assert request.status == RightsRequestStatus.REFUSED
    assert request.outcome_note == "Art 17(3)(b) applies"


def test_erasure_when_decided_removes_identity_and_its_history(dpo, person_with_history):
    history = person_with_history()
    person = history.person
    original_surname = person.surname
    Address.objects.create(person=person, line1="1 Synthetic Street", postcode="ME4 4TR")
    request = _register(dpo, kind=RightsRequestKind.ERASURE, person=person)
    notifications = erasure_decide(
        request,
        actor=dpo,
        erase=True,
        rationale="Recorded about the wrong child: the contact concerned a namesake.",
    )
    erased = Person.unscoped.get(pk=person.pk)
    assert erased.surname == "Erased"
    assert erased.date_of_birth is None
    assert not Address.objects.filter(person=person).exists()
    assert not PersonName.objects.filter(person=person).exists()
    assert not erased.history.exclude(surname="Erased").exists()
    entry = history.child.__class__.unscoped.get(pk=history.child.pk)
    assert entry.surname == "Erased"
    assert not entry.history.filter(surname=original_surname).exists()
    assert len(notifications) == 4
    assert all(n.reason == NotificationReason.ERASURE for n in notifications)
    # The Record of Sharing still shows the disclosures were made.
    assert SharingRecord.objects.filter(subjects=person).count() == 5


# -- restriction -------------------------------------------------------------------------------


def test_restriction_restricts_once_and_tells_recipients(dpo, person_with_history):
    history = person_with_history()
    request = _register(dpo, kind=RightsRequestKind.RESTRICTION, person=history.person)
    restriction = restriction_apply(request, actor=dpo, ground="accuracy", note="Contested DOB")
    assert ProcessingRestriction.unscoped.filter(person=history.person, lifted_at=None).exists()
    assert RecipientNotification.unscoped.filter(reason=NotificationReason.RESTRICTION).count() == 4
    with pytest.raises(RightsInvalid, match="already restricted"):
        restriction_apply(request, actor=dpo, ground="accuracy")
    restriction_lift(restriction, actor=dpo, note="Date of birth confirmed")
    from openmash.governance.selectors import processing_restriction_in_force

    assert processing_restriction_in_force(history.person.pk) is None


# -- opinions found to be incorrect ----------------------------------------------------------


def test_incorrect_opinion_is_kept_and_flagged(dpo, person_with_history):
    history = person_with_history()
    request = _register(dpo, kind=RightsRequestKind.RECTIFICATION, person=history.person)
    key = f"enquiries.informationrequest:{history.police_request.pk}:risk_factors"
    flag = opinion_mark_incorrect(
        request, actor=dpo, item_key=key, note="Based on a record about another family"
    )
    assert not flag.deleted
    assert flag.contact_id == history.contact.pk
    text = InformationRequest.unscoped.get(pk=history.police_request.pk).risk_factors
    assert text == history.police_request.risk_factors
    document = subject_access_collect(history.person)
    assert document["contacts"][0]["incorrect_opinions"][0]["why_incorrect"].startswith("Based")
    assert RecipientNotification.unscoped.filter(
        opinion_flag=flag, reason=NotificationReason.INCORRECT_OPINION
    ).count() == len(recipients_for_person(history.person))


def test_incorrect_opinion_deleted_when_decided(dpo, person_with_history):
    history = person_with_history()
    request = _register(dpo, kind=RightsRequestKind.OBJECTION, person=history.person)
    key = f"decisions.analysis:{history.analysis.pk}:analysis"
    original = history.analysis.analysis
    with pytest.raises(RightsInvalid):
        opinion_mark_incorrect(request, actor=dpo, item_key=key, note="Wrong", delete=True)
    last = AuditEntry.objects.order_by("-sequence").values_list("sequence", flat=True).first()
    flag = opinion_mark_incorrect(
        request,
        actor=dpo,
        item_key=key,
        note="Wrong",
        delete=True,
        deletion_reason="Keeping it would harm the child's placement",
    )
    assert flag.deleted
    analysis = history.analysis.__class__.unscoped.get(pk=history.analysis.pk)
    assert analysis.analysis == OPINION_DELETED
    assert not analysis.history.filter(analysis=original).exists()
    written = AuditEntry.objects.filter(sequence__gt=last or 0)
    assert written.exists()
    assert all(original not in json.dumps(entry.payload) for entry in written)
    assert IncorrectOpinionFlag.unscoped.count() == 1
