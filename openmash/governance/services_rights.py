"""Writes for data subject rights (UK GDPR Arts 15–21; protocol Appendix 4, "Individuals
requesting information" and "Rights of the people whose personal information we share").

* The register: ``rights_request_register`` (due date: one calendar month, stored),
  ``rights_request_identify_person``, ``rights_request_set_status``, ``rights_request_add_note``.
  Every step writes a ``RightsAction`` (who, when, what) in the same transaction.
* Subject access: ``subject_access_prepare`` → ``subject_access_redactions_save`` (the DPO has
  seen every item of third-party information and ticked what to redact) →
  ``subject_access_release`` (Record of Sharing entry and audit entry with the release).
* Rectification, erasure, restriction: ``rectification_apply``, ``erasure_decide``,
  ``restriction_apply`` / ``restriction_lift``. Each lists every recipient on the Record of
  Sharing and creates a tracked ``RecipientNotification`` for each (emailed through the outbox
  when the recipient has an address).
* Opinions found to be wrong: ``opinion_mark_incorrect`` keeps and flags them, or deletes the
  text when that is decided.

Only the data protection officer (``governance.manage``) may call these. They read case
records with ``unscoped`` managers: answering a statutory request is the controller's duty
across every agency's records.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from openmash.accounts.models import Agency, User
from openmash.accounts.roles import ROLE_CAPABILITIES, Capability
from openmash.audit.services import AuditTarget, audit_record
from openmash.core.errors import ConflictError, DomainError, NotPermitted, TransitionNotAllowed
from openmash.tasks.services import outbox_enqueue

from .codes import Article6, DisclosureKind, Purpose
from .models import (
    OPEN_RIGHTS_STATUSES,
    IncorrectOpinionFlag,
    NotificationReason,
    ProcessingRestriction,
    ProcessingRestrictionGround,
    RecipientNotification,
    RightsAction,
    RightsActionKind,
    RightsRequest,
    RightsRequestKind,
    RightsRequestStatus,
    SubjectAccessExport,
    SubjectAccessExportStatus,
)
from .services import LawfulBasis, sharing_record

#: The statutory period for answering (DESIGN.md §3). Extensions (Art 12(3)) are recorded as
#: actions; the stored due date stays the statutory one.
RIGHTS_RESPONSE_PERIOD = relativedelta(months=1)

#: What replaces an opinion whose deletion the DPO decided.
OPINION_DELETED = (
    "[Deleted: this opinion was found to be incorrect. See the data protection record.]"
)

#: Subject access disclosures: Art 6(1)(c), the controller's legal obligation under Art 15.
SUBJECT_ACCESS_BASIS = LawfulBasis(
    purpose=Purpose.RIGHTS_REQUEST, article6=Article6.LEGAL_OBLIGATION
)


class RightsInvalid(DomainError):
    """Input a rights service refused; ``field`` names the form field it is about."""

    def __init__(self, message: str, field: str = ""):
        super().__init__(message)
        self.field = field


def rights_request_due_on(received_on: date) -> date:
    """One calendar month from receipt: the same day next month, or that month's last day when
    it has no such day (31 January → 28 or 29 February), as the ICO counts it."""
    return received_on + RIGHTS_RESPONSE_PERIOD


# -- helpers ----------------------------------------------------------------------------------


def _require_dpo(actor) -> None:
    if actor is None or not actor.can(Capability.GOVERNANCE_MANAGE):
        raise NotPermitted("Only the data protection officer may do this.")


def _new_reference() -> str:
    while True:
        reference = f"DSR-{uuid.uuid4().hex[:8].upper()}"
        if not RightsRequest.unscoped.filter(reference=reference).exists():
            return reference


def _log(rights_request, actor, kind, note: str = "", at: datetime | None = None) -> RightsAction:
    return RightsAction.unscoped.create(
        rights_request=rights_request,
        at=at or timezone.now(),
        by=actor,
        kind=kind,
        note=note,
        created_by=actor,
        modified_by=actor,
    )


def _locked(rights_request: RightsRequest, expected_version: int | None) -> RightsRequest:
    locked = RightsRequest.unscoped.select_for_update().get(pk=rights_request.pk)
    if expected_version is not None and locked.version != expected_version:
        raise ConflictError(
            "Someone else has changed this request since you opened the page. Its current "
            "state is shown; check it before trying again."
        )
    return locked


def _save(locked: RightsRequest, actor, fields: list[str]) -> None:
    locked.version += 1
    locked.modified_by = actor
    locked.save(update_fields=[*fields, "version", "modified_at", "modified_by"])


def _require_open(rights_request: RightsRequest) -> None:
    if rights_request.status not in OPEN_RIGHTS_STATUSES:
        raise TransitionNotAllowed(
            f"This request is {rights_request.get_status_display().lower()}: it cannot change."
        )


def _start(locked: RightsRequest, actor) -> list[str]:
    """The first piece of work on a received request puts it in progress."""
    if locked.status == RightsRequestStatus.RECEIVED:
        locked.status = RightsRequestStatus.IN_PROGRESS
        return ["status"]
    return []


def _require_kind(rights_request: RightsRequest, *kinds) -> None:
    if rights_request.kind not in kinds:
        labels = " or ".join(RightsRequestKind(k).label.lower() for k in kinds)
        raise TransitionNotAllowed(f"This is not a request for {labels}.")


def _require_person(rights_request: RightsRequest):
    if rights_request.person_id is None:
        raise RightsInvalid("Find the person the request is about first.")
    from openmash.people.models import Person

    return Person.unscoped.get(pk=rights_request.person_id)


# -- the register -----------------------------------------------------------------------------


@transaction.atomic
def rights_request_register(
    *,
    actor,
    kind: str,
    requester_name: str,
    requester_relationship: str,
    received_on: date,
    requester_contact: str = "",
    description: str = "",
    person=None,
) -> RightsRequest:
    """Log a request the day it arrives (the clock runs from receipt, not from logging)."""
    _require_dpo(actor)
    if kind not in RightsRequestKind.values:
        raise RightsInvalid("Select the right being exercised.", "kind")
    if not requester_name.strip():
        raise RightsInvalid("Enter who made the request.", "requester_name")
    if not requester_relationship.strip():
        raise RightsInvalid(
            "Enter who they are to the person, for example 'the person themselves'.",
            "requester_relationship",
        )
    if received_on > timezone.localdate():
        raise RightsInvalid("The date received must be today or in the past.", "received_on")
    due_on = rights_request_due_on(received_on)
    rights_request = RightsRequest.unscoped.create(
        reference=_new_reference(),
        kind=kind,
        person=person,
        requester_name=requester_name.strip(),
        requester_relationship=requester_relationship.strip(),
        requester_contact=requester_contact.strip(),
        description=description.strip(),
        received_on=received_on,
        due_on=due_on,
        created_by=actor,
        modified_by=actor,
    )
    _log(
        rights_request,
        actor,
        RightsActionKind.REGISTERED,
        f"{RightsRequestKind(kind).label} request received on {received_on:%d/%m/%Y}; "
        f"due by {due_on:%d/%m/%Y}.",
    )
    return rights_request


@transaction.atomic
def rights_request_identify_person(
    rights_request: RightsRequest, person, *, actor, expected_version: int | None = None
) -> RightsRequest:
    """Say whom the request is about (the DPO has checked the requester's identity and
    entitlement outside the system)."""
    _require_dpo(actor)
    locked = _locked(rights_request, expected_version)
    _require_open(locked)
    if SubjectAccessExport.unscoped.filter(
        rights_request=locked, status=SubjectAccessExportStatus.RELEASED
    ).exists():
        raise TransitionNotAllowed("A disclosure has been released: the person cannot change.")
    if locked.person_id == person.pk:
        return locked
    locked.person = person
    fields = ["person", *_start(locked, actor)]
    _save(locked, actor, fields)
    # Any export prepared for somebody else is void.
    SubjectAccessExport.unscoped.filter(
        rights_request=locked, status=SubjectAccessExportStatus.PREPARED
    ).delete()
    _log(locked, actor, RightsActionKind.PERSON_IDENTIFIED, f"Person {person.local_id}.")
    return locked


_STATUS_MOVES = {
    RightsRequestStatus.RECEIVED: {
        RightsRequestStatus.IN_PROGRESS,
        RightsRequestStatus.COMPLETED,
        RightsRequestStatus.REFUSED,
    },
    RightsRequestStatus.IN_PROGRESS: {RightsRequestStatus.COMPLETED, RightsRequestStatus.REFUSED},
}


def rights_request_next_statuses(rights_request: RightsRequest) -> list[str]:
    """The statuses a request may move to from where it is."""
    moves = _STATUS_MOVES.get(rights_request.status, set())
    return [value for value in RightsRequestStatus.values if value in moves]


@transaction.atomic
def rights_request_set_status(
    rights_request: RightsRequest,
    *,
    actor,
    status: str,
    note: str = "",
    expected_version: int | None = None,
) -> RightsRequest:
    """Move a request on: in progress, completed (how it was answered), or refused (why —
    for example manifestly unfounded, or an exemption applies)."""
    _require_dpo(actor)
    locked = _locked(rights_request, expected_version)
    if status not in _STATUS_MOVES.get(locked.status, set()):
        raise TransitionNotAllowed(
            f"A request that is {locked.get_status_display().lower()} cannot become "
            f"{RightsRequestStatus(status).label.lower()}."
        )
    note = note.strip()
    if status == RightsRequestStatus.REFUSED and not note:
        raise RightsInvalid("Enter why the request is refused.", "note")
    fields = ["status"]
    locked.status = status
    if status in (RightsRequestStatus.COMPLETED, RightsRequestStatus.REFUSED):
        locked.closed_at = timezone.now()
        locked.closed_by = actor
        locked.outcome_note = note
        fields += ["closed_at", "closed_by", "outcome_note"]
    _save(locked, actor, fields)
    _log(
        locked,
        actor,
        RightsActionKind.STATUS_CHANGED,
        f"{RightsRequestStatus(status).label}." + (f" {note}" if note else ""),
    )
    return locked


@transaction.atomic
def rights_request_add_note(rights_request: RightsRequest, *, actor, note: str) -> RightsAction:
    """A free-text action: a call to the requester, an identity check, an extension agreed."""
    _require_dpo(actor)
    if not note.strip():
        raise RightsInvalid("Enter what was done.", "note")
    return _log(rights_request, actor, RightsActionKind.NOTE, note.strip())


# -- subject access -----------------------------------------------------------------------------


@transaction.atomic
def subject_access_prepare(rights_request: RightsRequest, *, actor) -> SubjectAccessExport:
    """Start (or return the unreleased) export for a subject access request."""
    _require_dpo(actor)
    locked = _locked(rights_request, None)
    _require_kind(locked, RightsRequestKind.ACCESS)
    _require_open(locked)
    _require_person(locked)
    existing = SubjectAccessExport.unscoped.filter(
        rights_request=locked, status=SubjectAccessExportStatus.PREPARED
    ).first()
    if existing is not None:
        return existing
    export = SubjectAccessExport.unscoped.create(
        rights_request=locked,
        prepared_at=timezone.now(),
        prepared_by=actor,
        created_by=actor,
        modified_by=actor,
    )
    started = _start(locked, actor)
    if started:
        _save(locked, actor, started)
    _log(locked, actor, RightsActionKind.EXPORT_PREPARED, "Everything held on the person gathered.")
    return export


def _locked_export(export, expected_version) -> SubjectAccessExport:
    locked = SubjectAccessExport.unscoped.select_for_update().get(pk=export.pk)
    if expected_version is not None and locked.version != expected_version:
        raise ConflictError(
            "This export has changed since you opened the page. Check the choices shown "
            "before trying again."
        )
    if locked.status != SubjectAccessExportStatus.PREPARED:
        raise TransitionNotAllowed("This export has been released: it cannot change.")
    return locked


@transaction.atomic
def subject_access_redactions_save(
    export: SubjectAccessExport,
    *,
    actor,
    shown_keys,
    redacted_keys,
    expected_version: int | None = None,
) -> SubjectAccessExport:
    """Record which third-party items the DPO was shown and which of them to redact."""
    _require_dpo(actor)
    locked = _locked_export(export, expected_version)
    shown = list(dict.fromkeys(str(k) for k in shown_keys))
    redacted = [str(k) for k in dict.fromkeys(redacted_keys)]
    stray = set(redacted) - set(shown)
    if stray:
        raise RightsInvalid("Only the items shown on the page can be redacted.")
    locked.reviewed_keys = shown
    locked.redacted_keys = redacted
    locked.redactions_saved_at = timezone.now()
    locked.version += 1
    locked.modified_by = actor
    locked.save(
        update_fields=[
            "reviewed_keys",
            "redacted_keys",
            "redactions_saved_at",
            "version",
            "modified_at",
            "modified_by",
        ]
    )
    _log(
        locked.rights_request,
        actor,
        RightsActionKind.REDACTIONS_SAVED,
        f"{len(shown)} item{'s' if len(shown) != 1 else ''} of third-party information "
        f"reviewed; {len(redacted)} to redact.",
    )
    return locked


def _disclosing_agency(actor) -> Agency:
    if actor.agency_id:
        return actor.agency
    agency = Agency.objects.filter(is_childrens_social_care=True).order_by("name").first()
    if agency is None:
        raise DomainError("The data protection officer's agency is not set.")
    return agency


@transaction.atomic
def subject_access_release(
    export: SubjectAccessExport, *, actor, expected_version: int | None = None
) -> SubjectAccessExport:
    """Release the export: rebuild it from the records as they are now, refuse if it holds
    third-party information the DPO has not reviewed, apply the redactions, keep what was
    released, and record the disclosure (Record of Sharing) and the release (audit)."""
    from .subject_access import (
        REDACTED,
        document_sha256,
        subject_access_collect,
        subject_access_render,
        third_party_items,
    )

    _require_dpo(actor)
    locked = _locked_export(export, expected_version)
    rights_request = _locked(locked.rights_request, None)
    _require_open(rights_request)
    person = _require_person(rights_request)
    if locked.redactions_saved_at is None:
        raise RightsInvalid("Review the third-party information and save your choices first.")
    collected = subject_access_collect(person)
    keys = {item.key for item in third_party_items(collected)}
    unseen = keys - set(locked.reviewed_keys)
    if unseen:
        raise RightsInvalid(
            f"{len(unseen)} new item{'s' if len(unseen) != 1 else ''} of third-party "
            "information have been added to the records since you reviewed them. Review the "
            "list again before release."
        )
    redacted = [k for k in locked.redacted_keys if k in keys]
    now = timezone.now()
    document = {
        **subject_access_render(collected, redacted),
        "request_reference": rights_request.reference,
        "released_at": timezone.localtime(now).isoformat(timespec="minutes"),
        "redacted_items": len(redacted),
        "redaction_note": (
            f"Information about other people is shown as '{REDACTED}' where disclosing it "
            "would not be fair to them (UK GDPR Art 15(4); Data Protection Act 2018, "
            "Schedule 2, paragraph 16)."
        ),
    }
    locked.document = document
    locked.document_sha256 = document_sha256(document)
    locked.status = SubjectAccessExportStatus.RELEASED
    locked.released_at = now
    locked.released_by = actor
    locked.version += 1
    locked.modified_by = actor
    locked.save(
        update_fields=[
            "document",
            "document_sha256",
            "status",
            "released_at",
            "released_by",
            "version",
            "modified_at",
            "modified_by",
        ]
    )
    recipient = f"{rights_request.requester_name} ({rights_request.requester_relationship})"
    sharing_record(
        kind=DisclosureKind.SUBJECT_ACCESS,
        shared_by=actor,
        from_agency=_disclosing_agency(actor),
        to_description=recipient[:250],
        record_type="Subject access disclosure",
        record_id=str(locked.pk),
        summary=(
            f"Everything held on person {person.local_id} under UK GDPR Art 15, request "
            f"{rights_request.reference}; {len(redacted)} items of third-party information "
            "redacted."
        ),
        subjects=[person],
        basis=SUBJECT_ACCESS_BASIS,
        consent_reference=f"Request {rights_request.reference}",
    )
    audit_record(
        actor,
        "shared",
        locked,
        {
            "rights_request": rights_request.reference,
            "redacted_items": len(redacted),
            "document_sha256": locked.document_sha256,
        },
        person_id=person.pk,
    )
    _log(
        rights_request,
        actor,
        RightsActionKind.EXPORT_RELEASED,
        f"Released to {recipient}; {len(redacted)} item{'s' if len(redacted) != 1 else ''} "
        "redacted.",
        at=now,
    )
    return locked


# -- record items: what can be corrected or flagged --------------------------------------------

#: Details that can be corrected on request (model label -> field -> label).
RECTIFIABLE_FIELDS: dict[str, dict[str, str]] = {
    "people.person": {
        "forename": "First name",
        "middle_names": "Middle names",
        "surname": "Last name",
        "date_of_birth": "Date of birth",
        "first_language": "First language",
        "nhs_number": "NHS number",
        "upn": "Unique Pupil Number",
    },
    "contacts.contactperson": {
        "forename": "First name as recorded on the contact",
        "surname": "Last name as recorded on the contact",
        "date_of_birth": "Date of birth as recorded on the contact",
        "address": "Address as recorded on the contact",
        "postcode": "Postcode as recorded on the contact",
    },
    "contacts.contact": {"narrative": "What the referrer said"},
    "contacts.contactconcern": {"detail": "Concern detail"},
    "enquiries.informationrequest": {
        "summary": "Agency response: summary",
        "risk_factors": "Agency response: risk factors",
        "protective_factors": "Agency response: protective factors",
    },
    "decisions.analysis": {
        "analysis": "Analysis",
        "recommendation_rationale": "Reason for the recommendation",
    },
    "decisions.decision": {"rationale": "Reason for the decision"},
}

#: Opinions that can be marked incorrect (protocol Appendix 4, "Ensuring the personal
#: information is accurate": expressions of opinion are personal information).
OPINION_FIELDS: dict[str, dict[str, str]] = {
    "contacts.contact": {
        "narrative": "What the referrer said",
        "screening_rationale": "Screening rationale",
    },
    "contacts.contactconcern": {"detail": "Concern detail"},
    "enquiries.informationrequest": {
        "summary": "Agency response: summary",
        "risk_factors": "Agency response: risk factors",
        "protective_factors": "Agency response: protective factors",
    },
    "decisions.analysis": {
        "analysis": "Analysis",
        "recommendation_rationale": "Reason for the recommendation",
    },
    "decisions.decision": {"rationale": "Reason for the decision"},
    "meetings.agendaitem": {"outcome": "Meeting outcome"},
}


@dataclass(frozen=True)
class RecordItem:
    """One field of one record about the person, as the correction and flag pages list it."""

    key: str
    model_label: str
    pk: str
    field: str
    label: str
    value: str
    contact_id: object = None
    contact_reference: str = ""

    @property
    def full_label(self) -> str:
        return f"{self.label} ({self.contact_reference})" if self.contact_reference else self.label


def _value(instance, field: str) -> str:
    value = getattr(instance, field)
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def person_record_items(person, fields: dict[str, dict[str, str]]) -> list[RecordItem]:
    """The fields named in ``fields`` on every record about ``person``: the person, their own
    entries on contacts, and those contacts' concerns, responses, analysis, decision and
    meeting outcomes. Unscoped: DPO only (see the module docstring)."""
    from django.apps import apps

    from openmash.contacts.models import Contact, ContactConcern, ContactPerson
    from openmash.decisions.models import Analysis, Decision
    from openmash.enquiries.models import InformationRequest

    entries = list(ContactPerson.unscoped.filter(person=person).order_by("pk"))
    contacts = {
        c.pk: c
        for c in Contact.unscoped.filter(pk__in=[e.contact_id for e in entries]).order_by(
            "received_at"
        )
    }
    rows: list[tuple[object, object]] = [(person, None)]
    rows += [(e, contacts.get(e.contact_id)) for e in entries]
    for contact in contacts.values():
        rows.append((contact, contact))
        rows += [
            (c, contact)
            for c in ContactConcern.objects.filter(contact=contact).order_by("category")
        ]
        rows += [
            (r, contact)
            for r in InformationRequest.unscoped.filter(enquiry__contact=contact)
            .select_related("agency")
            .order_by("agency__name")
        ]
        rows += [(a, contact) for a in Analysis.unscoped.filter(contact=contact)]
        rows += [(d, contact) for d in Decision.unscoped.filter(contact=contact)]
        if "meetings.agendaitem" in fields and apps.is_installed("openmash.meetings"):
            agenda_item = apps.get_model("meetings", "AgendaItem")
            rows += [
                (item, contact)
                for item in agenda_item.unscoped.filter(contact=contact, removed_at__isnull=True)
                .select_related("meeting")
                .order_by("meeting__starts_at")
            ]
    items = []
    for instance, contact in rows:
        label_lower = instance._meta.label_lower
        for field, label in fields.get(label_lower, {}).items():
            value = _value(instance, field)
            if not value and label_lower != "people.person":
                continue
            prefix = ""
            if label_lower == "enquiries.informationrequest":
                label = label.replace("Agency", instance.agency.name)
            elif label_lower == "contacts.contactconcern":
                prefix = f"{instance.get_category_display()}: "
            elif label_lower == "meetings.agendaitem":
                prefix = f"{instance.meeting.date:%d/%m/%Y}: "
            items.append(
                RecordItem(
                    key=f"{label_lower}:{instance.pk}:{field}",
                    model_label=label_lower,
                    pk=str(instance.pk),
                    field=field,
                    label=prefix + label,
                    value=value,
                    contact_id=contact.pk if contact else None,
                    contact_reference=contact.reference if contact else "",
                )
            )
    return items


def _item(person, key: str, fields) -> RecordItem:
    for item in person_record_items(person, fields):
        if item.key == key:
            return item
    raise RightsInvalid("Select a detail from this person's records.", "item")


def _parse_date(value: str) -> date:
    text = value.strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d %m %Y", "%d-%m-%Y"):
        try:
            return datetime.strptime(text, fmt).date()  # noqa: DTZ007 - a calendar date
        except ValueError:
            continue
    raise RightsInvalid("Enter the date like 27/03/2019.", "new_value")


def _model(label: str):
    from django.apps import apps

    return apps.get_model(label)


# -- recipients and their notifications --------------------------------------------------------


def _responder_roles() -> list[str]:
    return [code for code, caps in ROLE_CAPABILITIES.items() if Capability.ENQUIRY_RESPOND in caps]


def recipient_addresses(recipient) -> list[str]:
    """Where to email a recipient: the team's inbox; else the agency's MASH practitioners;
    else the free-text recipient when it is an email address (e.g. a referrer)."""
    if recipient.team is not None and recipient.team.email:
        return [recipient.team.email]
    if recipient.agency is not None:
        return list(
            User.objects.filter(
                agency=recipient.agency, is_active=True, roles__code__in=_responder_roles()
            )
            .exclude(email="")
            .order_by("email")
            .values_list("email", flat=True)
            .distinct()
        )
    if recipient.description:
        try:
            validate_email(recipient.description)
        except ValidationError:
            return []
        return [recipient.description]
    return []


def _notify_recipients(
    *,
    recipients,
    reason: str,
    event_key: str,
    actor,
    person=None,
    rights_request: RightsRequest | None = None,
    opinion_flag: IncorrectOpinionFlag | None = None,
    what: str = "",
) -> list[RecipientNotification]:
    """One tracked notification per recipient, emailed when they have an address. Keys name
    the event and the recipient, so nothing is created or sent twice."""
    now = timezone.now()
    reference = rights_request.reference if rights_request else ""
    created = []
    for recipient in recipients:
        dedupe_key = f"{event_key}:{recipient.key}"[:200]
        existing = RecipientNotification.unscoped.filter(dedupe_key=dedupe_key).first()
        if existing is not None:
            created.append(existing)
            continue
        addresses = recipient_addresses(recipient)
        notification = RecipientNotification.unscoped.create(
            rights_request=rights_request,
            opinion_flag=opinion_flag,
            person=person,
            reason=reason,
            to_agency=recipient.agency,
            to_team=recipient.team,
            to_description=recipient.description,
            shared_items=recipient.items_text,
            emailed_to="\n".join(addresses),
            sent_at=now if addresses else None,
            sent_by=actor if addresses else None,
            dedupe_key=dedupe_key,
            created_by=actor,
            modified_by=actor,
        )
        body = render_to_string(
            "governance/rights/email/recipient_notice.txt",
            {
                "notification": notification,
                "reason": NotificationReason(reason).label,
                "reference": reference,
                "what": what,
                "recipient": recipient,
            },
        )
        for address in addresses:
            outbox_enqueue(
                kind="rights_recipient_notice",
                recipient=address,
                subject=f"MASH data protection notice: {NotificationReason(reason).label.lower()}",
                body=body,
                dedupe_key=f"rights-notice:{notification.pk}:{address}",
                actor=actor,
            )
        created.append(notification)
    if rights_request is not None:
        emailed = sum(1 for n in created if n.emailed_to)
        _log(
            rights_request,
            actor,
            RightsActionKind.RECIPIENTS_NOTIFIED,
            f"{len(created)} recipient{'s' if len(created) != 1 else ''} on the Record of "
            f"Sharing to be told ({NotificationReason(reason).label.lower()}): {emailed} "
            f"emailed, {len(created) - emailed} to tell another way.",
        )
    return created


def _recipients_for_person(person):
    from .selectors import recipients_for_person

    # The person (or whoever asked for them) already knows: subject access disclosures are
    # answered directly, not notified.
    return recipients_for_person(person, exclude_kinds=(DisclosureKind.SUBJECT_ACCESS,))


@transaction.atomic
def recipient_notification_mark_sent(
    notification: RecipientNotification, *, actor, note: str = ""
) -> RecipientNotification:
    """The DPO told a recipient without an email address another way (phone, letter)."""
    _require_dpo(actor)
    locked = RecipientNotification.unscoped.select_for_update().get(pk=notification.pk)
    if locked.sent_at is not None:
        return locked
    locked.sent_at = timezone.now()
    locked.sent_by = actor
    if note.strip():
        locked.acknowledgement_note = note.strip()
    locked.modified_by = actor
    locked.save(
        update_fields=["sent_at", "sent_by", "acknowledgement_note", "modified_at", "modified_by"]
    )
    if locked.rights_request_id:
        _log(
            locked.rights_request,
            actor,
            RightsActionKind.NOTIFICATION_SENT,
            f"Told {_recipient_label(locked)}." + (f" {note.strip()}" if note.strip() else ""),
        )
    return locked


@transaction.atomic
def recipient_notification_acknowledge(
    notification: RecipientNotification, *, actor, note: str = ""
) -> RecipientNotification:
    """The recipient confirmed they have updated (or erased, or restricted) their copy."""
    _require_dpo(actor)
    locked = RecipientNotification.unscoped.select_for_update().get(pk=notification.pk)
    if locked.acknowledged_at is not None:
        return locked
    now = timezone.now()
    if locked.sent_at is None:
        locked.sent_at = now
        locked.sent_by = actor
    locked.acknowledged_at = now
    locked.acknowledged_by = actor
    if note.strip():
        locked.acknowledgement_note = note.strip()
    locked.modified_by = actor
    locked.save(
        update_fields=[
            "sent_at",
            "sent_by",
            "acknowledged_at",
            "acknowledged_by",
            "acknowledgement_note",
            "modified_at",
            "modified_by",
        ]
    )
    if locked.rights_request_id:
        _log(
            locked.rights_request,
            actor,
            RightsActionKind.NOTIFICATION_ACKNOWLEDGED,
            f"{_recipient_label(locked)} acknowledged."
            + (f" {note.strip()}" if note.strip() else ""),
        )
    return locked


def _recipient_label(notification: RecipientNotification) -> str:
    if notification.to_team_id:
        return notification.to_team.name
    if notification.to_agency_id:
        return notification.to_agency.name
    return notification.to_description


# -- rectification -----------------------------------------------------------------------------


@transaction.atomic
def rectification_apply(
    rights_request: RightsRequest,
    *,
    actor,
    item_key: str,
    new_value: str,
    reason: str,
    expected_version: int | None = None,
) -> list[RecipientNotification]:
    """Correct one detail of the person's records (before and after are kept by the record's
    history) and tell every recipient on the Record of Sharing. Returns the notifications."""
    _require_dpo(actor)
    locked = _locked(rights_request, expected_version)
    _require_kind(locked, RightsRequestKind.RECTIFICATION)
    _require_open(locked)
    person = _require_person(locked)
    if not reason.strip():
        raise RightsInvalid("Enter why the detail was wrong.", "reason")
    item = _item(person, item_key, RECTIFIABLE_FIELDS)
    model = _model(item.model_label)
    field = model._meta.get_field(item.field)
    value: object = new_value.strip()
    if field.get_internal_type() == "DateField":
        value = _parse_date(new_value) if new_value.strip() else None
    elif not value and not field.blank:
        raise RightsInvalid("Enter the corrected value.", "new_value")
    if _value_text(value) == item.value:
        raise RightsInvalid("The corrected value is the same as the current one.", "new_value")

    if item.model_label == "people.person":
        from openmash.people.services import PersonInvalid, person_update

        try:
            person_update(person, actor=actor, **{item.field: value})
        except PersonInvalid as error:
            message = next(iter(error.errors.values()), str(error))
            raise RightsInvalid(message, "new_value") from error
    else:
        manager = getattr(model, "unscoped", None) or model._base_manager
        record = manager.select_for_update().get(pk=item.pk)
        setattr(record, item.field, value)
        record._change_reason = f"Rectification, request {locked.reference}"
        record.modified_by = actor
        fields = [item.field, "modified_at", "modified_by"]
        if hasattr(record, "version"):
            # A form rendered before the correction must not silently overwrite it.
            record.version += 1
            fields.append("version")
        record.save(update_fields=fields)

    fields = _start(locked, actor)
    _save(locked, actor, fields)
    action = _log(
        locked,
        actor,
        RightsActionKind.RECTIFIED,
        f"{item.full_label} corrected. Why: {reason.strip()}",
    )
    return _notify_recipients(
        recipients=_recipients_for_person(person),
        reason=NotificationReason.RECTIFICATION,
        event_key=f"rectified:{action.pk}",
        actor=actor,
        person=person,
        rights_request=locked,
        what=item.full_label,
    )


def _value_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


# -- erasure ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ErasureAssessment:
    """Why erasure would (or would not) be lawful, for the DPO to weigh."""

    contacts: int
    disclosures: int
    retained_until: date | None
    reasons: tuple[str, ...]

    @property
    def blocked(self) -> bool:
        return bool(self.reasons)


def erasure_assessment(person) -> ErasureAssessment:
    """The rule: safeguarding records usually cannot be erased while the retention schedule
    keeps them — they are needed to comply with a legal obligation and for tasks in the public
    interest (UK GDPR Art 17(3)(b)), and for legal claims (Art 17(3)(e)). Nor can the Record of
    Sharing, which shows that each disclosure was lawful."""
    from openmash.contacts.models import ContactPerson

    from .models import SharingRecord
    from .services_retention import contact_retention_ends

    contact_ids = list(
        ContactPerson.unscoped.filter(person=person).values_list("contact_id", flat=True)
    )
    disclosures = SharingRecord.objects.filter(subjects=person).count()
    retained_until = contact_retention_ends(contact_ids) if contact_ids else None
    reasons = []
    if contact_ids:
        until = (
            f"until {retained_until:%d %B %Y} under the current retention schedule"
            if retained_until
            else "for the period the retention schedule sets"
        )
        reasons.append(
            f"They are named on {len(contact_ids)} safeguarding contact"
            f"{'s' if len(contact_ids) != 1 else ''}, which must be kept {until}: the right "
            "to erasure does not apply while the records are needed for a legal obligation or "
            "a task in the public interest (UK GDPR Art 17(3)(b)) or for legal claims "
            "(Art 17(3)(e))."
        )
    if disclosures:
        reasons.append(
            f"{disclosures} disclosure{'s' if disclosures != 1 else ''} about them "
            f"{'are' if disclosures != 1 else 'is'} on the Record of Sharing, which is kept to "
            "show each was lawful."
        )
    return ErasureAssessment(
        contacts=len(contact_ids),
        disclosures=disclosures,
        retained_until=retained_until,
        reasons=tuple(reasons),
    )


@transaction.atomic
def erasure_decide(
    rights_request: RightsRequest,
    *,
    actor,
    erase: bool,
    rationale: str,
    expected_version: int | None = None,
) -> list[RecipientNotification]:
    """Refuse the request (the request is closed as refused, with the reason), or erase.

    Erasing when ``erasure_assessment`` finds the records must be kept is refused unless the
    DPO records the decision to erase anyway (``rationale``: why erasure is lawful here, e.g.
    the records were wrongly created about the wrong person). Erasure pseudonymises the person
    and their entries on contacts and deletes their names, addresses and family links
    (``services_retention.person_erase``); every recipient on the Record of Sharing is told.
    """
    _require_dpo(actor)
    locked = _locked(rights_request, expected_version)
    _require_kind(locked, RightsRequestKind.ERASURE)
    _require_open(locked)
    rationale = rationale.strip()
    if not erase:
        if not rationale:
            raise RightsInvalid("Enter why erasure is refused.", "rationale")
        locked.status = RightsRequestStatus.REFUSED
        locked.closed_at = timezone.now()
        locked.closed_by = actor
        locked.outcome_note = rationale
        _save(locked, actor, ["status", "closed_at", "closed_by", "outcome_note"])
        _log(locked, actor, RightsActionKind.ERASURE_REFUSED, rationale)
        return []
    person = _require_person(locked)
    assessment = erasure_assessment(person)
    if assessment.blocked and not rationale:
        raise RightsInvalid(
            "These records cannot be erased while they are kept under the retention schedule. "
            + " ".join(assessment.reasons)
            + " To erase them anyway, record your decision and why erasure is lawful.",
            "rationale",
        )
    from .services_retention import person_erase

    recipients = _recipients_for_person(person)
    counts = person_erase(person, actor=actor, reason=f"Erasure, request {locked.reference}")
    _save(locked, actor, _start(locked, actor))
    action = _log(
        locked,
        actor,
        RightsActionKind.ERASED,
        f"Person {person.local_id} erased: {counts}."
        + (f" Decision: {rationale}" if rationale else ""),
    )
    return _notify_recipients(
        recipients=recipients,
        reason=NotificationReason.ERASURE,
        event_key=f"erased:{action.pk}",
        actor=actor,
        person=person,
        rights_request=locked,
        what="The person's identifying details",
    )


# -- restriction of processing ----------------------------------------------------------------


@transaction.atomic
def restriction_apply(
    rights_request: RightsRequest,
    *,
    actor,
    ground: str,
    note: str = "",
    expected_version: int | None = None,
) -> ProcessingRestriction:
    """Restrict the processing of the person's data (Art 18) and tell every recipient."""
    _require_dpo(actor)
    locked = _locked(rights_request, expected_version)
    _require_kind(locked, RightsRequestKind.RESTRICTION, RightsRequestKind.OBJECTION)
    _require_open(locked)
    person = _require_person(locked)
    if ground not in ProcessingRestrictionGround.values:
        raise RightsInvalid("Select the ground for the restriction.", "ground")
    if ProcessingRestriction.unscoped.filter(person=person, lifted_at__isnull=True).exists():
        raise RightsInvalid("The processing of this person's data is already restricted.")
    restriction = ProcessingRestriction.unscoped.create(
        person=person,
        rights_request=locked,
        ground=ground,
        note=note.strip(),
        started_at=timezone.now(),
        started_by=actor,
        created_by=actor,
        modified_by=actor,
    )
    _save(locked, actor, _start(locked, actor))
    action = _log(
        locked,
        actor,
        RightsActionKind.RESTRICTED,
        f"{ProcessingRestrictionGround(ground).label}."
        + (f" {note.strip()}" if note.strip() else ""),
    )
    _notify_recipients(
        recipients=_recipients_for_person(person),
        reason=NotificationReason.RESTRICTION,
        event_key=f"restricted:{action.pk}",
        actor=actor,
        person=person,
        rights_request=locked,
        what="All information about the person",
    )
    return restriction


