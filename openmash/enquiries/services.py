"""Writes of MASH enquiries and information requests.

Each function is one transition of the lifecycle in ``models.py``: it checks who may act and the
current state, locks the rows it changes, compares the ``version`` the user's page was rendered
with, and writes the Record of Sharing entry for what it discloses in the same transaction, so a
disclosure cannot commit without its record.
"""

from collections.abc import Iterable, Mapping
from uuid import UUID

from django.db import transaction
from django.utils import timezone

from openmash.accounts.models import Agency
from openmash.accounts.roles import Capability
from openmash.contacts.codes import Rag, Route
from openmash.contacts.models import Contact, ContactPerson, ContactStatus
from openmash.contacts.transitions import contact_transition
from openmash.core.errors import ConflictError, DomainError, NotPermitted, TransitionNotAllowed
from openmash.governance.codes import DisclosureKind
from openmash.governance.services import sharing_record
from openmash.governance.services_consent import (
    consent_reference_for,
    information_request_consent_check,
)
from openmash.timescales.services import information_request_due

from .models import (
    EnquiryStatus,
    InformationRequest,
    MashEnquiry,
    RequestStatus,
    ResponseOutcome,
)

#: Agencies whose responses are criminal offence data (UK GDPR Art 10): convictions,
#: allegations, intelligence and offender management.
CRIMINAL_OFFENCE_AGENCIES = frozenset({"POLICE", "YOS", "PROBATION_NPS", "PROBATION_CRC"})
#: Agencies whose responses are special category data (Art 9): health, substance misuse and
#: disability records.
SPECIAL_CATEGORY_AGENCIES = frozenset({"HEALTH", "TURNING_POINT", "SEND"})

#: Screening fields the contacts app may set in the same transition that opens the enquiry.
SCREENING_FIELDS = frozenset(
    {"rag", "threshold_level", "route", "screening_rationale", "screened_at", "screened_by"}
)


class ResponseIncomplete(DomainError):
    """A response is missing something its outcome needs; ``field`` names the form field."""

    def __init__(self, message: str, field: str):
        super().__init__(message)
        self.field = field


def consent_reference(contact: Contact) -> str:
    """The consent position as written on every Record of Sharing entry for this contact:
    consent, why it was not sought, or the agreed override (governance owns the rule)."""
    return consent_reference_for(contact)


def consent_check(contact: Contact, agencies=()) -> None:
    """Protocol, "Consent": MASH is a consent-based model. Information requests go out only
    with consent given, a recorded reason consent was not sought, or a consent override agreed
    with each agency asked (``governance.services_consent`` owns the rule)."""
    information_request_consent_check(contact, agencies)
    processing_restriction_check(contact)


def processing_restriction_check(contact: Contact) -> None:
    """UK GDPR Art 18: while processing of a person's data is restricted (a rights request),
    it may be stored but not used for anything new — such as asking partners about them."""
    from openmash.governance.selectors import processing_restriction_in_force

    for person_id in _linked_person_ids(contact.pk):
        if processing_restriction_in_force(person_id):
            raise DomainError(
                "Processing of the data of someone on this contact is restricted after a data "
                "subject rights request, so information requests cannot be sent. Ask the data "
                "protection officer whether the restriction can be lifted or an exception "
                "(legal claims, protecting another person) applies."
            )


def _csc_agency() -> Agency:
    """Children's social care: the agency that owns contacts and receives every response."""
    return Agency.objects.get(is_childrens_social_care=True)


def _linked_person_ids(contact_id) -> list:
    """Person-index entries of the people named on a contact (the data subjects shared)."""
    return list(
        ContactPerson.unscoped.filter(contact_id=contact_id, person__isnull=False)
        .values_list("person_id", flat=True)
        .distinct()
    )


