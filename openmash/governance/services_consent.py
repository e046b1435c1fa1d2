"""Writes of consent, consent overrides and "do not inform" decisions (protocol, "Consent"),
and the rule every information request obeys.

* ``consent_record``: a consent position (given / refused / not sought / withdrawn) for a
  contact, optionally for one person named on it. The contact's current position is derived
  from all its records (``consent_position``) and copied to ``Contact.consent_status`` and
  ``consent_reason`` in the same transaction.
* ``consent_override_propose`` → ``consent_override_agree`` / ``_decline`` / ``_cancel``: the
  two-person agreement to share without consent — the SPA/MASH practice manager proposes, a
  representative of the agency that owns the information agrees.
* ``not_inform_decision_record``: the separate decision not to tell the child or family.
* ``information_request_consent_check``: called by ``enquiries.services.enquiry_open`` before
  any request goes out.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from openmash.accounts.models import Agency, User
from openmash.accounts.roles import ROLE_CAPABILITIES, Capability
from openmash.accounts.scopes import is_csc_staff
from openmash.contacts.codes import ConsentStatus
from openmash.contacts.models import Contact, ContactPerson
from openmash.core.errors import ConflictError, DomainError, NotPermitted, TransitionNotAllowed
from openmash.tasks.services import outbox_enqueue

from .models import (
    ConsentOverride,
    ConsentRecord,
    NotInformDecision,
    NotInformGround,
    OverrideGround,
    OverrideStatus,
)

#: Who records consent: the children's social care staff who work the contact.
CONSENT_RECORDERS = (
    Capability.CONTACT_RECORD,
    Capability.CONTACT_SCREEN,
    Capability.CONTACT_DECIDE,
    Capability.ENQUIRY_MANAGE,
)
#: Who proposes an override and decides not to inform: the SPA and MASH practice manager.
OVERRIDE_PROPOSERS = (Capability.CONTACT_DECIDE, Capability.CONTACT_SCREEN)

#: Most restrictive first: one person's withdrawal outweighs another's consent.
_RESTRICTIVENESS = {
    ConsentStatus.WITHDRAWN: 0,
    ConsentStatus.REFUSED: 1,
    ConsentStatus.NOT_SOUGHT: 2,
    ConsentStatus.GIVEN: 3,
}
#: Short names of the grounds, for the 120-character consent reference.
_GROUND_SHORT = {
    OverrideGround.SIGNIFICANT_HARM: "significant harm",
    OverrideGround.SERIOUS_CRIME: "serious crime",
    OverrideGround.UNJUSTIFIED_DELAY: "unjustified delay",
}
_INTAKE_NO_REASON = "No reason was recorded when the contact was taken."


class ConsentInvalid(DomainError):
    """Input a consent service refused; ``field`` names the form field it is about."""

    def __init__(self, message: str, field: str = ""):
        super().__init__(message)
        self.field = field


class ConsentMissing(DomainError):
    """An information request may not go out: no consent, no agreed override, no reason."""


@dataclass(frozen=True)
class ConsentPosition:
    """A contact's current consent position: the most restrictive current position of anyone
    recorded (the family as a whole, or each person), and the record that set it."""

    status: str
    reason: str = ""
    record: ConsentRecord | None = None
    #: The latest record per person ("" for the family as a whole), oldest first.
    current: list[ConsentRecord] = field(default_factory=list)

    @property
    def label(self) -> str:
        return ConsentStatus(self.status).label if self.status else "No consent position recorded"

    @property
    def allows_sharing_without_override(self) -> bool:
        return self.status == ConsentStatus.GIVEN or (
            self.status == ConsentStatus.NOT_SOUGHT and bool(self.reason.strip())
        )


def position_from_records(records: Iterable[ConsentRecord], contact: Contact) -> ConsentPosition:
    """The position given a contact's records (any order). With none, the position recorded at
    intake on the contact itself."""
    latest: dict = {}
    for record in sorted(records, key=lambda r: (r.recorded_at, r.created_at)):
        latest[record.contact_person_id] = record
    if not latest:
        return ConsentPosition(contact.consent_status or "", contact.consent_reason or "")
    current = sorted(latest.values(), key=lambda r: (r.recorded_at, r.created_at))
    deciding = min(current, key=lambda r: (_RESTRICTIVENESS[r.status], -r.recorded_at.timestamp()))
    return ConsentPosition(deciding.status, deciding.reason, deciding, current)


def consent_position(contact: Contact) -> ConsentPosition:
    """The current consent position of ``contact`` (service-side read: no user scope)."""
    return position_from_records(ConsentRecord.unscoped.filter(contact_id=contact.pk), contact)


def _require(actor, capabilities, message: str) -> None:
    if not (is_csc_staff(actor) and any(actor.can(c) for c in capabilities)):
        raise NotPermitted(message)


def _locked_contact(contact: Contact) -> Contact:
    return Contact.unscoped.select_for_update().get(pk=contact.pk)


def _materialise_intake(contact: Contact) -> None:
    """Before the first explicit record, keep the position recorded at intake as a record for
    the family as a whole, so a later record for one person cannot silently replace it."""
    if not contact.consent_status or ConsentRecord.unscoped.filter(contact=contact).exists():
        return
    reason = contact.consent_reason.strip()
    if contact.consent_status == ConsentStatus.NOT_SOUGHT and not reason:
        reason = _INTAKE_NO_REASON
    record = ConsentRecord(
        contact=contact,
        status=contact.consent_status,
        reason=reason,
        recorded_at=contact.recorded_at or contact.received_at,
        recorded_by=contact.recorded_by,
        created_by=contact.recorded_by,
    )
    record._history_user = contact.recorded_by
    record.save(force_insert=True)


def _sync_contact(contact: Contact, position: ConsentPosition, actor) -> None:
    """Copy the current position onto the contact (its ``consent_status`` is what every page
    and queue reads). Not a transition: the contact's ``version`` is left alone."""
    status, reason = position.status, position.reason.strip()
    if status == ConsentStatus.GIVEN:
        reason = ""
    if (contact.consent_status, contact.consent_reason) == (status, reason):
        return
    contact.consent_status, contact.consent_reason = status, reason
    contact.modified_by = actor
    contact._history_user = actor
    contact.save(update_fields=["consent_status", "consent_reason", "modified_by", "modified_at"])


