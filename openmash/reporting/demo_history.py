"""Twelve weeks of synthetic decided contacts, so the demo's timeliness dashboard has a history
to show (the other loaders only create today's work).

About 250 contacts received on working days over the last 12 weeks, all decided: about 85%
by their deadline (1 working day from receipt), the rest late. About 30% went to a MASH
enquiry with police, health and education requests, answered mostly in time — police best,
education worst; Red requests are due within 4 working hours. Rows are created in bulk
through the unscoped managers (no services, no audit or sharing side effects) because this is
history, not work anyone did in the demo. Faker (en_GB) with a fixed seed; never real people.

Runs last (reporting is the last app), touches none of the other loaders' records, and is
idempotent: nothing is created when any ``demo-history-`` contact exists. References use
their own prefix (``H26-000001``) so they never collide with ``next_reference`` (``C…``).
"""

import random
from datetime import datetime, time, timedelta

from django.db import transaction
from django.utils import timezone
from faker import Faker

from openmash.contacts.codes import Channel, ConsentStatus, Rag, Route, ThresholdLevel
from openmash.contacts.demo import NARRATIVES, PROFESSIONAL_REFERRERS, _family, _referrer
from openmash.contacts.models import Contact, ContactConcern, ContactPerson, ContactStatus
from openmash.timescales.calendar import LONDON
from openmash.timescales.services import contact_decision_due, information_request_due

from .selectors import week_starts

KEY_PREFIX = "demo-history-"
SEED = 20260312
COUNT = 250
#: Aimed at when deciding; late agency answers push a few more past the deadline (≈85% overall).
IN_TIME_SHARE = 0.9
ENQUIRY_SHARE = 0.30
#: Agency code -> share of its requests answered by the deadline.
AGENCY_IN_TIME = {"POLICE": 0.93, "HEALTH": 0.82, "EDUCATION": 0.68}
AGENCY_USERS = {"POLICE": "police", "HEALTH": "health", "EDUCATION": "education"}

CHANNELS = [Channel.PHONE, Channel.SECURE_EMAIL, Channel.POLICE_NOTIFICATION, Channel.PHONE]

#: Screening straight to a decision: (route, rag, threshold, outcome, team code or None).
SCREENED = [
    (Route.NFA, Rag.GREEN, ThresholdLevel.UNIVERSAL, "nfa", None),
    (Route.SIGNPOST, Rag.GREEN, ThresholdLevel.UNIVERSAL, "signpost", None),
    (Route.EARLY_HELP, Rag.GREEN, ThresholdLevel.EARLY_HELP_2, "early_help_2", "EARLY_HELP"),
    (Route.EARLY_HELP, Rag.AMBER, ThresholdLevel.EARLY_HELP_3, "early_help_3", "EARLY_HELP"),
    (Route.ASSESSMENT, Rag.AMBER, ThresholdLevel.CIN_CP, "assessment_s17", "ASSESSMENT"),
    (Route.ALREADY_OPEN, Rag.AMBER, ThresholdLevel.CIN_CP, "open_case", "AREA_SOUTH"),
]
#: After a MASH enquiry: (outcome, team code or None).
ENQUIRY_OUTCOMES = [
    ("strategy_s47", "ASSESSMENT"),
    ("assessment_s17", "ASSESSMENT"),
    ("assessment_s17", "ASSESSMENT"),
    ("early_help_3", "EARLY_HELP"),
    ("nfa", None),
]
RATIONALE = {
    "nfa": "Worry resolved by the referrer; no role for children's services.",
    "signpost": "Needs can be met by universal services; the family were signposted.",
    "early_help_2": "Emerging needs; the family agree to early help.",
    "early_help_3": "Multiple needs below the child in need threshold; targeted early help.",
    "assessment_s17": "Needs are complex and unmet; a child and family assessment is needed.",
    "strategy_s47": "Reasonable cause to suspect significant harm; strategy discussion today.",
    "open_case": "Child already open to the Area team; passed to the allocated worker.",
}
QUESTION = "Please check your records for the child, the parents and the household members."
SUMMARIES = {
    "known": "Known to the agency; details of recent involvement recorded in the response.",
    "not_known": "No records found for the child or the adults named.",
}


