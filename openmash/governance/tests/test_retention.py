"""Retention schedules, the dry run, disposal (delete or pseudonymise) and the pseudonymised
statistical extract. The property tests: disposal removes what is due and nothing else."""

import csv
import io
from datetime import date, datetime, time, timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openmash.audit.models import AuditEntry
from openmash.contacts.models import Contact, ContactPerson, ContactStatus
from openmash.core.errors import NotPermitted
from openmash.decisions.models import Decision
from openmash.decisions.tests.factories import ContactFactory, ContactPersonFactory, PersonFactory
from openmash.enquiries.models import InformationRequest
from openmash.governance.codes import DisclosureKind
from openmash.governance.models import (
    DisposalLog,
    RetentionAction,
    RetentionRecordType,
    RetentionSchedule,
    RetentionTrigger,
    RightsRequestKind,
    SharingRecord,
)
from openmash.governance.services_retention import (
    PSEUDONYMISE,
    RECORD_TYPES,
    REMOVED,
    RetentionInvalid,
    age_band,
    collect_graph,
    pseudonym,
    retention_cutoff,
    retention_disposal_run,
    retention_ends_on,
    retention_report,
    retention_schedule_save,
    statistical_extract,
)
from openmash.governance.services_rights import rights_request_register
from openmash.governance.tasks import retention_disposal
from openmash.people.models import Person
from openmash.timescales.calendar import LONDON

TODAY = date(2026, 6, 15)


def _schedule(**fields):
    values = {
        "record_type": RetentionRecordType.CONTACT,
        "trigger": RetentionTrigger.CLOSURE,
        "years": 6,
        "months": 0,
        "action": RetentionAction.DELETE,
    }
    values.update(fields)
    return RetentionSchedule.objects.create(**values)


def _noon(day: date) -> datetime:
    return datetime.combine(day, time(12), tzinfo=LONDON)


def _decided_contact(decided_on: date, **fields) -> Contact:
    received = _noon(decided_on) - timedelta(hours=3)
    return ContactFactory(
        status=ContactStatus.DECIDED,
        received_at=received,
        clock_started_at=received,
        decision_due_at=received + timedelta(days=1),
        decided_at=_noon(decided_on),
        **fields,
    )


# -- the period arithmetic ---------------------------------------------------------------------


@given(
    anchor=st.dates(min_value=date(1990, 1, 1), max_value=date(2060, 12, 31)),
    today=st.dates(min_value=date(2000, 1, 1), max_value=date(2070, 12, 31)),
    years=st.integers(min_value=0, max_value=30),
    months=st.integers(min_value=0, max_value=11),
)
def test_cutoff_splits_due_from_not_due(anchor, today, years, months):
    if years == 0 and months == 0:
        months = 1
    due = retention_ends_on(anchor, years, months) <= today
    assert (anchor <= retention_cutoff(today, years, months)) == due


def test_leap_day_anchor():
    assert retention_ends_on(date(2000, 2, 29), 25, 0) == date(2025, 2, 28)
    assert retention_cutoff(date(2025, 2, 28), 25, 0) == date(2000, 2, 29)
    assert retention_cutoff(date(2025, 2, 27), 25, 0) == date(2000, 2, 27)


@pytest.mark.parametrize(
    ("born", "on", "band"),
    [
        (None, date(2026, 1, 1), "Not known"),
        (date(2026, 2, 1), date(2026, 1, 1), "Unborn"),
        (date(2025, 6, 1), date(2026, 1, 1), "Under 1"),
        (date(2016, 1, 2), date(2026, 1, 1), "5-9"),
        (date(2016, 1, 1), date(2026, 1, 1), "10-15"),
        (date(2008, 1, 1), date(2026, 1, 1), "18 and over"),
    ],
)
def test_age_bands(born, on, band):
    assert age_band(born, on) == band


# -- disposal removes what is due and nothing else ------------------------------------------