def consent_record(
    contact: Contact,
    *,
    actor,
    status: str,
    contact_person: ContactPerson | None = None,
    reason: str = "",
    told_purpose: str = "",
    told_recipients: str = "",
    told_retention: str = "",
    told_can_withdraw: bool = False,
    told_may_share_without_consent: bool = False,
    recorded_at: datetime | None = None,
) -> ConsentRecord:
    """Record a consent position — at any time, including a withdrawal after requests went
    out — and bring the contact's current position up to date.

    Informed consent (protocol): a person who consents must have been told the purpose, who it
    may be shared with and how long it is kept, so "given" needs all three. "Not sought" needs
    the reason."""
    _require(actor, CONSENT_RECORDERS, "Your roles do not allow you to record consent.")
    if status not in ConsentStatus.values:
        raise ConsentInvalid("Select the consent position.", "status")
    reason = reason.strip()
    told = {
        "told_purpose": told_purpose.strip(),
        "told_recipients": told_recipients.strip(),
        "told_retention": told_retention.strip(),
    }
    if status == ConsentStatus.NOT_SOUGHT and not reason:
        raise ConsentInvalid("Enter why consent was not sought.", "reason")
    if status == ConsentStatus.GIVEN:
        for name, message in (
            ("told_purpose", "Enter what they were told about why information is shared."),
            ("told_recipients", "Enter who they were told it may be shared with."),
            ("told_retention", "Enter how long they were told it will be kept."),
        ):
            if not told[name]:
                raise ConsentInvalid(message, name)
    if contact_person is not None and contact_person.contact_id != contact.pk:
        raise ConsentInvalid("Choose someone named on this contact.", "contact_person")
    now = timezone.now()
    if recorded_at is not None and recorded_at > now:
        raise ConsentInvalid("The time consent was recorded cannot be in the future.", "")
    if recorded_at is not None and recorded_at < contact.received_at:
        raise ConsentInvalid("The time consent was recorded cannot be before the contact.", "")

    with transaction.atomic():
        locked = _locked_contact(contact)
        _materialise_intake(locked)
        record = ConsentRecord(
            contact=locked,
            contact_person=contact_person,
            status=status,
            reason=reason,
            told_can_withdraw=bool(told_can_withdraw),
            told_may_share_without_consent=bool(told_may_share_without_consent),
            recorded_at=recorded_at or now,
            recorded_by=actor,
            created_by=actor,
            modified_by=actor,
            **told,
        )
        record._history_user = actor
        record.save(force_insert=True)
        _sync_contact(locked, consent_position(locked), actor)
    contact.consent_status, contact.consent_reason = locked.consent_status, locked.consent_reason
    return record


# -- override ----------------------------------------------------------------------------------


def _responder_users(agency: Agency):
    """Active users of ``agency`` who may answer its information requests (its MASH
    representatives), for telling them an override awaits their agreement."""
    roles = [code for code, caps in ROLE_CAPABILITIES.items() if Capability.ENQUIRY_RESPOND in caps]
    return (
        User.objects.filter(agency=agency, is_active=True, roles__code__in=roles)
        .exclude(email="")
        .distinct()
        .order_by("pk")
    )


