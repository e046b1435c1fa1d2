"""Retention and disposal (protocol Appendix 4, "Storing and deleting personal information";
ADR docs/decisions/0004-retention-and-disposal.md).

* ``RetentionSchedule`` rows say, per record type, how long records are kept, from when
  (closure, the child's date of birth, creation) and what happens then (delete, or pseudonymise
  for statistics). ``retention_schedule_save`` validates and writes them.
* ``retention_report`` (the dry run) counts, per schedule, the records due — and those whose
  date is unknown, which no schedule can touch — without changing anything.
* ``retention_disposal_run`` (the monthly job, ``tasks.retention_disposal``) disposes of them in
  short batches and writes one ``DisposalLog`` row and one audit entry per schedule: counts, no
  personal data.
* ``person_erase`` is erasure on request (``services_rights.erasure_decide``).
* ``statistical_extract`` is the pseudonymised CSV for statistics.

When is a record due? Its *anchor* (the closure date, the youngest child's date of birth, the
creation date — a calendar date in Europe/London) plus the period (calendar years and months,
``dateutil.relativedelta``: 29 February + 1 year is 28 February) is on or before today. The
database query uses ``retention_cutoff``, the latest anchor date for which that holds.

Records are never disposed of while still needed: a contact that is not yet decided, a rights
request or breach still open, anything about a person with an open rights request (destroying
data a person has asked for is an offence: DPA 2018 s173).

Disposal does not go through the ORM's per-object delete and save. Those would write each
record's full contents into a new history row and into the audit trail — copying exactly the
personal data being disposed of. Rows are removed and blanked in bulk, their simple-history
rows are purged, and the disposal is audited once per schedule, by count. (Audit entries
written earlier keep what they recorded: see ADR 0001.)
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import models, transaction
from django.db.models import OuterRef, Subquery
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from openmash.accounts.roles import Capability
from openmash.audit.services import AuditTarget, audit_record
from openmash.core.errors import DomainError, NotPermitted
from openmash.timescales.calendar import LONDON

from .codes import Article6, Article9, DisclosureKind, Purpose
from .models import (
    OPEN_RIGHTS_STATUSES,
    Breach,
    BreachStatus,
    DisposalLog,
    PseudonymisedRecord,
    RetentionAction,
    RetentionRecordType,
    RetentionSchedule,
    RetentionTrigger,
    RightsRequest,
    RightsRequestStatus,
    SharingRecord,
)
from .services import LawfulBasis, sharing_record

logger = logging.getLogger(__name__)

RT = RetentionRecordType
TR = RetentionTrigger

REMOVED = "[removed under the retention schedule]"
REMOVED_NAME = "Removed"
ERASED_NAME = "Erased"
#: In a pseudonymisation map: delete these rows rather than blank fields.
DELETE_ROWS = "__delete_rows__"
#: Root rows disposed of per transaction: keeps each transaction (and its locks) short.
BATCH_SIZE = 200


class RetentionInvalid(DomainError):
    def __init__(self, message: str, field: str = ""):
        super().__init__(message)
        self.field = field


class RetentionNotCovered(DomainError):
    """A record type reaches a model the pseudonymisation map does not cover: nothing is done
    rather than leaving unknown personal data in a "pseudonymised" record."""


# -- periods ------------------------------------------------------------------------------------


def retention_ends_on(anchor: date, years: int, months: int) -> date:
    """The day a record anchored on ``anchor`` reaches the end of its retention."""
    return anchor + relativedelta(years=years, months=months)


def retention_cutoff(today: date, years: int, months: int) -> date:
    """The latest anchor date whose retention has ended by ``today``: a record is due exactly
    when its anchor is on or before this date. (``today - period`` is not always it: month-end
    clamping makes the period's end a non-strictly increasing function of the anchor, so the
    answer is found by stepping from that estimate.)"""
    cutoff = today - relativedelta(years=years, months=months)
    while retention_ends_on(cutoff + timedelta(days=1), years, months) <= today:
        cutoff += timedelta(days=1)
    while retention_ends_on(cutoff, years, months) > today:
        cutoff -= timedelta(days=1)
    return cutoff


# -- what each record type is -------------------------------------------------------------------


def _local_date(field_name: str):
    return TruncDate(field_name, tzinfo=LONDON)


def _held_people():
    """People with an open rights request: nothing about them is disposed of meanwhile."""
    return RightsRequest.unscoped.filter(
        status__in=OPEN_RIGHTS_STATUSES, person__isnull=False
    ).values("person_id")


def _contact_base():
    from openmash.contacts.models import Contact, ContactPerson, ContactStatus

    held = ContactPerson.unscoped.filter(person_id__in=_held_people()).values("contact_id")
    return Contact.unscoped.filter(status=ContactStatus.DECIDED).exclude(pk__in=held)


def _youngest_child_birth():
    from openmash.contacts.codes import PersonRole
    from openmash.contacts.models import ContactPerson

    return Subquery(
        ContactPerson.unscoped.filter(contact=OuterRef("pk"), role=PersonRole.SUBJECT_CHILD)
        .annotate(born=Coalesce("person__date_of_birth", "date_of_birth", "expected_delivery_date"))
        .exclude(born=None)
        .order_by("-born")
        .values("born")[:1],
        output_field=models.DateField(),
    )


def _person_base():
    from openmash.contacts.models import ContactPerson
    from openmash.people.models import Person

    named = ContactPerson.unscoped.exclude(person=None).values("person_id")
    return Person.unscoped.exclude(pk__in=named).exclude(pk__in=_held_people())


def _rights_base():
    return RightsRequest.unscoped.filter(
        status__in=(RightsRequestStatus.COMPLETED, RightsRequestStatus.REFUSED)
    ).exclude(person_id__in=_held_people())


def _breach_base():
    return Breach.unscoped.filter(status=BreachStatus.CLOSED)


def _sharing_base():
    return SharingRecord.objects.filter(contact__isnull=True).exclude(subjects__in=_held_people())


def _outbox_base():
    from openmash.tasks.models import OutboxMessage

    return OutboxMessage.objects.filter(
        status__in=(OutboxMessage.Status.SENT, OutboxMessage.Status.FAILED)
    )


@dataclass(frozen=True)
class RecordTypeSpec:
    """Which rows a record type is (only those finished with), and the anchor per trigger."""

    base: object  # () -> QuerySet of root rows that may ever be disposed of
    anchors: dict  # trigger -> () -> expression giving the anchor date


RECORD_TYPES: dict[str, RecordTypeSpec] = {
    RT.CONTACT: RecordTypeSpec(
        _contact_base,
        {
            TR.CLOSURE: lambda: _local_date("decided_at"),
            TR.BIRTH: _youngest_child_birth,
            TR.CREATION: lambda: _local_date("received_at"),
        },
    ),
    RT.PERSON: RecordTypeSpec(
        _person_base,
        {
            TR.BIRTH: lambda: Coalesce("date_of_birth", "expected_delivery_date"),
            TR.CREATION: lambda: _local_date("created_at"),
        },
    ),
    RT.RIGHTS_REQUEST: RecordTypeSpec(
        _rights_base,
        {
            TR.CLOSURE: lambda: _local_date("closed_at"),
            TR.CREATION: lambda: models.F("received_on"),
        },
    ),
    RT.BREACH: RecordTypeSpec(
        _breach_base,
        {
            TR.CLOSURE: lambda: _local_date("closed_at"),
            TR.CREATION: lambda: _local_date("discovered_at"),
        },
    ),
    RT.SHARING_RECORD: RecordTypeSpec(
        _sharing_base, {TR.CREATION: lambda: _local_date("shared_at")}
    ),
    RT.OUTBOX_MESSAGE: RecordTypeSpec(
        _outbox_base, {TR.CREATION: lambda: _local_date("created_at")}
    ),
}


def allowed_triggers(record_type: str) -> list[str]:
    spec = RECORD_TYPES.get(record_type)
    return [t for t in TR.values if spec and t in spec.anchors]


def _anchored(schedule: RetentionSchedule) -> models.QuerySet:
    spec = RECORD_TYPES[schedule.record_type]
    qs = spec.base().annotate(retention_anchor=spec.anchors[schedule.trigger]())
    if schedule.action == RetentionAction.PSEUDONYMISE:
        done = PseudonymisedRecord.objects.filter(record_type=schedule.record_type).values(
            "object_id"
        )
        qs = qs.exclude(pk__in=done)
    return qs


def due_records(schedule: RetentionSchedule, today: date) -> models.QuerySet:
    """Root rows of ``schedule`` whose retention has ended by ``today``."""
    cutoff = retention_cutoff(today, schedule.years, schedule.months)
    return _anchored(schedule).filter(retention_anchor__lte=cutoff)


def contact_retention_ends(contact_ids) -> date | None:
    """When the last of these contacts reaches the end of its retention under the active
    contact schedule; None when there is no schedule or an end cannot be known yet (a contact
    still open, a child's date of birth not recorded)."""
    schedule = RetentionSchedule.objects.filter(record_type=RT.CONTACT, active=True).first()
    if schedule is None:
        return None
    from openmash.contacts.models import Contact

    anchors = list(
        Contact.unscoped.filter(pk__in=list(contact_ids))
        .annotate(retention_anchor=RECORD_TYPES[RT.CONTACT].anchors[schedule.trigger]())
        .values_list("retention_anchor", flat=True)
    )
    if not anchors or any(a is None for a in anchors):
        return None
    return max(retention_ends_on(a, schedule.years, schedule.months) for a in anchors)


# -- schedules ------------------------------------------------------------------------------


def _require_dpo(actor) -> None:
    if actor is None or not actor.can(Capability.GOVERNANCE_MANAGE):
        raise NotPermitted("Only the data protection officer may do this.")


@transaction.atomic
def retention_schedule_save(
    schedule: RetentionSchedule | None,
    *,
    actor,
    record_type: str,
    trigger: str,
    years: int,
    months: int,
    action: str,
    authority: str = "",
    notes: str = "",
    active: bool = True,
    expected_version: int | None = None,
) -> RetentionSchedule:
    """Create or change a schedule. One active schedule per record type."""
    _require_dpo(actor)
    if record_type not in RECORD_TYPES:
        raise RetentionInvalid("Select the type of record.", "record_type")
    if trigger not in allowed_triggers(record_type):
        labels = ", ".join(TR(t).label.lower() for t in allowed_triggers(record_type))
        raise RetentionInvalid(f"{RT(record_type).label} can be kept only: {labels}.", "trigger")
    if action not in RetentionAction.values:
        raise RetentionInvalid("Select what happens at the end of the period.", "action")
    if years < 0 or months < 0 or months > 11:
        raise RetentionInvalid("Enter whole years, and months from 0 to 11.", "months")
    if years == 0 and months == 0:
        raise RetentionInvalid("Enter a period of at least one month.", "years")
    clash = RetentionSchedule.objects.filter(record_type=record_type, active=True)
    if schedule is not None:
        clash = clash.exclude(pk=schedule.pk)
    if active and clash.exists():
        raise RetentionInvalid(
            "There is already an active schedule for this type of record: change that one, "
            "or make it inactive first.",
            "record_type",
        )
    if schedule is None:
        schedule = RetentionSchedule(created_by=actor)
    else:
        schedule = RetentionSchedule.objects.select_for_update().get(pk=schedule.pk)
        if expected_version is not None and schedule.version != expected_version:
            from openmash.core.errors import ConflictError

            raise ConflictError(
                "Someone else has changed this schedule since you opened the page. Its "
                "current values are shown."
            )
        schedule.version += 1
    schedule.record_type = record_type
    schedule.trigger = trigger
    schedule.years = years
    schedule.months = months
    schedule.action = action
    schedule.authority = authority.strip()
    schedule.notes = notes.strip()
    schedule.active = active
    schedule.modified_by = actor
    schedule.save()
    return schedule


# -- dry run and disposal ---------------------------------------------------------------------


@dataclass
class ScheduleResult:
    schedule: RetentionSchedule
    started_on_or_before: date
    due: int
    undetermined: int
    disposed: int = 0
    error: str = ""


@dataclass
class DisposalReport:
    today: date
    dry_run: bool
    results: list[ScheduleResult] = field(default_factory=list)

    @property
    def total_due(self) -> int:
        return sum(r.due for r in self.results)

    @property
    def total_disposed(self) -> int:
        return sum(r.disposed for r in self.results)


def _active_schedules():
    return list(RetentionSchedule.objects.filter(active=True).order_by("record_type"))


def retention_report(today: date | None = None) -> DisposalReport:
    """The dry run: per active schedule, how many records are due and how many have no anchor
    date (so are never disposed of until someone fills it in). Counts only."""
    today = today or timezone.localdate()
    report = DisposalReport(today=today, dry_run=True)
    for schedule in _active_schedules():
        cutoff = retention_cutoff(today, schedule.years, schedule.months)
        anchored = _anchored(schedule)
        report.results.append(
            ScheduleResult(
                schedule=schedule,
                started_on_or_before=cutoff,
                due=anchored.filter(retention_anchor__lte=cutoff).count(),
                undetermined=anchored.filter(retention_anchor__isnull=True).count(),
            )
        )
    return report


def retention_disposal_run(*, actor=None, today: date | None = None) -> DisposalReport:
    """Dispose of everything due under each active schedule; ``actor`` None is the monthly
    job. Idempotent: a second run finds nothing more due. One schedule failing (e.g. a model
    its pseudonymisation does not cover) is reported and logged; the others still run."""
    if actor is not None:
        _require_dpo(actor)
    today = today or timezone.localdate()
    report = DisposalReport(today=today, dry_run=False)
    for schedule in _active_schedules():
        cutoff = retention_cutoff(today, schedule.years, schedule.months)
        result = ScheduleResult(
            schedule=schedule,
            started_on_or_before=cutoff,
            due=0,
            undetermined=_anchored(schedule).filter(retention_anchor__isnull=True).count(),
        )
        try:
            while True:
                with transaction.atomic():
                    ids = list(
                        due_records(schedule, today)
                        .order_by("pk")
                        .values_list("pk", flat=True)[:BATCH_SIZE]
                    )
                    if not ids:
                        break
                    _dispose(schedule, ids)
                    result.disposed += len(ids)
        except RetentionNotCovered as error:
            result.error = str(error)
            logger.error("retention schedule %s not run: %s", schedule.pk, error)
        result.due = result.disposed
        if result.disposed:
            with transaction.atomic():
                DisposalLog.objects.create(
                    run_at=timezone.now(),
                    schedule=schedule,
                    schedule_label=str(schedule)[:250],
                    record_type=schedule.record_type,
                    action=schedule.action,
                    count=result.disposed,
                    started_on_or_before=cutoff,
                    run_by=actor,
                    created_by=actor,
                )
                audit_record(
                    actor,
                    "deleted" if schedule.action == RetentionAction.DELETE else "updated",
                    AuditTarget("governance.retentionschedule", str(schedule.pk), str(schedule)),
                    {
                        "disposal": {
                            "action": schedule.action,
                            "record_type": schedule.record_type,
                            "count": result.disposed,
                            "started_on_or_before": cutoff.isoformat(),
                        }
                    },
                )
            logger.info(
                "retention: %s %s record(s) under schedule %s",
                schedule.action,
                result.disposed,
                schedule.pk,
            )
        report.results.append(result)
    return report


def _root_model(record_type: str):
    return RECORD_TYPES[record_type].base().model


def _dispose(schedule: RetentionSchedule, ids: list) -> None:
    graph = collect_graph(_root_model(schedule.record_type), ids)
    if schedule.action == RetentionAction.DELETE:
        _delete_graph(graph)
    else:
        _pseudonymise_graph(graph, PSEUDONYMISE)
        now = timezone.now()
        PseudonymisedRecord.objects.bulk_create(
            [
                PseudonymisedRecord(
                    record_type=schedule.record_type, object_id=pk, pseudonymised_at=now
                )
                for pk in ids
            ],
            ignore_conflicts=True,
        )


# -- the record graph ------------------------------------------------------------------------


def _is_history(model) -> bool:
    return model._meta.model_name.startswith("historical")


def _manager(model):
    return getattr(model, "unscoped", None) or model._base_manager


@dataclass
class RecordGraph:
    """The rows that belong to some root rows: everything that points at them (and at those)
    through a cascading or protecting foreign key. ``nullify`` lists links that are cut
    (``SET_NULL``) rather than followed."""

    rows: dict = field(default_factory=lambda: defaultdict(set))
    depth: dict = field(default_factory=dict)
    nullify: list = field(default_factory=list)

    def ordered_models(self) -> list:
        """Deepest first, so children go before their parents."""
        return sorted(self.rows, key=lambda m: -self.depth[m])


def collect_graph(model, pks, graph: RecordGraph | None = None, depth: int = 0) -> RecordGraph:
    graph = graph or RecordGraph()
    new = set(pks) - graph.rows[model]
    graph.depth[model] = max(graph.depth.get(model, 0), depth)
    if not new:
        return graph
    graph.rows[model] |= new
    for relation in model._meta.get_fields(include_hidden=True):
        if not (relation.auto_created and not relation.concrete):
            continue
        if not (relation.one_to_many or relation.one_to_one):
            continue
        related = relation.related_model
        if _is_history(related):
            continue
        fk = relation.field
        on_delete = fk.remote_field.on_delete
        if on_delete is models.DO_NOTHING:
            continue
        matching = _manager(related).filter(**{f"{fk.name}__in": list(new)})
        if on_delete in (models.SET_NULL, models.SET_DEFAULT):
            graph.nullify.append((related, fk.name, list(new)))
            continue
        child_pks = list(matching.values_list("pk", flat=True))
        if child_pks:
            collect_graph(related, child_pks, graph, depth + 1)
    return graph


def _chunks(values, size: int = 500):
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _purge_history(model, pks) -> None:
    """Remove the historical copies simple-history keeps of these rows."""
    attribute = getattr(model._meta, "simple_history_manager_attribute", None)
    if not attribute:
        return
    historical = getattr(model, attribute).model
    for chunk in _chunks(pks):
        historical.objects.filter(**{f"{model._meta.pk.attname}__in": chunk}).delete()


def _raw_delete(model, pks) -> None:
    # ``_raw_delete`` sends no signals: no history row or audit entry copying the contents.
    for chunk in _chunks(pks):
        qs = _manager(model).filter(pk__in=chunk)
        qs._raw_delete(qs.db)


def _cut_links(graph: RecordGraph) -> None:
    for model, field_name, pks in graph.nullify:
        for chunk in _chunks(pks):
            _manager(model).filter(**{f"{field_name}__in": chunk}).update(**{field_name: None})


def _delete_graph(graph: RecordGraph) -> None:
    _cut_links(graph)
    for model in graph.ordered_models():
        pks = graph.rows[model]
        _purge_history(model, pks)
        _raw_delete(model, pks)


#: What pseudonymising a record does to each model its graph reaches: fields replaced (only
#: where they hold something), or DELETE_ROWS. Codes, dates and agencies stay, for statistics.
#: A model reached but missing here stops the schedule (``RetentionNotCovered``).
PSEUDONYMISE: dict[str, dict | str] = {
    "contacts.contact": {
        "referrer_name": REMOVED_NAME,
        "referrer_role": "",
        "referrer_organisation": "",
        "referrer_email": "",
        "referrer_phone": "",
        "referrer_relationship": "",
        "narrative": REMOVED,
        "consent_reason": REMOVED,
        "screening_rationale": REMOVED,
        "idempotency_key": None,
    },
    "contacts.contactperson": {
        "forename": REMOVED_NAME,
        "surname": REMOVED_NAME,
        "date_of_birth": None,
        "expected_delivery_date": None,
        "address": "",
        "postcode": "",
        "relationship_to_child": "",
        "person": None,
    },
    "contacts.contactconcern": {"detail": REMOVED},
    "enquiries.mashenquiry": {"ready_reason": REMOVED},
    "enquiries.informationrequest": {
        "question": REMOVED,
        "summary": REMOVED,
        "risk_factors": REMOVED,
        "protective_factors": REMOVED,
        "systems_searched": REMOVED,
        "proportionality_note": REMOVED,
    },
    "decisions.analysis": {"analysis": REMOVED, "recommendation_rationale": REMOVED},
    "decisions.decision": {"rationale": REMOVED},
    "meetings.agendaitem": {"reason": "", "outcome": REMOVED},
    "governance.sharingrecord": {
        "summary": REMOVED,
        "to_description": REMOVED_NAME,
        "consent_reference": REMOVED_NAME,
    },
    "governance.sharingrecord_subjects": DELETE_ROWS,
    "governance.consentrecord": {
        "reason": REMOVED,
        "told_purpose": REMOVED,
        "told_recipients": REMOVED,
        "told_retention": REMOVED,
    },
    "governance.consentoverride": {"rationale": REMOVED, "decision_note": REMOVED},
    "governance.notinformdecision": {"rationale": REMOVED},
    "governance.incorrectopinionflag": {
        "note": REMOVED,
        "deletion_reason": REMOVED,
        "person": None,
    },
    "governance.recipientnotification": {
        "shared_items": REMOVED,
        "emailed_to": REMOVED,
        "to_description": REMOVED_NAME,
        "acknowledgement_note": REMOVED,
        "person": None,
    },
    "people.person": {
        "forename": REMOVED_NAME,
        "middle_names": "",
        "surname": REMOVED_NAME,
        "date_of_birth": None,
        "expected_delivery_date": None,
        "first_language": "",
        "nhs_number": "",
        "upn": "",
        "postcode": "",
        "allocated_worker": "",
        "possible_duplicate_of": None,
    },
    "people.personname": DELETE_ROWS,
    "people.address": DELETE_ROWS,
    "people.relationship": DELETE_ROWS,
    "governance.personrestriction": {"reason": REMOVED, "lift_reason": REMOVED},
    "governance.restrictedaccessgrant": {},
    "governance.breakglassaccess": {"reason": REMOVED, "review_note": REMOVED},
    "governance.processingrestriction": {"note": REMOVED, "lift_note": REMOVED},
    "governance.rightsrequest": {
        "requester_name": REMOVED_NAME,
        "requester_relationship": REMOVED_NAME,
        "requester_contact": "",
        "description": REMOVED,
        "outcome_note": REMOVED,
        "person": None,
    },
    "governance.rightsaction": {"note": REMOVED},
    "governance.subjectaccessexport": {
        "document": {"removed": REMOVED},
        "reviewed_keys": [],
        "redacted_keys": [],
    },
    "governance.breach": {
        "description": REMOVED,
        "ico_reason": REMOVED,
        "ico_delay_reason": REMOVED,
        "individuals_reason": REMOVED,
        "closure_note": REMOVED,
    },
    "governance.breach_agencies": {},
    "governance.breachaction": {"what": REMOVED},
    "tasks.outboxmessage": {"recipient": "removed@example.invalid", "subject": "", "body": ""},
}


def _blank(model, pks, mapping: dict) -> None:
    manager = _manager(model)
    for field_name, value in mapping.items():
        model_field = model._meta.get_field(field_name)
        column = model_field.attname
        for chunk in _chunks(pks):
            qs = manager.filter(pk__in=chunk)
            if isinstance(model_field, models.JSONField):
                qs.update(**{column: value})
            elif value is None:
                qs.exclude(**{f"{column}__isnull": True}).update(**{column: None})
            else:
                qs.exclude(**{column: ""}).exclude(**{column: value}).update(**{column: value})


def _pseudonymise_graph(graph: RecordGraph, mapping: dict) -> None:
    missing = [m._meta.label_lower for m in graph.rows if m._meta.label_lower not in mapping]
    if missing:
        raise RetentionNotCovered(
            "No pseudonymisation rule for " + ", ".join(sorted(missing)) + ": add one to "
            "services_retention.PSEUDONYMISE."
        )
    for model in graph.ordered_models():
        rule = mapping[model._meta.label_lower]
        pks = graph.rows[model]
        _purge_history(model, pks)
        if rule == DELETE_ROWS:
            _raw_delete(model, pks)
        else:
            _blank(model, pks, rule)


# -- erasure on request --------------------------------------------------------------------

#: Erasure removes what identifies the person, special category data included; the row stays
#: so the contacts and the Record of Sharing that name it still hold together.
ERASE_PERSON = {
    **PSEUDONYMISE["people.person"],
    "forename": ERASED_NAME,
    "surname": ERASED_NAME,
    "sex": "U",
    "ethnicity": "NOBT",
    "disabilities": "",
}
ERASE_CONTACT_PERSON = {
    **PSEUDONYMISE["contacts.contactperson"],
    "forename": ERASED_NAME,
    "surname": ERASED_NAME,
    "sex": "",
    "person": None,
}


def person_erase(person, *, actor, reason: str) -> str:
    """Erase a person on request (called by ``services_rights.erasure_decide``, which decides
    whether it is lawful): their identifying details and special category data on the person
    record and on each contact they are named on are removed, and their other names,
    addresses and family links deleted, history included. Returns a count summary."""
    from openmash.contacts.models import ContactPerson
    from openmash.people.models import Address, Person, PersonName, Relationship

    with transaction.atomic():
        entries = list(ContactPerson.unscoped.filter(person=person).values_list("pk", flat=True))
        names = list(PersonName.objects.filter(person=person).values_list("pk", flat=True))
        addresses = list(Address.objects.filter(person=person).values_list("pk", flat=True))
        relationships = list(
            Relationship.objects.filter(
                models.Q(person=person) | models.Q(related_person=person)
            ).values_list("pk", flat=True)
        )
        for model, pks in (
            (PersonName, names),
            (Address, addresses),
            (Relationship, relationships),
        ):
            _purge_history(model, pks)
            _raw_delete(model, pks)
        _purge_history(ContactPerson, entries)
        _blank(ContactPerson, entries, ERASE_CONTACT_PERSON)
        _purge_history(Person, [person.pk])
        _blank(Person, [person.pk], ERASE_PERSON)
        summary = (
            f"{len(entries)} entr{'ies' if len(entries) != 1 else 'y'} on contacts cleared; "
            f"{len(names)} other names, {len(addresses)} addresses and {len(relationships)} "
            "family links deleted"
        )
        audit_record(
            actor,
            "deleted",
            AuditTarget("people.person", str(person.pk), f"Person {person.local_id}"),
            {"erasure": reason, "summary": summary},
            person_id=person.pk,
        )
    return summary


# -- the pseudonymised statistical extract -----------------------------------------------------


def _pseudonym_key() -> bytes:
    """The secret behind pseudonymous IDs: ``settings.OPENMASH_PSEUDONYM_KEY`` if set, else
    derived from ``SECRET_KEY`` (HMAC with a fixed label, so the secret key itself is never
    used directly). IDs are stable between extracts while the key is; rotating it gives new
    IDs, so records cannot be linked across a rotation."""
    configured = getattr(settings, "OPENMASH_PSEUDONYM_KEY", "")
    if configured:
        return configured.encode()
    return hmac.new(
        settings.SECRET_KEY.encode(), b"openmash.governance.statistical-pseudonym", hashlib.sha256
    ).digest()


def pseudonym(kind: str, value) -> str:
    """A stable pseudonymous ID for a person or contact: HMAC-SHA256, 16 hex characters.
    Re-identifying it needs the key and the original IDs, which never leave OpenMASH."""
    digest = hmac.new(_pseudonym_key(), f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()
    return digest[:16]


def age_band(born: date | None, on: date, *, unborn: bool = False) -> str:
    """The CIN census age bands, at the date of the contact."""
    if born is None:
        return "Unborn" if unborn else "Not known"
    if born > on:
        return "Unborn"
    years = on.year - born.year - ((on.month, on.day) < (born.month, born.day))
    for lower, label in ((18, "18 and over"), (16, "16-17"), (10, "10-15"), (5, "5-9"), (1, "1-4")):
        if years >= lower:
            return label
    return "Under 1"


EXTRACT_COLUMNS = [
    "child_id",
    "contact_id",
    "age_band",
    "sex",
    "ethnicity",
    "received_date",
    "decided_date",
    "channel",
    "referral_source",
    "concerns",
    "rag",
    "threshold_level",
    "route",
    "outcome",
    "is_referral",
]


def statistical_extract_rows(date_from: date, date_to: date) -> list[dict]:
    """One row per child the concern was about, on contacts received between the dates: codes,
    dates and pseudonymous IDs only — no names, dates of birth or addresses."""
    from datetime import datetime, time

    from openmash.contacts.codes import PersonRole
    from openmash.contacts.models import ContactConcern, ContactPerson

    start = timezone.make_aware(datetime.combine(date_from, time.min), LONDON)
    end = timezone.make_aware(datetime.combine(date_to + timedelta(days=1), time.min), LONDON)
    entries = list(
        ContactPerson.unscoped.filter(
            role=PersonRole.SUBJECT_CHILD,
            contact__received_at__gte=start,
            contact__received_at__lt=end,
        )
        .select_related("contact", "person", "contact__decision")
        .order_by("contact__received_at", "pk")
    )
    concerns = defaultdict(list)
    for contact_id, category in (
        ContactConcern.objects.filter(contact_id__in={e.contact_id for e in entries})
        .order_by("category")
        .values_list("contact_id", "category")
    ):
        concerns[contact_id].append(category)
    rows = []
    for entry in entries:
        contact, person = entry.contact, entry.person
        received = timezone.localtime(contact.received_at, LONDON).date()
        born = (person.date_of_birth if person else None) or entry.date_of_birth
        unborn = bool((person and person.expected_delivery_date) or entry.expected_delivery_date)
        decision = getattr(contact, "decision", None)
        rows.append(
            {
                "child_id": pseudonym("person", person.pk if person else f"entry:{entry.pk}"),
                "contact_id": pseudonym("contact", contact.pk),
                "age_band": age_band(born, received, unborn=unborn),
                "sex": (person.sex if person else entry.sex) or "U",
                "ethnicity": person.ethnicity if person else "NOBT",
                "received_date": received.isoformat(),
                "decided_date": timezone.localtime(contact.decided_at, LONDON).date().isoformat()
                if contact.decided_at
                else "",
                "channel": contact.channel,
                "referral_source": contact.source,
                "concerns": " ".join(concerns.get(contact.pk, [])),
                "rag": contact.rag,
                "threshold_level": contact.threshold_level,
                "route": contact.route,
                "outcome": decision.outcome if decision else "",
                "is_referral": ("yes" if decision.is_referral else "no") if decision else "",
            }
        )
    return rows


@transaction.atomic
def statistical_extract(
    *, actor, date_from: date, date_to: date, recipient: str
) -> tuple[str, int]:
    """The extract as CSV text, and its row count. Sharing it is a disclosure of pseudonymised
    personal data (it still is personal data: protocol Appendix 4, "Pseudonymisation"), so it
    is recorded on the Record of Sharing and audited."""
    _require_dpo(actor)
    if date_to < date_from:
        raise RetentionInvalid("The end date must be on or after the start date.", "date_to")
    if not recipient.strip():
        raise RetentionInvalid("Enter who the extract is for.", "recipient")
    rows = statistical_extract_rows(date_from, date_to)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=EXTRACT_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    from .services_rights import _disclosing_agency

    sharing_record(
        kind=DisclosureKind.EXPORT,
        shared_by=actor,
        from_agency=_disclosing_agency(actor),
        to_description=recipient.strip()[:250],
        record_type="Pseudonymised statistical extract",
        summary=(
            f"{len(rows)} rows, contacts received {date_from:%d/%m/%Y} to {date_to:%d/%m/%Y}: "
            "pseudonymous IDs, age bands, codes and dates only."
        ),
        special_category=True,  # ethnicity
        basis=LawfulBasis(
            purpose=Purpose.STATISTICS,
            article6=Article6.PUBLIC_TASK,
            article9=Article9.STATISTICS,
        ),
        one_off=True,
    )
    audit_record(
        actor,
        "exported",
        AuditTarget(
            "governance.statisticalextract", f"{date_from}:{date_to}", "Statistical extract"
        ),
        {
            "rows": len(rows),
            "date_from": date_from.isoformat(),
            "date_to": date_to.isoformat(),
            "columns": EXTRACT_COLUMNS,
        },
    )
    return buffer.getvalue(), len(rows)
