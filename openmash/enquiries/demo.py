"""Demo MASH enquiries: opened by the demo practice manager on some of the contacts app's demo
contacts and answered by the demo police, health and education practitioners, through the
same services staff use. Runs after the contacts loader; idempotent (skips if any enquiry
exists). All people are synthetic.

The services stamp the real clock. To show a realistic morning — some requests overdue, some
due soon, one enquiry ready for analysis — each enquiry's times are then moved back to when it
would have been opened, and its due times recomputed from the working calendar for that time.
"""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from openmash.accounts.models import Agency, User
from openmash.contacts.codes import ConsentStatus, Rag, ThresholdLevel
from openmash.contacts.models import Contact, ContactStatus
from openmash.timescales.calendar import red_information_request_due
from openmash.timescales.services import current_calendar, information_request_due

from .models import InformationRequest, MashEnquiry, ResponseOutcome
from .services import enquiry_mark_ready, enquiry_open, information_request_respond

AGENCY_CODES = ("POLICE", "HEALTH", "EDUCATION")

QUESTIONS = {
    "POLICE": "Please check police systems for the children and adults named: domestic abuse "
    "call-outs, arrests, bail conditions, intelligence and any risk to children.",
    "HEALTH": "Please check GP, health visiting, midwifery and acute trust records for the "
    "children and adults named: attendances, missed appointments, mental health, substance use.",
    "EDUCATION": "Please check attendance, exclusions and any safeguarding concerns held by the "
    "school or setting for the children named.",
}

RESPONSES = {
    "POLICE": {
        "outcome": ResponseOutcome.KNOWN,
        "summary": "Two domestic incidents at the address in the last 12 months; the second "
        "led to an arrest for common assault, no further action. Children present at both.",
        "risk_factors": "Repeat domestic abuse with children present; alcohol mentioned at "
        "both incidents.",
        "protective_factors": "Mother engaged with the domestic abuse officer after the second "
        "incident.",
        "systems_searched": "Police national computer, police national database, local "
        "records and intelligence system",
        "proportionality_note": "Shared to assess risk of significant harm to the children "
        "named; older unrelated records were not shared.",
    },
    "HEALTH": {
        "outcome": ResponseOutcome.KNOWN,
        "summary": "Registered with the GP. The younger child missed two health visitor "
        "appointments this year. Mother is on medication for low mood.",
        "risk_factors": "Missed developmental review.",
        "protective_factors": "Immunisations up to date; mother attends her own GP reviews.",
        "systems_searched": "GP record, health visiting record, acute trust record",
        "proportionality_note": "Only information relevant to the children's welfare shared.",
    },
    "EDUCATION": {
        "outcome": ResponseOutcome.NOT_KNOWN,
        "summary": "",
        "risk_factors": "",
        "protective_factors": "",
        "systems_searched": "Attendance and exclusions records",
        "proportionality_note": "",
    },
}

#: (who answers, how long ago it was opened or "due_soon") per demo enquiry, oldest first.
SCENARIOS = [
    {"answered_by": AGENCY_CODES, "opened": "oldest"},  # all answered: awaiting analysis
    {"answered_by": ("POLICE", "HEALTH"), "opened": "oldest"},  # education overdue
    {"answered_by": ("POLICE",), "opened": "oldest"},  # health and education overdue
    {"answered_by": ("HEALTH",), "opened": "due_soon"},
    {"answered_by": (), "opened": "due_soon"},
    {"answered_by": (), "opened": "now"},
]


def _eligible_contacts() -> list[Contact]:
    """Recorded demo contacts whose consent position allows an enquiry, oldest first."""
    contacts = Contact.unscoped.filter(status=ContactStatus.RECORDED).order_by("received_at")
    return [
        c for c in contacts if c.consent_status == ConsentStatus.GIVEN or c.consent_reason.strip()
    ]


def _plan(contacts: list[Contact], now) -> list[tuple[dict, Contact, object]]:
    """Pair each scenario with a contact and the time its enquiry was opened: the oldest
    contacts for the overdue ones; for "due soon", a contact received before the opening
    time that makes its deadline fall in the next hour. Never before a contact's receipt."""
    calendar = current_calendar()
    remaining = list(contacts)  # oldest first
    plan = []
    for scenario in SCENARIOS:
        if not remaining:
            break
        if scenario["opened"] == "oldest":
            contact = remaining[0]
            wanted = calendar.next_working_instant(contact.received_at + timedelta(minutes=20))
        elif scenario["opened"] == "due_soon":
            wanted = _due_soon_start(now)
            earlier = [c for c in remaining if c.received_at <= wanted]
            contact = earlier[-1] if earlier else remaining[-1]
        else:
            contact, wanted = remaining[-1], now
        remaining.remove(contact)
        opened_at = min(max(wanted, contact.received_at), now)
        plan.append((scenario, contact, opened_at))
    return plan