@pytest.mark.django_db
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    decided_days_ago=st.lists(st.integers(min_value=0, max_value=4000), min_size=1, max_size=6),
    undecided=st.integers(min_value=0, max_value=2),
    years=st.integers(min_value=0, max_value=8),
    months=st.integers(min_value=0, max_value=11),
)
def test_disposal_deletes_exactly_the_contacts_past_retention(
    decided_days_ago, undecided, years, months
):
    if years == 0 and months == 0:
        months = 1
    with transaction.atomic():
        schedule = _schedule(years=years, months=months)
        contacts = {}
        for days in decided_days_ago:
            decided_on = TODAY - timedelta(days=days)
            contact = _decided_contact(decided_on)
            ContactPersonFactory(contact=contact)
            contacts[contact.pk] = retention_ends_on(decided_on, years, months) <= TODAY
        still_open = [ContactFactory(status=ContactStatus.RECORDED).pk for _ in range(undecided)]

        report = retention_disposal_run(today=TODAY)

        remaining = set(Contact.unscoped.values_list("pk", flat=True))
        expected_gone = {pk for pk, due in contacts.items() if due}
        assert remaining == (set(contacts) - expected_gone) | set(still_open)
        assert report.total_disposed == len(expected_gone)
        logged = DisposalLog.objects.filter(schedule=schedule)
        assert sum(logged.values_list("count", flat=True)) == len(expected_gone)
        transaction.set_rollback(True)


@pytest.mark.django_db
@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    births=st.lists(
        st.one_of(st.none(), st.dates(min_value=date(1995, 1, 1), max_value=TODAY)),
        min_size=1,
        max_size=5,
    )
)
def test_birthday_trigger_pseudonymises_exactly_the_contacts_past_the_youngest_childs_25th(
    births,
):
    with transaction.atomic():
        _schedule(trigger=RetentionTrigger.BIRTH, years=25, action=RetentionAction.PSEUDONYMISE)
        expected = {}
        for born in births:
            contact = _decided_contact(TODAY - timedelta(days=30))
            ContactPersonFactory(
                contact=contact, person=None, forename="Sam", surname="Test", date_of_birth=born
            )
            expected[contact.pk] = born is not None and retention_ends_on(born, 25, 0) <= TODAY

        dry = retention_report(today=TODAY)
        assert dry.results[0].due == sum(expected.values())
        assert dry.results[0].undetermined == sum(1 for b in births if b is None)
        retention_disposal_run(today=TODAY)

        for pk, due in expected.items():
            contact = Contact.unscoped.get(pk=pk)
            assert (contact.narrative == REMOVED) == due
        again = retention_disposal_run(today=TODAY)
        assert again.total_disposed == 0  # pseudonymised once, never again
        transaction.set_rollback(True)


# -- what disposal does to a whole episode ----------------------------------------------------


@pytest.mark.django_db
def test_deleting_a_contact_episode_takes_everything_in_it_and_its_history(
    dpo, person_with_history
):
    history = person_with_history(received_days_ago=8 * 365)
    kept = person_with_history(received_days_ago=10)
    _schedule()
    dry = retention_report()
    assert dry.results[0].due == 1
    assert Contact.unscoped.filter(pk=history.contact.pk).exists()  # a dry run changes nothing

    report = retention_disposal_run(actor=dpo)
    assert report.total_disposed == 1
    assert not Contact.unscoped.filter(pk=history.contact.pk).exists()
    assert not ContactPerson.unscoped.filter(contact_id=history.contact.pk).exists()
    assert not InformationRequest.unscoped.filter(enquiry__contact_id=history.contact.pk).exists()
    assert not Decision.unscoped.filter(contact_id=history.contact.pk).exists()
    assert not SharingRecord.objects.filter(contact_id=history.contact.pk).exists()
    assert not Contact.history.filter(id=history.contact.pk).exists()
    assert not ContactPerson.history.filter(contact_id=history.contact.pk).exists()
    # The person index entry is its own record type; the recent episode is untouched.
    assert Person.unscoped.filter(pk=history.person.pk).exists()
    assert Contact.unscoped.filter(pk=kept.contact.pk).exists()
    assert SharingRecord.objects.filter(contact_id=kept.contact.pk).count() == 5

    [log] = DisposalLog.objects.all()
    assert (log.count, log.action, log.run_by) == (1, RetentionAction.DELETE, dpo)
    values = " ".join(str(v) for v in DisposalLog.objects.values().first().values())
    for personal in (history.person.surname, history.contact.reference, str(history.contact.pk)):
        assert personal not in values
    audit = AuditEntry.objects.get(target_type="governance.retentionschedule", verb="deleted")
    assert audit.payload["disposal"]["count"] == 1
    assert history.person.surname not in str(audit.payload)


