"""Synthetic demo analyses and decisions, so the last steps of the front door have work in them
the moment ``make run`` starts. Runs after the contacts and enquiries loaders (app order), and
goes through the real services, so every decision has its handover summary, partner outcomes,
referrer feedback (to the demo outbox) and Record of Sharing entries like a real one:

* the MASH social worker (``sw``) analyses every enquiry whose responses are in — the first
  recommended for a strategy discussion, the others for assessment or early help;
* the practice manager (``pm``) decides the first: strategy discussion (s47) to the
  Assessment team; the others stay in "Awaiting decision";
* the practice manager screens a handful of recorded contacts straight to a decision (no
  further action, signpost, early help, assessment, already open); up to two received on
  earlier days are dated back to then, so "Decided today" has something to leave out.

Idempotent: nothing is created if any analysis already exists. Text is synthetic.
"""

from datetime import timedelta

from django.db import transaction

from openmash.accounts.models import Team, User
from openmash.contacts.codes import Rag, Route, ThresholdLevel
from openmash.contacts.models import Contact, ContactStatus
from openmash.enquiries.models import EnquiryStatus, MashEnquiry, RequestStatus
from openmash.governance.models import SharingRecord

from .codes import Outcome
from .models import Analysis, Decision
from .selectors import london_day_bounds
from .services import analysis_record, contact_decide

ANALYSES = [
    (
        Outcome.STRATEGY_S47,
        "Police hold two recent domestic abuse call-outs at the address with the children "
        "present; health report missed immunisations and a disclosure by the mother to the "
        "health visitor. Taken together with the referral, there is reasonable cause to "
        "suspect the children are suffering, or likely to suffer, significant harm.",
        "The pattern is escalating and the children were present during the latest incident.",
    ),
    (
        Outcome.ASSESSMENT_S17,
        "Agencies know the family; no recent incidents are recorded by police. School "
        "attendance has dropped this term and health have concerns about the mother's low "
        "mood. Needs are complex and unmet, but there is no indication of significant harm.",
        "A child and family assessment will establish what support the family need.",
    ),
    (
        Outcome.EARLY_HELP_3,
        "Known to health and education only, with protective factors: an engaged "
        "grandparent and regular school attendance. Needs can be met with targeted support.",
        "Targeted early help with the family's consent.",
    ),
]

SCREENING_DECISIONS = [
    (Route.NFA, Rag.GREEN, ThresholdLevel.UNIVERSAL, None),
    (Route.SIGNPOST, Rag.GREEN, ThresholdLevel.UNIVERSAL, None),
    (Route.EARLY_HELP, Rag.AMBER, ThresholdLevel.EARLY_HELP_3, "EARLY_HELP"),
    (Route.ASSESSMENT, Rag.AMBER, ThresholdLevel.CIN_CP, "ASSESSMENT"),
    (Route.ALREADY_OPEN, Rag.AMBER, ThresholdLevel.CIN_CP, "AREA_SOUTH"),
]
SCREENING_RATIONALE = {
    Route.NFA: "Worry already resolved by the school; no role for children's services.",
    Route.SIGNPOST: "Parenting advice needed; signposted to the family hub and health visitor.",
    Route.EARLY_HELP: "Multiple needs below the child in need threshold; the family agree to "
    "targeted early help.",
    Route.ASSESSMENT: "Needs are complex and unmet; a child and family assessment is needed.",
    Route.ALREADY_OPEN: "Child already open to the Area team (South); passed to the allocated "
    "worker.",
}
#: How many screening decisions are taken from contacts received on earlier days and dated back.
DECIDED_EARLIER = 2