def _due_soon_start(now):
    """A request time (within the last few days) whose Red deadline falls in the next hour,
    if the working calendar allows one; otherwise now."""
    calendar = current_calendar()
    for quarter_hours in range(0, 4 * 24 * 4):
        candidate = now - timedelta(minutes=15 * quarter_hours)
        due = red_information_request_due(calendar, candidate)
        if now + timedelta(minutes=15) <= due <= now + timedelta(minutes=60):
            return candidate
        if due < now:
            break
    return now


def _backdate(enquiry: MashEnquiry, opened_at) -> None:
    """Move an enquiry opened just now back to ``opened_at``, keeping its stored due times
    consistent with the working calendar (demo only; see the module docstring)."""
    contact = enquiry.contact
    due_at = information_request_due(contact.rag, opened_at, contact.decision_due_at)
    MashEnquiry.unscoped.filter(pk=enquiry.pk).update(opened_at=opened_at, responses_due_at=due_at)
    InformationRequest.unscoped.filter(enquiry=enquiry).update(
        requested_at=opened_at, due_at=due_at
    )


def _respond(enquiry: MashEnquiry, codes, users) -> None:
    """Answer the requests of ``codes`` with the demo responses, each within its deadline."""
    requests = InformationRequest.unscoped.filter(enquiry=enquiry).select_related("agency")
    by_code = {r.agency.code: r for r in requests}
    calendar = current_calendar()
    now = timezone.now()
    for minutes, code in enumerate(codes, start=1):
        request = by_code[code]
        information_request_respond(
            request, actor=users[code], expected_version=request.version, **RESPONSES[code]
        )
        # Each agency answers within its deadline, in working time, one after another.
        worked = calendar.add_working_minutes(request.requested_at, 50 * minutes)
        answered = max(min(request.due_at, worked, now), request.requested_at)
        InformationRequest.unscoped.filter(pk=request.pk).update(responded_at=answered)
    enquiry.refresh_from_db()
    if enquiry.ready_at and enquiry.ready_at > enquiry.opened_at:
        last = max(r.responded_at for r in InformationRequest.unscoped.filter(enquiry=enquiry))
        MashEnquiry.unscoped.filter(pk=enquiry.pk).update(ready_at=last)


def load_demo_enquiries() -> str | None:
    if MashEnquiry.unscoped.exists():
        return "MASH enquiries: already present"
    usernames = {"pm": "pm", "POLICE": "police", "HEALTH": "health", "EDUCATION": "education"}
    users = {k: User.objects.filter(username=v).first() for k, v in usernames.items()}
    if any(u is None for u in users.values()):
        return "MASH enquiries: skipped (demo staff missing)"
    agencies = {a.code: a for a in Agency.objects.filter(code__in=AGENCY_CODES)}
    contacts = _eligible_contacts()
    if not contacts:
        return "MASH enquiries: skipped (no recorded demo contacts to open enquiries on)"
    now = timezone.now()
    pm = users["pm"]
    opened = 0
    with transaction.atomic():
        for scenario, contact, opened_at in _plan(contacts, now):
            screening = {
                "rag": Rag.RED,
                "threshold_level": ThresholdLevel.CIN_CP,
                "screening_rationale": "Red: repeat concerns; information needed from police, "
                "health and education before a decision.",
                "screened_at": opened_at,
                "screened_by": pm,
            }
            enquiry = enquiry_open(
                contact,
                actor=pm,
                agency_ids=[agencies[c].pk for c in AGENCY_CODES],
                questions={agencies[c].pk: QUESTIONS[c] for c in AGENCY_CODES},
                expected_version=contact.version,
                screening={} if contact.rag else screening,
            )
            if opened_at < enquiry.opened_at:
                _backdate(enquiry, opened_at)
            enquiry.refresh_from_db()
            _respond(enquiry, scenario["answered_by"], users)
            opened += 1
        # Show the practice manager's "go ahead" on one enquiry with a late agency.
        late = (
            MashEnquiry.unscoped.filter(status="open", responses_due_at__lt=now)
            .order_by("opened_at")
            .first()
        )
        if late is not None and opened > 3:
            enquiry_mark_ready(
                late,
                pm,
                "Education chased twice; the school is closed today. Going ahead with police "
                "and health information so the decision is not delayed.",
                expected_version=late.version,
            )
    return f"MASH enquiries: {opened} opened on demo contacts, with police and health responses"