def _requested_agencies(agency_ids: Iterable, questions: Mapping) -> list[tuple[Agency, str]]:
    """The chosen agencies in a stable order, each with its question; refuses agencies that
    cannot receive requests and blank questions."""
    ids = list(dict.fromkeys(str(a) for a in agency_ids))
    if not ids:
        raise DomainError("Choose at least one agency to send an information request to.")
    try:
        uuids = [UUID(a) for a in ids]
    except ValueError as exc:
        raise DomainError("One of the chosen agencies does not exist.") from exc
    agencies = {str(a.pk): a for a in Agency.objects.filter(pk__in=uuids)}
    questions = {str(k): (v or "").strip() for k, v in questions.items()}
    chosen = []
    for agency_id in ids:
        agency = agencies.get(agency_id)
        if agency is None:
            raise DomainError("One of the chosen agencies does not exist.")
        if not agency.active or not agency.receives_information_requests:
            raise DomainError(f"{agency.name} does not receive MASH information requests.")
        question = questions.get(agency_id, "")
        if not question:
            raise DomainError(f"Write the question for {agency.name}.")
        chosen.append((agency, question))
    return sorted(chosen, key=lambda pair: pair[0].name)


def enquiry_open(
    contact: Contact,
    *,
    actor,
    agency_ids: Iterable,
    questions: Mapping,
    expected_version: int | None,
    screening: Mapping | None = None,
) -> MashEnquiry:
    """Open a MASH enquiry on a recorded contact: the contact moves to ``enquiry`` and each
    chosen agency gets one information request with its due time (Red: 4 working hours).

    ``screening`` carries the screening fields (``rag``, ``threshold_level``, ``route``,
    ``screening_rationale``, ``screened_at``, ``screened_by``) when the contacts app screens
    and opens in one step; they are written by the same transition. The RAG rating (from
    ``screening`` or already on the contact) sets the due times.
    """
    if not (actor.can(Capability.ENQUIRY_MANAGE) or actor.can(Capability.CONTACT_SCREEN)):
        raise NotPermitted("Your roles do not allow you to open MASH enquiries.")
    fields = dict(screening or {})
    unknown = set(fields) - SCREENING_FIELDS
    if unknown:
        raise ValueError(f"Not screening fields: {sorted(unknown)}")
    fields.setdefault("route", Route.MASH_ENQUIRY)
    if fields["route"] != Route.MASH_ENQUIRY:
        raise DomainError("Only the route 'MASH enquiry' opens a MASH enquiry.")
    requested = _requested_agencies(agency_ids, questions)

    with transaction.atomic():
        current = Contact.unscoped.select_for_update().get(pk=contact.pk)
        # Check the rules only on the state the user saw: a stale version or a contact in the
        # wrong state falls through to contact_transition's conflict or state message.
        seen = expected_version is None or current.version == expected_version
        if seen and current.status == ContactStatus.RECORDED:
            consent_check(current, [agency for agency, _ in requested])
            if (fields.get("rag") or current.rag) not in Rag.values:
                raise DomainError("Give the contact a RAG rating before opening a MASH enquiry.")
        now = timezone.now()
        contact = contact_transition(
            contact,
            to_status=ContactStatus.ENQUIRY,
            actor=actor,
            expected_version=expected_version,
            **fields,
        )
        due_at = information_request_due(contact.rag, now, contact.decision_due_at)
        enquiry = MashEnquiry(
            contact=contact,
            status=EnquiryStatus.OPEN,
            opened_at=now,
            opened_by=actor,
            responses_due_at=due_at,
            immediate_risk=contact.immediate_risk,
            created_by=actor,
            modified_by=actor,
        )
        enquiry._history_user = actor
        enquiry.save(force_insert=True)

        csc = _csc_agency()
        subjects = _linked_person_ids(contact.pk)
        people_count = ContactPerson.unscoped.filter(contact=contact).count()
        consent = consent_reference(contact)
        for agency, question in requested:
            request = InformationRequest(
                enquiry=enquiry,
                agency=agency,
                question=question,
                status=RequestStatus.REQUESTED,
                requested_at=now,
                requested_by=actor,
                due_at=due_at,
                immediate_risk=contact.immediate_risk,
                created_by=actor,
                modified_by=actor,
            )
            request._history_user = actor
            request.save(force_insert=True)
            sharing_record(
                kind=DisclosureKind.IDENTIFYING_DETAILS,
                shared_by=actor,
                from_agency=csc,
                to_agency=agency,
                contact=contact,
                subjects=subjects,
                record_type="information request",
                record_id=request.pk,
                summary=(
                    f"Names, dates of birth and addresses of the {people_count} people named on "
                    f"contact {contact.reference}, with the question asked, for {agency.name} "
                    "to search its records"
                ),
                consent_reference=consent,
            )
    return enquiry