def consent_override_propose(
    contact: Contact, *, actor, agency: Agency, ground: str, rationale: str
) -> ConsentOverride:
    """The practice manager proposes sharing ``agency``'s information without consent, on one
    of the protocol's grounds. The agency's MASH representatives are told it awaits them."""
    _require(
        actor,
        OVERRIDE_PROPOSERS,
        "Only the SPA and MASH practice manager may propose overriding consent.",
    )
    if ground not in OverrideGround.values:
        raise ConsentInvalid("Select the ground for overriding consent.", "ground")
    rationale = rationale.strip()
    if not rationale:
        raise ConsentInvalid("Enter the rationale for overriding consent.", "rationale")
    partner = agency is not None and not agency.is_childrens_social_care
    if not (partner and agency.receives_information_requests):
        raise ConsentInvalid(
            "Select the partner agency whose information would be shared.", "agency"
        )
    with transaction.atomic():
        locked = _locked_contact(contact)
        position = consent_position(locked)
        if position.status not in (ConsentStatus.REFUSED, ConsentStatus.WITHDRAWN):
            raise TransitionNotAllowed(
                f"The consent position on {locked.reference} is '{position.label.lower()}': "
                "an override is needed only when consent was refused or withdrawn."
            )
        live = ConsentOverride.unscoped.filter(
            contact=locked,
            agency=agency,
            status__in=[OverrideStatus.PROPOSED, OverrideStatus.AGREED],
        ).first()
        if live is not None:
            raise ConflictError(
                f"An override for {agency.name} is already {live.get_status_display().lower()}."
            )
        now = timezone.now()
        override = ConsentOverride(
            contact=locked,
            agency=agency,
            ground=ground,
            rationale=rationale,
            status=OverrideStatus.PROPOSED,
            proposed_at=now,
            proposed_by=actor,
            created_by=actor,
            modified_by=actor,
        )
        override._history_user = actor
        override.save(force_insert=True)
        for user in _responder_users(agency):
            outbox_enqueue(
                kind="consent_override_proposed",
                recipient=user.email,
                subject=f"OpenMASH: consent override on {locked.reference} awaits your agency",
                body=render_to_string(
                    "governance/consent/email/override_proposed.txt",
                    {
                        "override": override,
                        "contact": locked,
                        "site_url": settings.SITE_URL.rstrip("/"),
                    },
                ),
                dedupe_key=f"override-proposed:{override.pk}:{user.pk}",
                actor=actor,
            )
    return override


def _locked_override(override: ConsentOverride, expected_version: int | None) -> ConsentOverride:
    locked = ConsentOverride.unscoped.select_for_update().get(pk=override.pk)
    if expected_version is not None and locked.version != expected_version:
        who = locked.decided_by or locked.modified_by
        by = f" by {who.get_full_name() or who.username}" if who else ""
        raise ConflictError(
            f"This override was changed{by} while you were reading it, so nothing has been "
            f"saved. It is now '{locked.get_status_display().lower()}'."
        )
    if locked.status != OverrideStatus.PROPOSED:
        raise TransitionNotAllowed(
            f"This override is already '{locked.get_status_display().lower()}'."
        )
    return locked


def _decide(override, *, actor, to_status, note, expected_version) -> ConsentOverride:
    with transaction.atomic():
        locked = _locked_override(override, expected_version)
        if to_status in (OverrideStatus.AGREED, OverrideStatus.DECLINED):
            if not actor.can(Capability.ENQUIRY_RESPOND) or actor.agency_id != locked.agency_id:
                raise NotPermitted(
                    "Only a MASH representative of the agency that owns the information may "
                    "agree or decline this override."
                )
            if actor.pk == locked.proposed_by_id:
                raise NotPermitted(
                    "The override must be agreed by a second person: the one who proposed it "
                    "cannot also agree it."
                )
        now = timezone.now()
        values = {
            "status": to_status,
            "decided_at": now,
            "decided_by": actor,
            "decision_note": note,
            "version": locked.version + 1,
            "modified_by": actor,
            "modified_at": now,
        }
        for name, value in values.items():
            setattr(locked, name, value)
        locked._history_user = actor
        locked.save(update_fields=list(values))
    for name in ("status", "decided_at", "decided_by", "decision_note", "version"):
        setattr(override, name, getattr(locked, name))
    return locked


def consent_override_agree(
    override: ConsentOverride, *, actor, note: str = "", expected_version: int | None = None
) -> ConsentOverride:
    """The information-owning agency's representative agrees: requests to that agency may go
    out without consent, and the Record of Sharing names the override."""
    return _decide(
        override,
        actor=actor,
        to_status=OverrideStatus.AGREED,
        note=note.strip(),
        expected_version=expected_version,
    )


