"""Analysis by the MASH social worker and the practice manager's decision on a contact."""

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from openmash.core.models import BaseModel
from openmash.core.scoping import FailClosedManager

from .codes import Outcome


class Analysis(BaseModel):
    """The MASH social worker's analysis of the gathered information and a recommendation."""

    contact = models.OneToOneField(
        "contacts.Contact", on_delete=models.PROTECT, related_name="analysis"
    )
    analysis = models.TextField()
    recommendation = models.CharField(max_length=16, choices=Outcome.choices)
    recommendation_rationale = models.TextField(blank=True)
    analysed_at = models.DateTimeField()
    analysed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    objects = FailClosedManager()
    unscoped = models.Manager()
    history = HistoricalRecords()

    class Meta:
        default_manager_name = "objects"
        base_manager_name = "unscoped"
        verbose_name_plural = "analyses"


class FeedbackStatus(models.TextChoices):
    SENT = "sent", "Feedback emailed to the referrer"
    NO_EMAIL = "no_email", "No email address given"
    #: UK GDPR Art 18: someone on the contact has the processing of their data restricted.
    RESTRICTED = "restricted", "Not sent: processing of someone's data is restricted"


class Decision(BaseModel):
    """The outcome of a contact. ``is_referral`` is stored for CIN/Annex A reporting.

    Written once by ``services.contact_decide`` with the handover (``handed_over_at``: the
    receiving team's summary was shared, see the Record of Sharing) and the referrer's
    feedback (``feedback_sent_at`` / ``feedback_status``: queued to the referrer's email, "no
    email address given", or withheld while processing of someone's data is restricted).
    """

    contact = models.OneToOneField(
        "contacts.Contact", on_delete=models.PROTECT, related_name="decision"
    )
    outcome = models.CharField(max_length=16, choices=Outcome.choices, db_index=True)
    rationale = models.TextField()
    receiving_team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    is_referral = models.BooleanField(default=False)
    decided_at = models.DateTimeField(db_index=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    handed_over_at = models.DateTimeField(null=True, blank=True)
    feedback_sent_at = models.DateTimeField(null=True, blank=True)
    feedback_status = models.CharField(max_length=10, choices=FeedbackStatus.choices, blank=True)

    objects = FailClosedManager()
    unscoped = models.Manager()
    history = HistoricalRecords()

    class Meta:
        default_manager_name = "objects"
        base_manager_name = "unscoped"