def load_demo_decisions() -> str | None:
    if Analysis.unscoped.exists():
        return "Analyses and decisions: already present"
    users = {u.username: u for u in User.objects.filter(username__in=("sw", "pm"))}
    if len(users) < 2:
        return "Analyses and decisions: skipped (demo staff missing)"
    sw, pm = users["sw"], users["pm"]
    teams = {t.code: t for t in Team.objects.all()}
    with transaction.atomic():
        _go_ahead_with_late_responses(pm)
        ready = list(
            MashEnquiry.unscoped.filter(status=EnquiryStatus.READY)
            .select_related("contact")
            .order_by("opened_at")
        )
        if not ready:
            return "Analyses and decisions: skipped (no MASH enquiry is ready for analysis)"
        for enquiry, (recommendation, text, why) in zip(ready, ANALYSES * 3, strict=False):
            contact = enquiry.contact
            analysis_record(
                contact,
                actor=sw,
                expected_version=contact.version,
                analysis=text,
                recommendation=recommendation,
                recommendation_rationale=why,
            )
        first = Contact.unscoped.get(pk=ready[0].contact_id)
        contact_decide(
            first,
            actor=pm,
            outcome=Outcome.STRATEGY_S47,
            rationale="Agree with the MASH social worker: threshold for a strategy discussion "
            "is met. Strategy discussion with police and health today.",
            receiving_team=teams["ASSESSMENT"],
            expected_version=first.version,
        )
        screened = _screening_decisions(pm, teams)
        earlier = _date_back_to_receipt(screened[:DECIDED_EARLIER])
    return (
        f"Analyses and decisions: {len(ready)} analysed, 1 strategy discussion decided, "
        f"{len(screened)} decided at screening ({earlier} of them on earlier days), "
        "with handover summaries and referrer feedback"
    )


def _go_ahead_with_late_responses(pm) -> None:
    """If fewer than two enquiries are ready, the practice manager goes ahead on open ones
    that have at least one response, so there is analysis and decision work to show."""
    from openmash.enquiries.services import enquiry_mark_ready

    missing = 2 - MashEnquiry.unscoped.filter(status=EnquiryStatus.READY).count()
    if missing <= 0:
        return
    candidates = (
        MashEnquiry.unscoped.filter(
            status=EnquiryStatus.OPEN, requests__status=RequestStatus.RESPONDED
        )
        .distinct()
        .order_by("opened_at")[:missing]
    )
    for enquiry in candidates:
        enquiry_mark_ready(
            enquiry,
            pm,
            "Outstanding agency chased; going ahead with the responses received so the "
            "decision is not delayed.",
            expected_version=enquiry.version,
        )


def _screening_decisions(pm, teams) -> list[Decision]:
    """Screen recorded contacts straight to a decision through the contacts service."""
    from openmash.contacts.services import contact_screen

    start_of_today, _ = london_day_bounds()
    recorded = Contact.unscoped.filter(status=ContactStatus.RECORDED, immediate_risk=False)
    # Received on earlier days first (these are the ones dated back), then today's.
    earlier = list(
        recorded.filter(received_at__lt=start_of_today - timedelta(hours=2)).order_by(
            "-received_at", "pk"
        )[:DECIDED_EARLIER]
    )
    later = recorded.exclude(pk__in=[c.pk for c in earlier]).order_by("created_at", "pk")
    contacts = [*earlier, *later[: len(SCREENING_DECISIONS) - len(earlier)]]
    decisions = []
    for contact, (route, rag, threshold, team) in zip(contacts, SCREENING_DECISIONS, strict=False):
        decisions.append(
            contact_screen(
                contact,
                actor=pm,
                expected_version=contact.version,
                rag=rag,
                threshold_level=threshold,
                route=route,
                rationale=SCREENING_RATIONALE[route],
                receiving_team=teams[team] if team else None,
            )
        )
    return decisions


def _date_back_to_receipt(decisions: list[Decision]) -> int:
    """Demo only: date decisions on contacts received on earlier days an hour after receipt,
    as if made then, with their handover, feedback and sharing records."""
    start_of_today, _ = london_day_bounds()
    moved = 0
    for decision in decisions:
        contact = Contact.unscoped.get(pk=decision.contact_id)
        if contact.received_at >= start_of_today - timedelta(hours=2):
            continue
        when = min(contact.received_at + timedelta(hours=1), start_of_today - timedelta(hours=1))
        Contact.unscoped.filter(pk=contact.pk).update(decided_at=when)
        Decision.unscoped.filter(pk=decision.pk).update(
            decided_at=when,
            handed_over_at=when if decision.handed_over_at else None,
            feedback_sent_at=when if decision.feedback_sent_at else None,
        )
        SharingRecord.objects.filter(record_id=str(decision.pk)).update(shared_at=when)
        moved += 1
    return moved