def _validate_response(outcome: str, summary: str, systems_searched: str) -> None:
    if outcome not in ResponseOutcome.values:
        raise ResponseIncomplete(
            "Select whether the people are known to your agency, not known, or a nil return.",
            "outcome",
        )
    if outcome == ResponseOutcome.KNOWN and not summary:
        raise ResponseIncomplete(
            "Enter a summary of what your agency holds about the people named.", "summary"
        )
    if outcome == ResponseOutcome.NIL_RETURN and not summary:
        raise ResponseIncomplete(
            "Enter why your agency is making a nil return (nothing to share).", "summary"
        )
    if outcome == ResponseOutcome.NOT_KNOWN and not systems_searched:
        raise ResponseIncomplete(
            "Enter the systems you searched, so the MASH knows what 'not known' covers.",
            "systems_searched",
        )


def information_request_respond(
    request: InformationRequest,
    *,
    actor,
    expected_version: int | None,
    outcome: str,
    summary: str = "",
    risk_factors: str = "",
    protective_factors: str = "",
    systems_searched: str = "",
    proportionality_note: str = "",
) -> InformationRequest:
    """Record an agency's answer to its information request and disclose it to children's
    social care. Only a practitioner of that agency may answer (the agency firewall). When it
    is the last outstanding answer, the enquiry moves to ``ready`` (awaiting analysis)."""
    if not actor.can(Capability.ENQUIRY_RESPOND) or actor.agency_id != request.agency_id:
        raise NotPermitted("Only the agency the request was sent to may respond to it.")
    summary, systems_searched = summary.strip(), systems_searched.strip()
    _validate_response(outcome, summary, systems_searched)

    with transaction.atomic():
        # Lock the enquiry first, then the request: every writer takes them in this order.
        enquiry = (
            MashEnquiry.unscoped.select_for_update(of=("self",))
            .select_related("contact")
            .get(pk=request.enquiry_id)
        )
        locked = InformationRequest.unscoped.select_for_update().get(pk=request.pk)
        if locked.status == RequestStatus.RESPONDED and locked.responded_by_id == actor.pk:
            raise ConflictError(
                "You have already sent your response to this request; it has not been sent "
                "twice. Your recorded response is shown on this page."
            )
        if expected_version is not None and locked.version != expected_version:
            by = locked.responded_by or locked.modified_by
            who = f" by {by.get_full_name() or by.username}" if by else ""
            raise ConflictError(
                f"This request was answered{who} while you were working on it, so your "
                "response has not been saved. Reload the page to read the recorded response; "
                "if you hold more information, contact the MASH practice manager."
            )
        if locked.status != RequestStatus.REQUESTED:
            raise TransitionNotAllowed("This request has already been answered.")
        if enquiry.status == EnquiryStatus.ANALYSED:
            raise TransitionNotAllowed(
                "The MASH has already analysed this enquiry. Phone the MASH practice manager "
                "with what you have found."
            )
        now = timezone.now()
        values = {
            "outcome": outcome,
            "summary": summary,
            "risk_factors": risk_factors.strip(),
            "protective_factors": protective_factors.strip(),
            "systems_searched": systems_searched,
            "proportionality_note": proportionality_note.strip(),
            "status": RequestStatus.RESPONDED,
            "responded_at": now,
            "responded_by": actor,
            "version": locked.version + 1,
            "modified_by": actor,
            "modified_at": now,
        }
        for name, value in values.items():
            setattr(locked, name, value)
        locked._history_user = actor
        locked.save(update_fields=list(values))
        for name in values:  # keep the caller's instance current for rendering
            setattr(request, name, getattr(locked, name))

        agency = actor.agency
        contact = enquiry.contact
        sharing_record(
            kind=DisclosureKind.AGENCY_RESPONSE,
            shared_by=actor,
            from_agency=agency,
            to_agency=_csc_agency(),
            contact=contact,
            subjects=_linked_person_ids(contact.pk),
            record_type="information request response",
            record_id=locked.pk,
            summary=(
                f"{agency.name}'s response ({ResponseOutcome(outcome).label.lower()}) to the "
                f"MASH enquiry on contact {contact.reference}"
            ),
            special_category=agency.code in SPECIAL_CATEGORY_AGENCIES,
            criminal_offence=agency.code in CRIMINAL_OFFENCE_AGENCIES,
            consent_reference=consent_reference(contact),
        )

        outstanding = (
            InformationRequest.unscoped.filter(enquiry=enquiry)
            .exclude(status=RequestStatus.RESPONDED)
            .exists()
        )
        if enquiry.status == EnquiryStatus.OPEN and not outstanding:
            _enquiry_to_ready(enquiry, actor=actor, now=now)
    return request