def consent_override_decline(
    override: ConsentOverride, *, actor, note: str, expected_version: int | None = None
) -> ConsentOverride:
    note = note.strip()
    if not note:
        raise ConsentInvalid("Enter why your agency does not agree.", "note")
    return _decide(
        override,
        actor=actor,
        to_status=OverrideStatus.DECLINED,
        note=note,
        expected_version=expected_version,
    )


def consent_override_cancel(
    override: ConsentOverride, *, actor, note: str, expected_version: int | None = None
) -> ConsentOverride:
    """The MASH withdraws a proposal the agency has not answered (e.g. consent was given)."""
    _require(actor, OVERRIDE_PROPOSERS, "Only a practice manager may withdraw a proposal.")
    note = note.strip()
    if not note:
        raise ConsentInvalid("Enter why the proposal is withdrawn.", "note")
    with transaction.atomic():
        locked = _locked_override(override, expected_version)
        now = timezone.now()
        values = {
            "status": OverrideStatus.CANCELLED,
            "decision_note": note,
            "version": locked.version + 1,
            "modified_by": actor,
            "modified_at": now,
        }
        for name, value in values.items():
            setattr(locked, name, value)
        locked._history_user = actor
        locked.save(update_fields=list(values))
    override.status, override.version = locked.status, locked.version
    return locked


def not_inform_decision_record(
    contact: Contact, *, actor, ground: str, rationale: str
) -> NotInformDecision:
    """Record that the child or family will not be told their information is being shared."""
    _require(
        actor,
        OVERRIDE_PROPOSERS,
        "Only the SPA and MASH practice manager may decide not to inform the family.",
    )
    if ground not in NotInformGround.values:
        raise ConsentInvalid("Select why the child or family will not be told.", "ground")
    rationale = rationale.strip()
    if not rationale:
        raise ConsentInvalid("Enter the rationale for not telling them.", "rationale")
    with transaction.atomic():
        locked = _locked_contact(contact)
        decision = NotInformDecision(
            contact=locked,
            ground=ground,
            rationale=rationale,
            decided_at=timezone.now(),
            decided_by=actor,
            created_by=actor,
            modified_by=actor,
        )
        decision._history_user = actor
        decision.save(force_insert=True)
    return decision


# -- the rule information requests obey ---------------------------------------------------------


def _agreed_overrides(contact: Contact):
    return ConsentOverride.unscoped.filter(
        contact_id=contact.pk, status=OverrideStatus.AGREED
    ).select_related("agency")


def information_request_consent_check(contact: Contact, agencies: Iterable[Agency] = ()) -> None:
    """Protocol, "Consent": information requests go out only with consent given, a recorded
    reason consent was not sought, or — where consent was refused or withdrawn — an override
    agreed with each agency asked. Raises ``ConsentMissing`` with what to do otherwise."""
    position = consent_position(contact)
    if position.allows_sharing_without_override:
        return
    ref = contact.reference
    if not position.status:
        raise ConsentMissing(
            f"Contact {ref} has no consent position recorded. Record whether consent was "
            "given, refused or not sought before sending information requests."
        )
    if position.status == ConsentStatus.NOT_SOUGHT:
        raise ConsentMissing(
            f"Contact {ref}: consent was not sought and no reason is recorded. Record why "
            "before sending information requests."
        )
    agencies = list(agencies)
    agreed = {o.agency_id for o in _agreed_overrides(contact)}
    missing = [a for a in agencies if a.pk not in agreed]
    if (agencies and not missing) or (not agencies and agreed):
        return  # with no agency named, any agreed override will do
    what = "withdrawn" if position.status == ConsentStatus.WITHDRAWN else "refused"
    names = ", ".join(a.name for a in missing)
    raise ConsentMissing(
        f"Consent on contact {ref} was {what}, and no consent override is agreed"
        + (f" with {names}" if names else "")
        + ". Information requests cannot be sent without consent: propose an override on the "
        "protocol's grounds and have the agency that owns the information agree it, or record "
        "that consent has been given."
    )


def consent_reference_for(contact: Contact) -> str:
    """The consent position as written on Record of Sharing entries: consent, the reason it was
    not sought, or the agreed override(s). At most 120 characters."""
    position = consent_position(contact)
    if not position.status:
        return "No consent position recorded"
    if position.status == ConsentStatus.GIVEN:
        return position.label
    text = position.label
    if position.status in (ConsentStatus.REFUSED, ConsentStatus.WITHDRAWN):
        overrides = list(_agreed_overrides(contact))
        if overrides:
            grounds = sorted({_GROUND_SHORT[o.ground] for o in overrides})
            agencies = ", ".join(sorted(o.agency.code for o in overrides))
            return f"{text}; override agreed with {agencies} ({'; '.join(grounds)})"[:120]
    if position.reason.strip():
        text += f": {position.reason.strip()}"
    return text[:120]
