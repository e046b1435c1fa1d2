"""MASH enquiries: one information request per chosen partner agency, and their responses.

Enquiry lifecycle: ``open`` (requests outstanding) → ``ready`` (every request answered, or the
practice manager proceeds without a late one) → ``analysed`` (MASH social worker's analysis
recorded). Request lifecycle: ``requested`` → ``responded``.

Transitions are made only by ``services.py``: ``enquiry_open`` (contact ``recorded`` →
``enquiry``), ``information_request_respond`` (the last answer moves the enquiry to ``ready``)
and ``enquiry_mark_ready`` (a decision-maker proceeds without a late answer, with a reason).

The agency firewall (DESIGN.md §5): ``InformationRequest.objects`` is fail closed; a partner's
scope rule (``selectors.py``) yields only their own agency's requests, and another agency's
answer is never readable by them.
"""

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from openmash.core.models import BaseModel
from openmash.core.scoping import FailClosedManager


class EnquiryStatus(models.TextChoices):
    OPEN = "open", "Awaiting agency responses"
    READY = "ready", "Awaiting analysis"
    ANALYSED = "analysed", "Analysed"


class RequestStatus(models.TextChoices):
    REQUESTED = "requested", "Requested"
    RESPONDED = "responded", "Responded"


class ResponseOutcome(models.TextChoices):
    KNOWN = "known", "Known to the agency"
    NOT_KNOWN = "not_known", "Not known to the agency"
    NIL_RETURN = "nil_return", "Nil return"


class MashEnquiry(BaseModel):
    contact = models.OneToOneField(
        "contacts.Contact", on_delete=models.PROTECT, related_name="enquiry"
    )
    status = models.CharField(max_length=10, choices=EnquiryStatus.choices, db_index=True)
    opened_at = models.DateTimeField()
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    #: Latest due time of its requests (stored for queue sorting).
    responses_due_at = models.DateTimeField(db_index=True)
    ready_at = models.DateTimeField(null=True, blank=True)
    #: Set only when a practice manager proceeded before every agency had answered.
    ready_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    ready_reason = models.TextField(
        blank=True, help_text="Why the enquiry went ahead without every agency's response"
    )
    version = models.PositiveIntegerField(default=1)
    #: A copy of the contact's immediate-risk flag, so "Open enquiries" pins and sorts its
    #: rows on this table's own index and reads only the page's contacts (ADR 0011). The flag
    #: is settled before screening, which opens the enquiry, so the copy never differs (as
    #: for ``InformationRequest.immediate_risk``; a test checks the services keep it so).
    immediate_risk = models.BooleanField(default=False, editable=False)

    objects = FailClosedManager()
    unscoped = models.Manager()
    history = HistoricalRecords()

    class Meta:
        default_manager_name = "objects"
        base_manager_name = "unscoped"
        verbose_name_plural = "MASH enquiries"
        indexes = [
            models.Index(fields=["status", "responses_due_at"]),
            # "Open enquiries" in its default order: immediate risk first, then by due.
            models.Index(
                fields=["status", "-immediate_risk", "responses_due_at", "id"],
                name="enquiry_queue_pinned",
            ),
        ]

    def __str__(self):
        return f"MASH enquiry {self.pk}"


class InformationRequest(BaseModel):
    enquiry = models.ForeignKey(MashEnquiry, on_delete=models.PROTECT, related_name="requests")
    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="+")
    question = models.TextField(help_text="What the MASH needs this agency to check")
    status = models.CharField(
        max_length=10, choices=RequestStatus.choices, default=RequestStatus.REQUESTED
    )
    requested_at = models.DateTimeField()
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    due_at = models.DateTimeField()
    responded_at = models.DateTimeField(null=True, blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    outcome = models.CharField(max_length=10, choices=ResponseOutcome.choices, blank=True)
    summary = models.TextField(blank=True, help_text="What the agency holds")
    risk_factors = models.TextField(blank=True)
    protective_factors = models.TextField(blank=True)
    systems_searched = models.TextField(blank=True)
    proportionality_note = models.TextField(
        blank=True, help_text="Why what is shared is necessary, proportionate and relevant"
    )
    version = models.PositiveIntegerField(default=1)
    #: The contact's immediate-risk flag, copied when the request is made. "Requests to my
    #: agency" pins outstanding requests at immediate risk to the top: read through the
    #: contact, every outstanding request of the agency cost a lookup of two rows before the
    #: sort (~2 ms a page at bench size). The flag is settled before screening (recording is
    #: the last step that sets it) and requests are made at screening, so the copy never
    #: differs from the contact's (a test checks the services keep it so).
    immediate_risk = models.BooleanField(default=False, editable=False)

    objects = FailClosedManager()
    unscoped = models.Manager()
    history = HistoricalRecords()

    class Meta:
        default_manager_name = "objects"
        base_manager_name = "unscoped"
        constraints = [
            models.UniqueConstraint(fields=["enquiry", "agency"], name="one_request_per_agency"),
            # "Requests to my agency" finds answers by their time alone (``answered_since``).
            models.CheckConstraint(
                condition=models.Q(status=RequestStatus.REQUESTED, responded_at__isnull=True)
                | models.Q(status=RequestStatus.RESPONDED, responded_at__isnull=False),
                name="answered_when_responded",
            ),
        ]
        indexes = [
            models.Index(fields=["agency", "status", "due_at"]),
            models.Index(fields=["status", "due_at"]),
            # "Requests to my agency" shows the requests answered recently (migration 0003).
            models.Index(fields=["agency", "responded_at"]),
        ]

    def __str__(self):
        # No related lookups: the audit log labels every saved version with this.
        return f"Information request {self.pk}"