@transaction.atomic
def restriction_lift(
    restriction: ProcessingRestriction, *, actor, note: str
) -> ProcessingRestriction:
    """Lift a restriction (Art 18(3): the person is told before it is lifted)."""
    _require_dpo(actor)
    if not note.strip():
        raise RightsInvalid("Enter why the restriction is lifted.", "note")
    locked = ProcessingRestriction.unscoped.select_for_update().get(pk=restriction.pk)
    if locked.lifted_at is not None:
        return locked
    locked.lifted_at = timezone.now()
    locked.lifted_by = actor
    locked.lift_note = note.strip()
    locked.modified_by = actor
    locked.save(update_fields=["lifted_at", "lifted_by", "lift_note", "modified_at", "modified_by"])
    if locked.rights_request_id:
        _log(locked.rights_request, actor, RightsActionKind.RESTRICTION_LIFTED, note.strip())
    return locked


# -- opinions found to be incorrect --------------------------------------------------------


@transaction.atomic
def opinion_mark_incorrect(
    rights_request: RightsRequest,
    *,
    actor,
    item_key: str,
    note: str,
    delete: bool = False,
    deletion_reason: str = "",
    expected_version: int | None = None,
) -> IncorrectOpinionFlag:
    """Flag an opinion as incorrect: it is kept, clearly marked wherever it is shown, and the
    recipients it was shared with are told. With ``delete`` (decided because keeping it would
    harm the person) its text is replaced, in the record and its history, by
    ``OPINION_DELETED``; the flag records that it was."""
    _require_dpo(actor)
    locked = _locked(rights_request, expected_version)
    _require_open(locked)
    person = _require_person(locked)
    if not note.strip():
        raise RightsInvalid("Enter why the opinion is incorrect.", "note")
    if delete and not deletion_reason.strip():
        raise RightsInvalid("Enter why the opinion must be deleted, not kept.", "deletion_reason")
    item = _item(person, item_key, OPINION_FIELDS)
    now = timezone.now()
    flag = IncorrectOpinionFlag.unscoped.create(
        target_type=item.model_label,
        target_id=item.pk,
        field=item.field,
        field_label=item.full_label[:160],
        contact_id=item.contact_id,
        person=person,
        rights_request=locked,
        note=note.strip(),
        deleted=delete,
        deletion_reason=deletion_reason.strip() if delete else "",
        flagged_at=now,
        flagged_by=actor,
        created_by=actor,
        modified_by=actor,
    )
    if delete:
        _opinion_delete(item, actor, locked.reference)
    _save(locked, actor, _start(locked, actor))
    action = _log(
        locked,
        actor,
        RightsActionKind.OPINION_FLAGGED,
        f"{item.full_label}: marked incorrect"
        + (" and deleted" if delete else " (kept, flagged)")
        + f". Why: {note.strip()}",
    )
    if item.contact_id is not None:
        from .selectors import recipients_for_contact

        recipients = recipients_for_contact(
            item.contact_id, exclude_kinds=(DisclosureKind.SUBJECT_ACCESS,)
        )
    else:
        recipients = _recipients_for_person(person)
    _notify_recipients(
        recipients=recipients,
        reason=NotificationReason.INCORRECT_OPINION,
        event_key=f"opinion:{action.pk}",
        actor=actor,
        person=person,
        rights_request=locked,
        opinion_flag=flag,
        what=item.full_label,
    )
    return flag


def _opinion_delete(item: RecordItem, actor, reference: str) -> None:
    """Replace the text in the record and in every historical copy. Done with ``update`` so
    the deleted text is not copied into a new history row or the audit trail; the audit entry
    says what was deleted, not what it said."""
    model = _model(item.model_label)
    manager = getattr(model, "unscoped", None) or model._base_manager
    manager.filter(pk=item.pk).update(
        **{item.field: OPINION_DELETED, "modified_at": timezone.now(), "modified_by": actor}
    )
    history = getattr(model, "history", None)
    if history is not None:
        history.model.objects.filter(**{model._meta.pk.attname: item.pk}).update(
            **{item.field: OPINION_DELETED}
        )
    audit_record(
        actor,
        "updated",
        AuditTarget(item.model_label, item.pk, f"{model._meta.verbose_name} {item.pk}"),
        {"opinion_deleted": item.field, "rights_request": reference},
    )