@pytest.mark.django_db
def test_pseudonymising_keeps_codes_and_dates_only(person_with_history):
    history = person_with_history(received_days_ago=8 * 365)
    _schedule(action=RetentionAction.PSEUDONYMISE)
    retention_disposal_run()
    contact = Contact.unscoped.get(pk=history.contact.pk)
    assert contact.narrative == REMOVED
    assert contact.referrer_email == ""
    assert contact.source and contact.rag and contact.decided_at
    child = ContactPerson.unscoped.get(pk=history.child.pk)
    assert (child.forename, child.date_of_birth, child.person_id) == ("Removed", None, None)
    request = InformationRequest.unscoped.get(pk=history.police_request.pk)
    assert request.summary == REMOVED and request.outcome
    assert (
        not ContactPerson.history.filter(id=history.child.pk).exclude(forename="Removed").exists()
    )
    through = SharingRecord.subjects.through.objects
    assert not through.filter(sharingrecord__contact_id=contact.pk).exists()
    assert Decision.unscoped.get(contact=contact).outcome == history.decision.outcome


@pytest.mark.django_db
def test_nothing_about_a_person_with_an_open_rights_request_is_disposed(dpo, person_with_history):
    history = person_with_history(received_days_ago=8 * 365)
    _schedule()
    rights_request_register(
        actor=dpo,
        kind=RightsRequestKind.ACCESS,
        requester_name="Synthetic Requester",
        requester_relationship="Parent",
        received_on=timezone.localdate(),
        person=history.person,
    )
    assert retention_report().results[0].due == 0
    retention_disposal_run()
    assert Contact.unscoped.filter(pk=history.contact.pk).exists()


@pytest.mark.django_db
def test_person_entries_go_only_once_no_contact_names_them(person_with_history):
    history = person_with_history(received_days_ago=10)
    alone = PersonFactory(date_of_birth=date(1990, 1, 1))
    _schedule(record_type=RetentionRecordType.PERSON, trigger=RetentionTrigger.BIRTH, years=25)
    history.person.date_of_birth = date(1990, 1, 1)
    history.person.save(update_fields=["date_of_birth"])
    retention_disposal_run()
    assert not Person.unscoped.filter(pk=alone.pk).exists()
    assert Person.unscoped.filter(pk=history.person.pk).exists()


@pytest.mark.django_db
def test_standalone_sharing_records_and_sent_emails_have_schedules(dpo, agencies):
    from openmash.governance.services import sharing_record
    from openmash.tasks.models import OutboxMessage

    with transaction.atomic():
        old = sharing_record(
            kind=DisclosureKind.EXPORT,
            shared_by=dpo,
            from_agency=agencies["CSC"],
            to_description="Synthetic research team",
            record_type="export",
        )
    SharingRecord.objects.filter(pk=old.pk).update(shared_at=timezone.now() - timedelta(days=800))
    message = OutboxMessage.objects.create(
        kind="test",
        recipient="someone@example.org",
        subject="Synthetic",
        body="Synthetic",
        dedupe_key="retention-test",
        status=OutboxMessage.Status.SENT,
        sent_at=timezone.now(),
        next_attempt_at=timezone.now(),
    )
    OutboxMessage.objects.filter(pk=message.pk).update(
        created_at=timezone.now() - timedelta(days=400)
    )
    _schedule(record_type=RetentionRecordType.SHARING_RECORD, trigger="creation", years=2)
    _schedule(record_type=RetentionRecordType.OUTBOX_MESSAGE, trigger="creation", years=1)
    retention_disposal_run()
    assert not SharingRecord.objects.filter(pk=old.pk).exists()
    assert not OutboxMessage.objects.filter(pk=message.pk).exists()


@pytest.mark.django_db
def test_every_model_a_record_reaches_has_a_pseudonymisation_rule():
    """A new model pointing at a contact (or a person, a request …) must say what
    pseudonymising it means, or the schedule stops rather than keep unknown personal data."""
    for record_type in RECORD_TYPES:
        model = RECORD_TYPES[record_type].base().model
        graph = collect_graph(model, [])
        reached = _reachable(model)
        missing = sorted(label for label in reached if label not in PSEUDONYMISE)
        assert not missing, f"{record_type}: {missing}"
        assert graph.rows[model] == set()