def load_demo_history() -> str | None:
    """Create about 250 decided contacts over the last 12 weeks (skipped if already there)."""
    from openmash.accounts.models import Agency, Team, User

    if Contact.unscoped.filter(idempotency_key__startswith=KEY_PREFIX).exists():
        return "Demo history: already present."
    users = {
        u.username: u
        for u in User.objects.filter(
            username__in=["rio", "pm", "sw", "police", "health", "education"]
        )
    }
    if not {"rio", "pm", "sw"} <= users.keys():
        return "Demo history: skipped (demo staff missing)."
    agencies = {a.code: a for a in Agency.objects.filter(code__in=AGENCY_IN_TIME)}
    teams = {t.code: t for t in Team.objects.all()}
    if (
        len(agencies) < len(AGENCY_IN_TIME)
        or not {"ASSESSMENT", "EARLY_HELP", "AREA_SOUTH"} <= teams.keys()
    ):
        return "Demo history: skipped (reference data missing)."
    builder = _Builder(users, agencies, teams, timezone.now())
    with transaction.atomic():
        builder.build()
        builder.save()
    return (
        f"Demo history: {COUNT} decided contacts over 12 weeks "
        f"({builder.enquiries} with a MASH enquiry) for the timeliness dashboard."
    )


class _Builder:
    """Collects the rows in memory, then writes each model with one ``bulk_create``."""

    def __init__(self, users, agencies, teams, now):
        from openmash.decisions.models import Decision, FeedbackStatus
        from openmash.enquiries.models import InformationRequest, MashEnquiry

        self.Decision, self.FeedbackStatus = Decision, FeedbackStatus
        self.MashEnquiry, self.InformationRequest = MashEnquiry, InformationRequest
        self.users, self.agencies, self.teams, self.now = users, agencies, teams, now
        self.fake = Faker("en_GB")
        self.fake.seed_instance(SEED)
        self.rng = random.Random(SEED)
        self.rows = {
            name: []
            for name in ("contacts", "people", "concerns", "enquiries", "requests", "decisions")
        }
        self.enquiries = 0

    def build(self) -> None:
        days = self._working_days()
        receipts = sorted(self._received_at(self.rng.choice(days)) for _ in range(COUNT))
        for number, received_at in enumerate(receipts, start=1):
            self._contact(number, received_at)

    def save(self) -> None:
        for model, key in (
            (Contact, "contacts"),
            (ContactPerson, "people"),
            (ContactConcern, "concerns"),
            (self.MashEnquiry, "enquiries"),
            (self.InformationRequest, "requests"),
            (self.Decision, "decisions"),
        ):
            # The unscoped managers where the model has one (case data), else the default.
            manager = getattr(model, "unscoped", model._default_manager)
            manager.bulk_create(self.rows[key], batch_size=500)

    def _working_days(self):
        """Weekdays from the first Monday of the dashboard's 12 weeks up to yesterday."""
        start = week_starts(self.now)[0]
        today = timezone.localtime(self.now, LONDON).date()
        days = [start + timedelta(days=n) for n in range((today - start).days)]
        return [d for d in days if d.weekday() < 5] or [today - timedelta(days=1)]

    def _received_at(self, day) -> datetime:
        minutes = self.rng.randint(8 * 60 + 30, 17 * 60 + 30)
        return datetime.combine(day, time(minutes // 60, minutes % 60), tzinfo=LONDON)

    def _contact(self, number, received_at) -> None:
        rng = self.rng
        due = contact_decision_due(received_at)
        enquiry = rng.random() < ENQUIRY_SHARE
        if enquiry:
            outcome, team = rng.choice(ENQUIRY_OUTCOMES)
            route, threshold = Route.MASH_ENQUIRY, ThresholdLevel.CIN_CP
            rag = Rag.RED if rng.random() < 0.4 else Rag.AMBER
        else:
            route, rag, threshold, outcome, team = rng.choice(SCREENED)
        screened_at = received_at + timedelta(minutes=rng.randint(15, 90))
        concerns = rng.sample(sorted(NARRATIVES), k=rng.choice((1, 1, 2)))
        _, role, organisation = rng.choice(PROFESSIONAL_REFERRERS)
        referrer = _referrer(self.fake, role, organisation)
        contact = Contact(
            reference=f"H{received_at.year % 100:02d}-{number:06d}",
            status=ContactStatus.DECIDED,
            channel=rng.choice(CHANNELS),
            received_at=received_at,
            clock_started_at=received_at,
            decision_due_at=due,
            referrer_name=referrer.name,
            referrer_role=referrer.role,
            referrer_organisation=referrer.organisation,
            referrer_email=referrer.email,
            referrer_phone=referrer.phone,
            referrer_relationship=referrer.relationship,
            source=_source(role),
            narrative=" ".join(NARRATIVES[c] for c in concerns),
            consent_status=ConsentStatus.GIVEN,
            recorded_at=received_at + timedelta(minutes=rng.randint(2, 14)),
            recorded_by=self.users["rio"],
            screened_at=screened_at,
            screened_by=self.users["pm"],
            rag=rag,
            threshold_level=threshold,
            route=route,
            screening_rationale="Screened against the Medway threshold guidance.",
            idempotency_key=f"{KEY_PREFIX}{number:03d}",
        )
        earliest = screened_at
        if enquiry:
            earliest = self._enquiry(contact, screened_at, due)
        contact.decided_at = self._decided_at(earliest, due)
        self.rows["contacts"].append(contact)
        self.rows["concerns"].extend(ContactConcern(contact=contact, category=c) for c in concerns)
        for person in _family(self.fake, rng):
            self.rows["people"].append(
                ContactPerson(
                    contact=contact,
                    role=person.role,
                    forename=person.forename,
                    surname=person.surname,
                    date_of_birth=person.date_of_birth,
                    sex=person.sex,
                    address=person.address,
                    postcode=person.postcode,
                    relationship_to_child=person.relationship_to_child,
                )
            )
        at = contact.decided_at
        self.rows["decisions"].append(
            self.Decision(
                contact=contact,
                outcome=outcome,
                rationale=RATIONALE[outcome],
                receiving_team=self.teams[team] if team else None,
                is_referral=outcome in ("assessment_s17", "strategy_s47"),
                decided_at=at,
                decided_by=self.users["pm"],
                handed_over_at=at if team else None,
                feedback_sent_at=at,
                feedback_status=self.FeedbackStatus.SENT,
            )
        )

    def _decided_at(self, earliest, due) -> datetime:
        """In time (≈85%): between the earliest possible moment and the deadline. Late: one
        to 26 hours after it. Never in the future."""
        rng = self.rng
        if rng.random() < IN_TIME_SHARE and earliest < due:
            moment = earliest + (due - earliest) * rng.uniform(0.1, 0.95)
        else:
            moment = max(earliest, due) + timedelta(minutes=rng.randint(60, 26 * 60))
        return min(moment, self.now - timedelta(minutes=5))

    def _enquiry(self, contact, opened_at, decision_due) -> datetime:
        """A MASH enquiry with police, health and education requests, all answered; returns
        when the last answer came in (the decision follows it)."""
        rng = self.rng
        self.enquiries += 1
        responses = []
        enquiry = self.MashEnquiry(
            contact=contact,
            status="analysed",
            opened_at=opened_at,
            opened_by=self.users["pm"],
            responses_due_at=opened_at,
            ready_by=self.users["sw"],
            immediate_risk=contact.immediate_risk,
        )
        for code, in_time in AGENCY_IN_TIME.items():
            due = information_request_due(contact.rag, opened_at, decision_due)
            if rng.random() < in_time:
                # Amber answers come in early enough to leave time for the decision.
                share = rng.uniform(0.1, 0.9 if contact.rag == Rag.RED else 0.5)
                responded = opened_at + (due - opened_at) * share
            else:
                responded = due + timedelta(minutes=rng.randint(20, 8 * 60))
            responded = min(responded, self.now - timedelta(minutes=30))
            outcome = rng.choice(("known", "known", "not_known"))
            enquiry.responses_due_at = max(enquiry.responses_due_at, due)
            responses.append(responded)
            self.rows["requests"].append(
                self.InformationRequest(
                    enquiry=enquiry,
                    agency=self.agencies[code],
                    question=QUESTION,
                    status="responded",
                    requested_at=opened_at,
                    requested_by=self.users["pm"],
                    due_at=due,
                    immediate_risk=contact.immediate_risk,
                    responded_at=responded,
                    responded_by=self.users.get(AGENCY_USERS[code]),
                    outcome=outcome,
                    summary=SUMMARIES[outcome],
                    systems_searched="Agency case management system.",
                )
            )
        enquiry.ready_at = max(responses)
        self.rows["enquiries"].append(enquiry)
        return enquiry.ready_at + timedelta(minutes=rng.randint(10, 60))


def _source(role: str) -> str:
    """The CIN ReferralSource code for the demo referrer's role."""
    from openmash.contacts.codes import REFERRER_SOURCE, ReferrerType

    by_role = {r: t for t, r, _ in PROFESSIONAL_REFERRERS}
    return REFERRER_SOURCE.get(by_role.get(role, ReferrerType.PROFESSIONAL_OTHER))
