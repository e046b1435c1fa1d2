"""Reads of analyses and decisions, scoped per user: the scope rules, the contact as the
analysis and decision pages show it, the handover summary, the queues "awaiting decision" and
"decided today", and a partner agency's outcomes.

Selectors that fetch one contact for display write the access log (one entry per person on it).
"""

from datetime import datetime, time, timedelta

from django.db.models import (
    BooleanField,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.http import Http404
from django.utils import timezone

from openmash.accounts.scopes import can_read_contacts, is_csc_staff, is_partner_responder
from openmash.audit.services import access_record, access_record_for_people
from openmash.contacts.models import Contact, ContactPerson, ContactStatus
from openmash.contacts.selectors import QUEUE_ROW_FIELDS, contact_episode
from openmash.core.scoping import scope_rule
from openmash.enquiries.models import EnquiryStatus, InformationRequest, MashEnquiry

from .handover import CaseSummary, handover_summary_build
from .models import Analysis, Decision, FeedbackStatus


@scope_rule("decisions.Analysis")
def _analysis_scope(qs, user):
    return qs if can_read_contacts(user) else qs.none()


@scope_rule("decisions.Decision")
def _decision_scope(qs, user):
    if can_read_contacts(user):
        return qs
    if is_partner_responder(user):
        # Contributing agencies see the outcome of enquiries they answered.
        return qs.filter(
            contact__enquiry__requests__agency_id=user.agency_id,
            contact__enquiry__requests__status="responded",
        )
    return qs.none()


# --- one contact ------------------------------------------------------------------------------


def _contact_or_404(user, contact_id) -> Contact:
    """The contact if ``user`` may read it, else 404. A contact about a restricted person needs
    the user to be named on them or to have given a break-glass reason (raised as
    RestrictedRecordError, which the break-glass middleware turns into the reason form); the
    reason is kept on ``contact.break_glass_reason`` for the access log."""
    from openmash.governance.selectors import restricted_access_reason

    contact = Contact.objects.for_user(user).filter(pk=contact_id).first()
    if contact is None:
        raise Http404("No contact found")
    people = [
        cp.person
        for cp in ContactPerson.objects.for_user(user)
        .filter(contact_id=contact.pk, person__isnull=False)
        .select_related("person")
    ]
    contact.break_glass_reason = restricted_access_reason(user, people)
    return contact


def case_summary_get_for_user(user, contact_id, *, channel: str) -> CaseSummary:
    """The contact with its people, concerns, each agency's response the user may read, and
    its analysis and decision, for the analysis and decision pages. Logs the access."""
    contact = _contact_or_404(user, contact_id)
    people = list(
        ContactPerson.objects.for_user(user)
        .filter(contact=contact)
        .order_by("role", "surname", "forename")
    )
    enquiry = MashEnquiry.objects.for_user(user).filter(contact=contact).first()
    requests = []
    if enquiry is not None:
        requests = list(
            InformationRequest.objects.for_user(user)
            .filter(enquiry=enquiry)
            .select_related("agency", "responded_by")
            .order_by("agency__name")
        )
    summary = CaseSummary(
        contact=contact,
        decision=Decision.objects.for_user(user)
        .select_related("decided_by", "receiving_team")
        .filter(contact=contact)
        .first(),
        analysis=Analysis.objects.for_user(user)
        .select_related("analysed_by")
        .filter(contact=contact)
        .first(),
        enquiry=enquiry,
        children=[p for p in people if p.role == "subject_child"],
        adults=[p for p in people if p.role != "subject_child"],
        concerns=list(contact.concerns.order_by("category")),
        requests=requests,
        generated_at=timezone.now(),
    )
    access_record_for_people(
        user, contact, channel, summary.person_ids, reason=contact.break_glass_reason
    )
    return summary


def handover_summary_get_for_user(user, contact_id, *, channel: str, verb: str = "viewed"):
    """The handover summary of a decided contact, for children's social care MASH staff and
    members of the team it was handed to. Anyone else — or a contact not handed over — gets
    "not found". Logs the access (viewing is not a new disclosure: the handover was recorded
    once, by the decision)."""
    contact = _contact_or_404(user, contact_id)
    decision = Decision.objects.for_user(user).filter(contact=contact).first()
    if decision is None or decision.receiving_team_id is None:
        raise Http404("This contact has not been handed over")
    in_receiving_team = user.team_id is not None and user.team_id == decision.receiving_team_id
    if not (is_csc_staff(user) or in_receiving_team):
        raise Http404("No handover summary found")
    summary = handover_summary_build(contact)
    for person_id in dict.fromkeys(summary.person_ids or [None]):
        access_record(
            user,
            contact,
            channel,
            person_id=person_id,
            verb=verb,
            reason=contact.break_glass_reason,
        )
    return summary


# --- the contact page -------------------------------------------------------------------------


def decision_panel_for_user(user, contact: Contact, episode=None) -> dict:
    """Analysis, decision and the actions open to ``user`` for the contact page's panel.
    ``episode`` (``contacts.selectors.contact_episode``) if the page has read it already."""
    episode = episode or contact_episode(user, contact)
    analysis, decision, enquiry = episode.analysis, episode.decision, episode.enquiry
    enquiry_ready = (
        contact.status == ContactStatus.ENQUIRY
        and enquiry is not None
        and enquiry.status == EnquiryStatus.READY
    )
    return {
        "contact": contact,
        "analysis": analysis,
        "decision": decision,
        "can_analyse": enquiry_ready and user.can("enquiry.analyse"),
        "can_decide": contact.status == ContactStatus.ANALYSED and user.can("contact.decide"),
        "can_read_summary": bool(
            decision
            and decision.receiving_team_id
            and (is_csc_staff(user) or user.team_id == decision.receiving_team_id)
        ),
    }


def decision_events(decision: Decision) -> list[tuple[datetime, str, str]]:
    """What a decision caused, as (when, title, detail) for the contact's timeline: the
    handover to the receiving team and the referrer's feedback (or why there was none)."""
    events = []
    if decision.handed_over_at and decision.receiving_team_id:
        events.append(
            (
                decision.handed_over_at,
                "Handover summary shared",
                f"With {decision.receiving_team.name}",
            )
        )
    if decision.feedback_status == FeedbackStatus.SENT and decision.feedback_sent_at:
        events.append(
            (decision.feedback_sent_at, "Feedback emailed to the referrer", "The outcome only")
        )
    elif decision.feedback_status == FeedbackStatus.NO_EMAIL:
        events.append(
            (decision.decided_at, "No feedback sent to the referrer", "No email address given")
        )
    return events


# --- queues -----------------------------------------------------------------------------------
# Scoped querysets; sorting, filtering, markers and paging are openmash.core.queues'.


def _queue_base(user) -> QuerySet:
    """Contacts the user may read, with the fields every queue row shows; each queue adds what
    its own rows show (the children: ``contacts.selectors.subject_children_attach``)."""
    return Contact.objects.for_user(user).only(*QUEUE_ROW_FIELDS)


def awaiting_decision_queue(user) -> QuerySet:
    """Contacts analysed by the MASH social worker, waiting for the practice manager, with the
    analysis's ``recommendation`` and who made it (``analysed_by_first``/``_last``).

    Subqueries rather than ``select_related``: PostgreSQL runs them only for the 25 rows on the
    page, where the joins it replaces were made for every analysed contact before sorting (300
    at a large authority, bench/pathway.py)."""
    analysis = Analysis.objects.for_user(user).filter(contact_id=OuterRef("pk"))
    return (
        _queue_base(user)
        .filter(status=ContactStatus.ANALYSED)
        .annotate(
            recommendation=Subquery(analysis.values("recommendation")[:1]),
            analysed_by_first=Subquery(analysis.values("analysed_by__first_name")[:1]),
            analysed_by_last=Subquery(analysis.values("analysed_by__last_name")[:1]),
        )
    )


def london_day_bounds(now: datetime | None = None) -> tuple[datetime, datetime]:
    """Start and end of today in the service's time zone (Europe/London), as aware datetimes:
    the database compares instants, so a day of 23 or 25 hours (clock change) is right."""
    local = timezone.localtime(now or timezone.now())
    tz = local.tzinfo
    start = datetime.combine(local.date(), time.min, tzinfo=tz)
    end = datetime.combine(local.date() + timedelta(days=1), time.min, tzinfo=tz)
    return start, end


def decided_today_queue(user, *, now: datetime | None = None) -> QuerySet:
    """Contacts decided today (Europe/London), each with what its row shows of the decision as
    values (``decision_outcome``, ``decision_decided_at``, ``feedback_status``,
    ``feedback_sent_at``, ``receiving_team_id`` and ``_name``, ``decided_by_first`` and
    ``_last``; all None without a decision) rather than three model objects a row, and
    ``decided_late`` (decided after its stored deadline), derived in the query rather than
    kept in sync."""
    start, end = london_day_bounds(now)
    return (
        _queue_base(user)
        .filter(status=ContactStatus.DECIDED, decided_at__gte=start, decided_at__lt=end)
        .annotate(
            decision_outcome=F("decision__outcome"),
            decision_decided_at=F("decision__decided_at"),
            feedback_status=F("decision__feedback_status"),
            feedback_sent_at=F("decision__feedback_sent_at"),
            receiving_team_id=F("decision__receiving_team_id"),
            receiving_team_name=F("decision__receiving_team__name"),
            decided_by_first=F("decision__decided_by__first_name"),
            decided_by_last=F("decision__decided_by__last_name"),
            decided_late=ExpressionWrapper(
                Q(decided_at__gt=F("decision_due_at")), output_field=BooleanField()
            ),
        )
    )


def decided_today_count(user, *, now: datetime | None = None) -> int:
    """How many contacts ``decided_today_queue(user)`` holds, without its joins to the
    decision, team and staff (the paginator's own ``COUNT`` keeps them, and building them cost
    more than counting)."""
    start, end = london_day_bounds(now)
    return (
        Contact.objects.for_user(user)
        .filter(status=ContactStatus.DECIDED, decided_at__gte=start, decided_at__lt=end)
        .count()
    )


# --- partner agencies -------------------------------------------------------------------------


#: The periods a partner may look back over on the outcomes page, in days; the first is the
#: default. Bounded so the page reads an index range, not every decision the agency ever
#: contributed to (a large authority's police answer ~16,000 enquiries a year).
OUTCOME_PERIODS = {30: "30 days", 90: "90 days", 365: "12 months"}


def partner_outcomes(user, *, days: int = 30, now=None) -> QuerySet:
    """Outcomes of the enquiries the user's agency answered, decided in the last ``days``:
    reference, outcome and date only (no narrative, no names), newest first."""
    if days not in OUTCOME_PERIODS:
        raise ValueError(f"Outcomes can be shown for {sorted(OUTCOME_PERIODS)} days only.")
    since = (now or timezone.now()) - timedelta(days=days)
    return (
        Decision.objects.for_user(user)
        .filter(decided_at__gte=since)
        .select_related("contact")
        .only("id", "outcome", "decided_at", "contact__id", "contact__reference")
        .order_by("-decided_at")
    )


def _register_work_queues() -> None:
    from openmash.accounts.roles import Capability
    from openmash.core.work import WorkQueue, register

    register(
        WorkQueue(
            "Awaiting decision",
            "decisions:awaiting",
            lambda user: user.can(Capability.CONTACT_DECIDE),
            lambda user: Contact.objects.for_user(user).filter(status=ContactStatus.ANALYSED),
            "decision_due_at",
            "Analysed contacts waiting for the practice manager's decision",
        )
    )
    register(
        WorkQueue(
            "Decided today",
            "decisions:today",
            lambda user: user.can(Capability.CONTACT_DECIDE),
            lambda user: decided_today_queue(user),
            "",
            "Decisions made today, with handovers and feedback",
        )
    )


_register_work_queues()
