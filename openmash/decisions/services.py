"""Writes for the last steps of the front door: the MASH social worker's analysis, the practice
manager's decision, and what the decision causes — the handover to the receiving team, the
outcome shown to contributing agencies, and the feedback to the referrer.

Each disclosure writes its Record of Sharing entry in the decision's transaction; emails are
promised in the same transaction through the task-queue outbox and leave only after it commits.
"""

from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from openmash.accounts.models import Team
from openmash.accounts.roles import Capability
from openmash.audit.services import audit_record
from openmash.contacts.codes import Channel
from openmash.contacts.models import Contact, ContactPerson, ContactStatus
from openmash.contacts.transitions import contact_transition
from openmash.core.errors import ConflictError, DomainError, NotPermitted, TransitionNotAllowed
from openmash.enquiries.models import EnquiryStatus, InformationRequest, MashEnquiry, RequestStatus
from openmash.governance.codes import DisclosureKind
from openmash.governance.selectors import (
    processing_restriction_refusal,
    processing_restrictions_for_people,
)
from openmash.governance.services import sharing_record
from openmash.tasks.services import outbox_enqueue

from .codes import (
    OUTCOME_PLAIN_WORDS,
    REFERRAL_OUTCOMES,
    TEAM_REQUIRED_OUTCOMES,
    Outcome,
)
from .models import Analysis, Decision, FeedbackStatus

#: Agencies whose responses are criminal offence data (UK GDPR Art 10) when passed on.
CRIMINAL_JUSTICE_AGENCIES = frozenset({"POLICE", "PROBATION_NPS", "PROBATION_CRC", "YOS"})


