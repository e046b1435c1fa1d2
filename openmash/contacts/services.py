"""Every write to contacts: intake (``contact_create``), completing an online submission
(``contact_record``) and screening (``contact_screen``).

The rules live here, not in forms, so the recording page, the public form, the API and the
demo loader all obey them. Status changes go through ``transitions.contact_transition``.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from openmash.accounts.roles import Capability
from openmash.audit.models import AuditEntry
from openmash.audit.services import audit_record
from openmash.core.errors import ConflictError, DomainError, NotPermitted, TransitionNotAllowed
from openmash.timescales.services import contact_decision_due, next_working_instant

from .codes import (
    PORTAL_CHANNELS,
    Channel,
    Concern,
    ConsentStatus,
    PersonRole,
    Rag,
    ReferralSource,
    Route,
    ThresholdLevel,
)
from .models import Contact, ContactConcern, ContactPerson, ContactStatus
from .transitions import contact_transition, next_reference


class ContactInvalid(DomainError):
    """A rule of intake or screening was broken. ``field`` names the form field it belongs to
    (empty for the whole form), so a view can put the message next to it."""

    def __init__(self, message: str, field: str = ""):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class PersonInput:
    """A child or adult as named on a contact. ``id`` identifies an existing row when a
    submission is being corrected (its link to the person index is kept)."""

    role: str
    forename: str
    surname: str
    date_of_birth: date | None = None
    expected_delivery_date: date | None = None
    sex: str = ""
    address: str = ""
    postcode: str = ""
    relationship_to_child: str = ""
    id: object = None


@dataclass(frozen=True)
class Referrer:
    name: str = ""
    role: str = ""
    organisation: str = ""
    email: str = ""
    phone: str = ""
    relationship: str = ""

    def as_fields(self) -> dict:
        return {f"referrer_{f.name}": getattr(self, f.name).strip() for f in fields(self)}


_PERSON_FIELDS = [f.name for f in fields(PersonInput) if f.name != "id"]


# -- validation shared by create and record ---------------------------------------------------


def _validate_intake(
    *,
    channel: str,
    source: str,
    narrative: str,
    consent_status: str,
    consent_reason: str,
    people: Sequence[PersonInput],
    concerns: Iterable[str],
    received_at: datetime,
    now: datetime,
) -> None:
    if channel not in Channel.values:
        raise ContactInvalid("Select how the contact was received.", "channel")
    if received_at > now:
        raise ContactInvalid("The date and time received must be in the past.", "received_at")
    if source not in ReferralSource.values:
        raise ContactInvalid("Select the referral source.", "source")
    if not narrative.strip():
        raise ContactInvalid(
            "Enter what has happened and why the referrer is worried.", "narrative"
        )
    unknown = set(concerns) - set(Concern.values)
    if unknown:
        raise ContactInvalid("Select the concerns from the list.", "concerns")
    if consent_status not in ConsentStatus.values:
        raise ContactInvalid("Select the consent position.", "consent_status")
    if consent_status != ConsentStatus.GIVEN and not consent_reason.strip():
        raise ContactInvalid("Enter why consent was not given or not sought.", "consent_reason")
    if not any(p.role == PersonRole.SUBJECT_CHILD for p in people):
        raise ContactInvalid("Add at least one child the concern is about.", "people")
    today = timezone.localdate(now)
    for person in people:
        if person.role not in PersonRole.values:
            raise ContactInvalid("Select each person's role.", "people")
        if not person.forename.strip() and not person.surname.strip():
            raise ContactInvalid(
                "Enter a name for each person (a first name or surname).", "people"
            )
        if person.date_of_birth and person.expected_delivery_date:
            raise ContactInvalid(
                f"{_name(person)}: give a date of birth or an expected date of delivery, not both.",
                "people",
            )
        if person.date_of_birth and person.date_of_birth > today:
            raise ContactInvalid(
                f"{_name(person)}: the date of birth must be in the past.", "people"
            )


def _name(person: PersonInput) -> str:
    return " ".join(p for p in (person.forename, person.surname) if p) or "A person"


def _can_record(actor) -> bool:
    return actor is not None and actor.can(Capability.CONTACT_RECORD)


# -- intake -----------------------------------------------------------------------------------


def contact_create(
    *,
    actor,
    channel: str,
    source: str,
    narrative: str,
    consent_status: str,
    people: Sequence[PersonInput],
    concerns: Iterable[str] = (),
    consent_reason: str = "",
    immediate_risk: bool = False,
    referrer: Referrer | None = None,
    received_at: datetime | None = None,
    idempotency_key: str | None = None,
) -> Contact:
    """Create a contact with its people and concerns in one transaction, and start its clock.

    Online submissions (the portal channels, ``actor`` None) are received *now* and wait as
    ``submitted`` for a referral and information officer. Contacts recorded by staff (phone,
    secure email …) need ``received_at`` — when it reached the MASH, which starts the clock —
    and are ``recorded`` at once. ``idempotency_key`` makes a repeated call return the first
    contact instead of creating a second (a double-clicked "Send referral").
    """
    if idempotency_key:
        existing = Contact.unscoped.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing
    now = timezone.now()
    online = channel in PORTAL_CHANNELS
    if online:
        received_at = now
    else:
        if not _can_record(actor):
            raise NotPermitted("Your roles do not allow you to record contacts.")
        if received_at is None:
            raise ContactInvalid("Enter the date and time the contact was received.", "received_at")
    concerns = list(dict.fromkeys(concerns))
    _validate_intake(
        channel=channel,
        source=source,
        narrative=narrative,
        consent_status=consent_status,
        consent_reason=consent_reason,
        people=people,
        concerns=concerns,
        received_at=received_at,
        now=now,
    )
    try:
        with transaction.atomic():
            contact = Contact(
                reference=next_reference(received_at),
                status=ContactStatus.SUBMITTED if online else ContactStatus.RECORDED,
                channel=channel,
                received_at=received_at,
                clock_started_at=next_working_instant(received_at),
                decision_due_at=contact_decision_due(received_at),
                source=source,
                narrative=narrative.strip(),
                consent_status=consent_status,
                consent_reason=consent_reason.strip()
                if consent_status != ConsentStatus.GIVEN
                else "",
                immediate_risk=immediate_risk,
                recorded_at=None if online else now,
                recorded_by=None if online else actor,
                idempotency_key=idempotency_key or None,
                created_by=actor,
                modified_by=actor,
                **(referrer or Referrer()).as_fields(),
            )
            contact._history_user = actor
            contact.save(force_insert=True)
            _people_replace(contact, people, actor)
            _concerns_replace(contact, concerns, actor)
    except IntegrityError:
        # Two identical submissions raced past the lookup above; the other one won.
        if idempotency_key:
            existing = Contact.unscoped.filter(idempotency_key=idempotency_key).first()
            if existing is not None:
                return existing
        raise
    return contact


def contact_record(
    contact: Contact,
    *,
    actor,
    expected_version: int,
    source: str,
    narrative: str,
    consent_status: str,
    people: Sequence[PersonInput],
    concerns: Iterable[str] = (),
    consent_reason: str = "",
    immediate_risk: bool = False,
    referrer: Referrer | None = None,
) -> Contact:
    """A referral and information officer completes (and corrects) an online submission:
    ``submitted`` → ``recorded`` (to screen). The channel and the time received are kept: the
    clock started when the referrer pressed "Send". People keep their person-index links."""
    if not _can_record(actor):
        raise NotPermitted("Your roles do not allow you to record contacts.")
    concerns = list(dict.fromkeys(concerns))
    _validate_intake(
        channel=contact.channel,
        source=source,
        narrative=narrative,
        consent_status=consent_status,
        consent_reason=consent_reason,
        people=people,
        concerns=concerns,
        received_at=contact.received_at,
        now=timezone.now(),
    )
    with transaction.atomic():
        contact_transition(
            contact,
            to_status=ContactStatus.RECORDED,
            actor=actor,
            expected_version=expected_version,
            recorded_at=timezone.now(),
            recorded_by=actor,
            source=source,
            narrative=narrative.strip(),
            consent_status=consent_status,
            consent_reason=consent_reason.strip() if consent_status != ConsentStatus.GIVEN else "",
            immediate_risk=immediate_risk,
            **(referrer or Referrer()).as_fields(),
        )
        _people_replace(contact, people, actor)
        _concerns_replace(contact, concerns, actor)
        audit_record(
            actor,
            AuditEntry.Verb.TRANSITIONED,
            contact,
            {"action": "recorded", "from": ContactStatus.SUBMITTED, "to": ContactStatus.RECORDED},
        )
    return contact


def _people_replace(contact: Contact, people: Sequence[PersonInput], actor) -> None:
    """Make the contact's people exactly ``people``: update rows named by ``id`` (keeping their
    person-index link), create new ones, delete the rest. Each save writes history."""
    existing = {str(p.pk): p for p in ContactPerson.unscoped.filter(contact=contact)}
    kept = set()
    for item in people:
        values = {name: getattr(item, name) for name in _PERSON_FIELDS}
        for name in ("forename", "surname", "sex", "address", "postcode", "relationship_to_child"):
            values[name] = (values[name] or "").strip()
        row = existing.get(str(item.id)) if item.id else None
        if row is None:
            row = ContactPerson(contact=contact, created_by=actor, modified_by=actor, **values)
            row._history_user = actor
            row.save(force_insert=True)
            continue
        kept.add(str(row.pk))
        changed = [name for name, value in values.items() if getattr(row, name) != value]
        if changed:
            for name in changed:
                setattr(row, name, values[name])
            row.modified_by = actor
            row._history_user = actor
            row.save(update_fields=[*changed, "modified_by", "modified_at"])
    for pk, row in existing.items():
        if pk not in kept:
            row._history_user = actor
            row.delete()


def _concerns_replace(contact: Contact, concerns: Sequence[str], actor) -> None:
    existing = {c.category: c for c in ContactConcern.objects.filter(contact=contact)}
    for category in concerns:
        if category not in existing:
            concern = ContactConcern(
                contact=contact, category=category, created_by=actor, modified_by=actor
            )
            concern._history_user = actor
            concern.save(force_insert=True)
    for category, concern in existing.items():
        if category not in concerns:
            concern._history_user = actor
            concern.delete()


# -- screening --------------------------------------------------------------------------------


def contact_screen(
    contact: Contact,
    *,
    actor,
    expected_version: int,
    rag: str,
    threshold_level: str,
    route: str,
    rationale: str,
    agency_ids: Sequence = (),
    questions: Mapping | None = None,
    receiving_team=None,
):
    """The practice manager screens a recorded contact: RAG rating, threshold level, route
    and rationale, written by the same transition that moves the contact on.

    Route "MASH enquiry" opens an enquiry with one information request per chosen agency
    (``questions`` maps agency id → question); any other route is a decision at screening
    (``decisions.services.contact_decide`` with ``via_screening=True``; the outcome follows
    the route and threshold, ``decisions.codes.outcome_for_screening``), which needs
    ``receiving_team`` when it hands the child over. Returns the enquiry or the decision.
    """
    if actor is None or not actor.can(Capability.CONTACT_SCREEN):
        raise NotPermitted("Your roles do not allow you to screen contacts.")
    rationale = (rationale or "").strip()
    if rag not in Rag.values:
        raise ContactInvalid("Select a RAG rating: Red, Amber or Green.", "rag")
    if threshold_level not in ThresholdLevel.values:
        raise ContactInvalid("Select the threshold level.", "threshold_level")
    if route not in Route.values:
        raise ContactInvalid("Select the route.", "route")
    if not rationale:
        raise ContactInvalid("Enter the rationale for the screening decision.", "rationale")

    screening = {
        "rag": rag,
        "threshold_level": threshold_level,
        "route": route,
        "screening_rationale": rationale,
        "screened_at": timezone.now(),
        "screened_by": actor,
    }
    if route == Route.MASH_ENQUIRY and not agency_ids:
        raise ContactInvalid(
            "Choose at least one agency to send an information request to.", "agencies"
        )
    if route != Route.MASH_ENQUIRY:
        from openmash.decisions.codes import TEAM_REQUIRED_OUTCOMES, outcome_for_screening

        if (
            outcome_for_screening(route, threshold_level) in TEAM_REQUIRED_OUTCOMES
            and receiving_team is None
        ):
            raise ContactInvalid("Select the team to pass the child to.", "receiving_team")
    with transaction.atomic():
        current = Contact.unscoped.select_for_update().get(pk=contact.pk)
        # A stale page gets the conflict message, whatever else is wrong with it.
        if current.version != expected_version:
            raise ConflictError(
                f"Contact {current.reference} was changed by someone else while you were "
                f"working on it (it is now '{current.get_status_display()}'). Your screening "
                "has not been saved: reload the contact, check what changed, and try again."
            )
        if current.status != ContactStatus.RECORDED:
            raise TransitionNotAllowed(
                f"Contact {current.reference} is '{current.get_status_display()}', so it "
                "cannot be screened."
            )
        if current.immediate_risk and rag != Rag.RED:
            raise ContactInvalid(
                "This contact is flagged as immediate risk, so it must be rated Red.", "rag"
            )
        audit_record(
            actor,
            AuditEntry.Verb.TRANSITIONED,
            current,
            {
                "action": "screened",
                "from": current.status,
                "rag": rag,
                "threshold_level": threshold_level,
                "route": route,
            },
        )
        if route == Route.MASH_ENQUIRY:
            from openmash.enquiries.services import enquiry_open

            return enquiry_open(
                contact,
                actor=actor,
                agency_ids=list(agency_ids),
                questions=dict(questions or {}),
                expected_version=expected_version,
                screening=screening,
            )

        from openmash.decisions.codes import outcome_for_screening
        from openmash.decisions.services import contact_decide

        # The screening is written under the row lock taken above, without a new version:
        # contact_decide's transition (same transaction) moves the version on, so the
        # screening and the decision commit together or not at all.
        for name, value in screening.items():
            setattr(current, name, value)
        current.modified_by = actor
        current._history_user = actor
        current.save(update_fields=[*screening, "modified_by", "modified_at"])
        return contact_decide(
            contact,
            actor=actor,
            outcome=outcome_for_screening(route, threshold_level),
            rationale=rationale,
            receiving_team=receiving_team,
            expected_version=expected_version,
            via_screening=True,
        )