def _reachable(model, seen=None) -> set[str]:
    from django.db import models

    seen = seen if seen is not None else set()
    label = model._meta.label_lower
    if label in seen:
        return seen
    seen.add(label)
    for relation in model._meta.get_fields(include_hidden=True):
        if not (relation.auto_created and not relation.concrete):
            continue
        if not (relation.one_to_many or relation.one_to_one):
            continue
        related = relation.related_model
        if related._meta.model_name.startswith("historical"):
            continue
        if relation.field.remote_field.on_delete in (models.SET_NULL, models.DO_NOTHING):
            continue
        _reachable(related, seen)
    return seen


@pytest.mark.django_db
def test_the_monthly_task_runs_the_disposal(person_with_history):
    history = person_with_history(received_days_ago=8 * 365)
    schedule = _schedule()
    assert retention_disposal() == {str(schedule.pk): {"disposed": 1, "error": ""}}
    assert not Contact.unscoped.filter(pk=history.contact.pk).exists()
    assert DisposalLog.objects.get().run_by is None


# -- schedules -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_schedule_rules(dpo, make_user):
    schedule = retention_schedule_save(
        None,
        actor=dpo,
        record_type=RetentionRecordType.CONTACT,
        trigger=RetentionTrigger.BIRTH,
        years=25,
        months=0,
        action=RetentionAction.DELETE,
        authority="Partnership retention schedule",
    )
    assert str(schedule) == "Contact episode: 25 years after the child's date of birth"
    with pytest.raises(RetentionInvalid, match="already an active schedule"):
        retention_schedule_save(
            None,
            actor=dpo,
            record_type=RetentionRecordType.CONTACT,
            trigger=RetentionTrigger.CLOSURE,
            years=6,
            months=0,
            action=RetentionAction.DELETE,
        )
    with pytest.raises(RetentionInvalid):
        retention_schedule_save(
            None,
            actor=dpo,
            record_type=RetentionRecordType.BREACH,
            trigger=RetentionTrigger.BIRTH,
            years=6,
            months=0,
            action=RetentionAction.DELETE,
        )
    with pytest.raises(RetentionInvalid):
        retention_schedule_save(
            None,
            actor=dpo,
            record_type=RetentionRecordType.BREACH,
            trigger=RetentionTrigger.CLOSURE,
            years=0,
            months=0,
            action=RetentionAction.DELETE,
        )
    with pytest.raises(NotPermitted):
        retention_schedule_save(
            schedule,
            actor=make_user("practice_manager"),
            record_type=RetentionRecordType.CONTACT,
            trigger=RetentionTrigger.BIRTH,
            years=1,
            months=0,
            action=RetentionAction.DELETE,
        )
    changed = retention_schedule_save(
        schedule,
        actor=dpo,
        record_type=RetentionRecordType.CONTACT,
        trigger=RetentionTrigger.BIRTH,
        years=25,
        months=6,
        action=RetentionAction.PSEUDONYMISE,
        expected_version=1,
    )
    assert (changed.months, changed.version) == (6, 2)


# -- the statistical extract ---------------------------------------------------------------


@pytest.mark.django_db
def test_statistical_extract_is_pseudonymised_and_recorded(dpo, person_with_history):
    history = person_with_history(received_days_ago=2)
    today = timezone.localdate()
    text, count = statistical_extract(
        actor=dpo,
        date_from=today - timedelta(days=7),
        date_to=today,
        recipient="Synthetic performance team",
    )
    assert count == 1
    [row] = list(csv.DictReader(io.StringIO(text)))
    assert row["child_id"] == pseudonym("person", history.person.pk)
    assert row["contact_id"] == pseudonym("contact", history.contact.pk)
    assert row["outcome"] == history.decision.outcome
    assert row["age_band"] != "Not known"
    for personal in (
        history.person.forename,
        history.person.surname,
        history.person.date_of_birth.isoformat(),
        history.child.address,
        history.contact.reference,
        str(history.person.pk),
    ):
        assert personal not in text
    record = SharingRecord.objects.get(kind=DisclosureKind.EXPORT)
    assert record.purpose == "statistics" and record.article9 == "9_2_j"
    assert AuditEntry.objects.filter(verb="exported", payload__rows=1).exists()