class DecisionRuleBroken(DomainError):
    """Input a rule refuses. ``field`` names the form field it belongs to, so the view can
    show it against that field in the error summary."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


def _require(actor, capability: str, doing: str) -> None:
    if actor is None or not actor.can(capability):
        raise NotPermitted(f"Your roles do not allow you to {doing}.")
    if not actor.is_childrens_social_care:
        raise NotPermitted(f"Only children's social care staff may {doing}.")


# --- Analysis ----------------------------------------------------------------------------------


def analysis_record(
    contact: Contact,
    *,
    actor,
    expected_version: int | None,
    analysis: str,
    recommendation: str,
    recommendation_rationale: str = "",
) -> Analysis:
    """The MASH social worker records the analysis of a MASH enquiry whose information is all
    in (enquiry ``ready``) and a recommended outcome. Moves the enquiry to ``analysed`` and the
    contact to ``analysed`` (awaiting the practice manager's decision)."""
    _require(actor, Capability.ENQUIRY_ANALYSE, "record an analysis")
    analysis = (analysis or "").strip()
    if not analysis:
        raise DecisionRuleBroken("Enter the analysis of the information gathered", "analysis")
    if recommendation not in Outcome.values:
        raise DecisionRuleBroken("Select a recommended outcome", "recommendation")
    with transaction.atomic():
        enquiry = MashEnquiry.unscoped.select_for_update().filter(contact_id=contact.pk).first()
        now = timezone.now()
        # The version check comes first, so a stale page always gets the conflict message.
        contact_transition(
            contact,
            to_status=ContactStatus.ANALYSED,
            actor=actor,
            expected_version=expected_version,
        )
        if enquiry is None or enquiry.status != EnquiryStatus.READY:
            raise TransitionNotAllowed(
                f"The MASH enquiry for {contact.reference} is still waiting for agency "
                "responses, so it cannot be analysed yet."
            )
        record = Analysis.unscoped.create(
            contact_id=contact.pk,
            analysis=analysis,
            recommendation=recommendation,
            recommendation_rationale=(recommendation_rationale or "").strip(),
            analysed_at=now,
            analysed_by=actor,
            created_by=actor,
            modified_by=actor,
        )
        enquiry.status = EnquiryStatus.ANALYSED
        enquiry.version += 1
        enquiry.modified_by = actor
        enquiry._history_user = actor
        enquiry.save(update_fields=["status", "version", "modified_by", "modified_at"])
        audit_record(
            actor,
            "transitioned",
            contact,
            {
                "changes": {"status": {"old": ContactStatus.ENQUIRY, "new": contact.status}},
                "recommendation": recommendation,
            },
        )
    return record


# --- Decision ----------------------------------------------------------------------------------


def _conflict_message(locked: Contact) -> str:
    """Say what the other person did, so the practice manager can check it before retrying."""
    decision = (
        Decision.unscoped.select_related("decided_by", "receiving_team")
        .filter(contact_id=locked.pk)
        .first()
    )
    if decision is None:
        return (
            f"Contact {locked.reference} was changed by someone else while you were working on "
            f"it (it is now '{locked.get_status_display()}'). Your decision has not been saved: "
            "check what changed and try again."
        )
    when = timezone.localtime(decision.decided_at).strftime("%H:%M on %d/%m/%Y")
    team = f", passed to {decision.receiving_team.name}" if decision.receiving_team else ""
    return (
        f"{decision.decided_by.get_full_name() or decision.decided_by.username} decided contact "
        f"{locked.reference} at {when} while you were working on it: "
        f"{decision.get_outcome_display()}{team}. Your decision has not been saved."
    )


def _validate_decision(outcome: str, rationale: str, receiving_team: Team | None) -> None:
    if outcome not in Outcome.values:
        raise DecisionRuleBroken("Select an outcome", "outcome")
    if not (rationale or "").strip():
        raise DecisionRuleBroken("Enter the rationale for the decision", "rationale")
    if outcome in TEAM_REQUIRED_OUTCOMES:
        if receiving_team is None:
            raise DecisionRuleBroken(
                f"Select the team to pass the child to for '{Outcome(outcome).label}'",
                "receiving_team",
            )
        if not (receiving_team.receives_handovers and receiving_team.active):
            raise DecisionRuleBroken(
                f"{receiving_team.name} does not take handovers: choose another team",
                "receiving_team",
            )
    elif receiving_team is not None:
        raise DecisionRuleBroken(
            f"'{Outcome(outcome).label}' does not pass the child to a team: leave the receiving "
            "team empty",
            "receiving_team",
        )


def contact_decide(
    contact: Contact,
    *,
    actor,
    outcome: str,
    rationale: str,
    receiving_team: Team | None,
    expected_version: int | None,
    via_screening: bool = False,
) -> Decision:
    """The practice manager's decision on a contact: from ``recorded`` when screening decides
    it straight away (``via_screening``), otherwise from ``analysed`` after a MASH enquiry.

    Stores the Decision (``is_referral`` for the CIN census), moves the contact to
    ``decided``, and in the same transaction records the handover to the receiving team, the
    outcome shown to each agency that responded, and the feedback to the referrer; the emails
    are sent after commit. A practice manager acting on a stale page (``expected_version``)
    gets a ConflictError that says what the other person decided.
    """
    _require(actor, Capability.CONTACT_DECIDE, "decide contacts")
    _validate_decision(outcome, rationale, receiving_team)
    with transaction.atomic():
        locked = Contact.unscoped.select_for_update().get(pk=contact.pk)
        if expected_version is not None and locked.version != expected_version:
            raise ConflictError(_conflict_message(locked))
        expected_from = ContactStatus.RECORDED if via_screening else ContactStatus.ANALYSED
        if locked.status != expected_from:
            needs = "screening" if via_screening else "the MASH social worker's analysis"
            raise TransitionNotAllowed(
                f"Contact {locked.reference} is '{locked.get_status_display()}', so it cannot "
                f"be decided at {needs}."
            )
        now = timezone.now()
        old_status = locked.status
        contact_transition(
            contact,
            to_status=ContactStatus.DECIDED,
            actor=actor,
            expected_version=expected_version,
            decided_at=now,
        )
        decision = Decision.unscoped.create(
            contact_id=contact.pk,
            outcome=outcome,
            rationale=rationale.strip(),
            receiving_team=receiving_team,
            is_referral=outcome in REFERRAL_OUTCOMES,
            decided_at=now,
            decided_by=actor,
            created_by=actor,
            modified_by=actor,
        )
        subjects = _linked_person_ids(locked)
        if receiving_team is not None:
            _handover_record(locked, decision, actor, subjects, now)
        _outcome_to_partners_record(locked, decision, actor, subjects)
        _referrer_feedback(locked, decision, actor, subjects, now)
        decision._history_user = actor
        decision.save(update_fields=["handed_over_at", "feedback_sent_at", "feedback_status"])
        audit_record(
            actor,
            "transitioned",
            locked,
            {
                "changes": {"status": {"old": old_status, "new": ContactStatus.DECIDED}},
                "outcome": outcome,
                "is_referral": decision.is_referral,
                "receiving_team": receiving_team.code if receiving_team else None,
                "via_screening": via_screening,
            },
        )
    return decision


def _linked_person_ids(contact: Contact) -> list:
    """The person-index entries of everyone named on the contact: the subjects of what is
    shared about it."""
    return list(
        ContactPerson.unscoped.filter(contact_id=contact.pk, person__isnull=False)
        .values_list("person_id", flat=True)
        .distinct()
    )


def _responded_requests(contact: Contact):
    return InformationRequest.unscoped.filter(
        enquiry__contact_id=contact.pk, status=RequestStatus.RESPONDED
    ).select_related("agency")


def _handover_record(contact, decision, actor, subjects, now) -> None:
    """Share the handover summary with the receiving team (once, here) and tell its inbox.

    The summary carries the concerns (special category) and may carry police, probation or
    youth justice information (criminal offence data); the record says so.
    """
    team = decision.receiving_team
    criminal = contact.channel == Channel.POLICE_NOTIFICATION or any(
        r.agency.code in CRIMINAL_JUSTICE_AGENCIES for r in _responded_requests(contact)
    )
    sharing_record(
        kind=DisclosureKind.HANDOVER_SUMMARY,
        shared_by=actor,
        from_agency=actor.agency,
        to_team=team,
        to_agency=team.agency if team.agency_id != actor.agency_id else None,
        contact=contact,
        subjects=subjects,
        record_type="handover summary",
        record_id=decision.pk,
        summary=f"Handover summary of {contact.reference}: {decision.get_outcome_display()}",
        special_category=True,
        criminal_offence=criminal,
    )
    decision.handed_over_at = now
    if team.email:
        # The inbox gets a pointer, never the summary itself: the team reads it signed in.
        subject = render_to_string(
            "decisions/email/handover_notice_subject.txt", {"contact": contact}
        )
        body = render_to_string(
            "decisions/email/handover_notice.txt",
            {"contact": contact, "decision": decision, "team": team},
        )
        _email_enqueue(
            kind="handover_notice",
            recipient=team.email,
            subject=subject,
            body=body,
            dedupe_key=f"handover-notice:{decision.pk}",
            actor=actor,
        )


def _outcome_to_partners_record(contact, decision, actor, subjects) -> None:
    """Each agency that answered the enquiry now sees the outcome (reference, outcome, date)
    on its Outcomes page, so it can update its own records: one disclosure per agency."""
    for request in _responded_requests(contact):
        sharing_record(
            kind=DisclosureKind.OUTCOME_TO_PARTNER,
            shared_by=actor,
            from_agency=actor.agency,
            to_agency=request.agency,
            contact=contact,
            subjects=subjects,
            record_type="decision outcome",
            record_id=decision.pk,
            summary=f"Outcome of {contact.reference}: {decision.get_outcome_display()}",
        )


def referrer_feedback_message(contact: Contact, decision: Decision) -> tuple[str, str]:
    """Subject and body of the referrer's feedback: the outcome in plain words and nothing
    the agencies said (no names either: email is not a secure channel)."""
    context = {
        "contact": contact,
        "decision": decision,
        "outcome_words": OUTCOME_PLAIN_WORDS[decision.outcome],
        "received_on": timezone.localtime(contact.received_at).date(),
    }
    subject = render_to_string("decisions/email/referrer_feedback_subject.txt", context)
    body = render_to_string("decisions/email/referrer_feedback.txt", context)
    return " ".join(subject.split()), body


#: Why the referrer's feedback was not sent, for the decider (``contact_decide``'s caller).
REFERRER_FEEDBACK_RESTRICTED = processing_restriction_refusal(
    "the outcome was not emailed to the referrer"
)


def _referrer_feedback(contact, decision, actor, subjects, now) -> None:
    email = contact.referrer_email.strip()
    if not email:
        decision.feedback_status = FeedbackStatus.NO_EMAIL
        return
    if processing_restrictions_for_people(subjects):
        # Art 18: a new disclosure outside the agencies; the decision itself stands (the
        # child's protection is an exception), the feedback is withheld and says so.
        decision.feedback_status = FeedbackStatus.RESTRICTED
        return
    subject, body = referrer_feedback_message(contact, decision)
    _email_enqueue(
        kind="referrer_feedback",
        recipient=email,
        subject=subject,
        body=body,
        dedupe_key=f"referrer-feedback:{decision.pk}",
        actor=actor,
    )
    sharing_record(
        kind=DisclosureKind.REFERRER_FEEDBACK,
        shared_by=actor,
        from_agency=actor.agency,
        to_description=email,
        contact=contact,
        subjects=subjects,
        record_type="outcome feedback",
        record_id=decision.pk,
        summary=f"Outcome of {contact.reference} in plain words: {decision.get_outcome_display()}",
    )
    decision.feedback_sent_at = now
    decision.feedback_status = FeedbackStatus.SENT


def _email_enqueue(*, kind, recipient, subject, body, dedupe_key, actor) -> None:
    """Promise the email in the decision's transaction (the task-queue outbox): it leaves only
    if the decision commits, is retried until the mail server takes it, and is sent once."""
    outbox_enqueue(
        kind=kind,
        recipient=recipient,
        subject=" ".join(subject.split()),
        body=body,
        dedupe_key=dedupe_key,
        actor=actor,
    )
