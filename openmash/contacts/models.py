"""Contacts: one episode of concern about one or more children, from receipt to decision.

Lifecycle (one transition service each, in ``services.py``; table in ``transitions.py``)::

    submitted ──record──► recorded ──screen(route=mash_enquiry)──► enquiry ──analyse──► analysed
    (online form,         (to screen)                              (requests out /    (awaiting
     to record)               │                                      awaiting analysis) decision)
                              └──screen(any other route)──► decided ◄──────decide──────────┘

``received_at`` starts the clock (DESIGN.md §3); ``clock_started_at`` is the next working instant
and ``decision_due_at`` is computed once from it and stored so queues sort in the database.
``version`` increments on every transition: a second practice manager acting on a stale page
gets a conflict, never a silent overwrite.
"""

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from openmash.core.models import BaseModel
from openmash.core.scoping import FailClosedManager

from .codes import (
    Channel,
    Concern,
    ConsentStatus,
    PersonRole,
    Rag,
    ReferralSource,
    Route,
    ThresholdLevel,
)


class ContactStatus(models.TextChoices):
    SUBMITTED = "submitted", "Submitted online – to record"
    RECORDED = "recorded", "Recorded – to screen"
    ENQUIRY = "enquiry", "MASH enquiry"
    ANALYSED = "analysed", "Analysed – awaiting decision"
    DECIDED = "decided", "Decided"


class ReferenceCounter(models.Model):
    """Per-year counter behind human-readable contact references (C26-000123)."""

    year = models.PositiveIntegerField(primary_key=True)
    last_value = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.year}: {self.last_value}"


class Contact(BaseModel):
    reference = models.CharField(max_length=20, unique=True)
    status = models.CharField(
        max_length=12, choices=ContactStatus.choices, default=ContactStatus.RECORDED
    )
    version = models.PositiveIntegerField(default=1)

    channel = models.CharField(max_length=24, choices=Channel.choices)
    received_at = models.DateTimeField(help_text="When the contact reached the MASH")
    clock_started_at = models.DateTimeField()
    decision_due_at = models.DateTimeField(db_index=True)

    referrer_name = models.CharField(max_length=120, blank=True)
    referrer_role = models.CharField(max_length=120, blank=True)
    referrer_organisation = models.CharField(max_length=160, blank=True)
    referrer_email = models.EmailField(blank=True)
    referrer_phone = models.CharField(max_length=40, blank=True)
    referrer_relationship = models.CharField(
        max_length=120, blank=True, help_text="Relationship to the child"
    )
    source = models.CharField(max_length=2, choices=ReferralSource.choices)

    narrative = models.TextField(help_text="What has happened and why the referrer is worried")
    consent_status = models.CharField(max_length=12, choices=ConsentStatus.choices)
    consent_reason = models.TextField(blank=True, help_text="Why consent was not sought/refused")
    immediate_risk = models.BooleanField(default=False, db_index=True)

    recorded_at = models.DateTimeField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    screened_at = models.DateTimeField(null=True, blank=True)
    screened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    rag = models.CharField(max_length=5, choices=Rag.choices, blank=True, db_index=True)
    threshold_level = models.CharField(max_length=14, choices=ThresholdLevel.choices, blank=True)
    route = models.CharField(max_length=14, choices=Route.choices, blank=True)
    screening_rationale = models.TextField(blank=True)
    decided_at = models.DateTimeField(null=True, blank=True, db_index=True)

    #: Set by the public/professional form so a double submit finds the first contact.
    idempotency_key = models.CharField(max_length=64, null=True, blank=True, unique=True)

    objects = FailClosedManager()
    unscoped = models.Manager()
    history = HistoricalRecords()

    class Meta:
        default_manager_name = "objects"
        base_manager_name = "unscoped"
        indexes = [
            models.Index(fields=["status", "immediate_risk", "decision_due_at"]),
            models.Index(fields=["status", "rag", "decision_due_at"]),
            models.Index(fields=["received_at"]),
        ]

    def __str__(self):
        return self.reference


class ContactPerson(BaseModel):
    """A child or adult named on a contact, as recorded, and the person-index entry it is
    linked to (``person`` is empty until a referral and information officer links it)."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="people")
    person = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    role = models.CharField(max_length=20, choices=PersonRole.choices)
    forename = models.CharField(max_length=100)
    surname = models.CharField(max_length=100)
    date_of_birth = models.DateField(null=True, blank=True)
    expected_delivery_date = models.DateField(null=True, blank=True)
    sex = models.CharField(max_length=1, blank=True)
    address = models.CharField(max_length=250, blank=True)
    postcode = models.CharField(max_length=8, blank=True)
    relationship_to_child = models.CharField(max_length=60, blank=True)
    possible_duplicate = models.BooleanField(default=False)

    objects = FailClosedManager()
    unscoped = models.Manager()
    history = HistoricalRecords()

    class Meta:
        default_manager_name = "objects"
        base_manager_name = "unscoped"
        indexes = [models.Index(fields=["person", "contact"])]

    def __str__(self):
        return f"{self.forename} {self.surname}"

    @property
    def audit_person_id(self):
        """The person-index entry, so the DPO's "who touched this child" search finds edits."""
        return self.person_id

    @property
    def is_subject_child(self) -> bool:
        return self.role == PersonRole.SUBJECT_CHILD


class ContactConcern(BaseModel):
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="concerns")
    category = models.CharField(max_length=24, choices=Concern.choices)
    detail = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["contact", "category"], name="contact_concern_unique")
        ]