def information_request_api_read(user, request_id, *, channel: str):
    """A partner system reads one of its agency's requests through the REST API: the request
    page's selector (scoped; writes the access log per person) plus a Record of Sharing entry
    of kind ``API_READ`` in the same transaction. The page does not write one — its details
    were recorded as shared when the request was sent — but a copy fetched by another system
    leaves the service, so the DPO must be able to find it."""
    from .selectors import information_request_for_partner

    with transaction.atomic():
        shown = information_request_for_partner(user, request_id, channel=channel)
        request = shown.request
        contact = Contact.unscoped.get(pk=request.contact_id)
        sharing_record(
            kind=DisclosureKind.API_READ,
            shared_by=request.requested_by,
            from_agency=_csc_agency(),
            to_agency=user.agency,
            to_description=f"Read through the API by {user.get_full_name() or user.username}",
            contact=contact,
            subjects=_linked_person_ids(contact.pk),
            record_type="information request",
            record_id=request.pk,
            summary=(
                f"Identifying details of the {len(shown.people)} people named on contact "
                f"{contact.reference}, with the question asked"
                + (" and the outcome" if shown.outcome else "")
                + f", read by {user.agency.name}'s system through the API"
            ),
            consent_reference=consent_reference(contact),
        )
    return shown


def _enquiry_to_ready(enquiry: MashEnquiry, *, actor, now, reason: str = "") -> None:
    """open → ready on a locked enquiry row."""
    values = {
        "status": EnquiryStatus.READY,
        "ready_at": now,
        "version": enquiry.version + 1,
        "modified_by": actor,
        "modified_at": now,
    }
    if reason:
        values |= {"ready_by": actor, "ready_reason": reason}
    for name, value in values.items():
        setattr(enquiry, name, value)
    # The reason is a field (``ready_reason``), so history and the audit log carry it in full.
    enquiry._history_user = actor
    enquiry.save(update_fields=list(values))


def enquiry_mark_ready(
    enquiry: MashEnquiry, actor, reason: str, *, expected_version: int | None = None
) -> MashEnquiry:
    """A practice manager proceeds to analysis without an agency's late response. The reason
    is kept on the enquiry; outstanding requests stay open, so a late answer is still recorded
    and shown to the MASH."""
    if not actor.can(Capability.CONTACT_DECIDE):
        raise NotPermitted("Only a practice manager may proceed without every response.")
    reason = (reason or "").strip()
    if not reason:
        raise ResponseIncomplete(
            "Enter why the enquiry should go ahead without the outstanding responses.", "reason"
        )
    with transaction.atomic():
        locked = MashEnquiry.unscoped.select_for_update().get(pk=enquiry.pk)
        if expected_version is not None and locked.version != expected_version:
            raise ConflictError(
                "This enquiry changed while you were working on it (another response may have "
                "arrived, or someone else moved it on). Nothing has been saved: reload the "
                "page and check the responses before trying again."
            )
        if locked.status != EnquiryStatus.OPEN:
            raise TransitionNotAllowed(
                f"This enquiry is '{locked.get_status_display()}', so it is already past "
                "waiting for responses."
            )
        _enquiry_to_ready(locked, actor=actor, now=timezone.now(), reason=reason)
    for name in ("status", "ready_at", "ready_by", "ready_reason", "version"):
        setattr(enquiry, name, getattr(locked, name))
    return locked
