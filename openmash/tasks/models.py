"""Durable state of background work: the outbox, system alerts and worker heartbeats.

The task queue only carries *IDs*; what must happen lives here, written in the same transaction
as the change that caused it (DESIGN.md §6, docs/decisions/0002-task-queue.md). A lost broker
message or a killed worker therefore loses nothing: the sweep finds the row and runs it again.
"""

from django.db import models
from django.db.models import Q

from openmash.core.models import BaseModel


class OutboxMessage(BaseModel):
    """An email the system has promised to send.

    Lifecycle::

        pending ──claim──► sending ──► sent
           ▲                  │
           └── send failed ◄──┤ (attempts < OUTBOX_MAX_ATTEMPTS; retried after a back-off)
               or lease ran   │
               out (sweep)    └──► failed (attempts exhausted; logged at ERROR)

    A delivery *claims* the row with one conditional UPDATE (pending, or sending with an expired
    lease), so two workers never both send it. ``dedupe_key`` names the effect (e.g.
    ``referrer-feedback:<decision id>``): enqueuing the same effect twice yields one row.
    Keep personal data in ``body`` to the minimum the recipient needs; prefer a link.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    kind = models.SlugField(
        max_length=60, help_text="What this message is for, e.g. referrer_feedback"
    )
    recipient = models.EmailField()
    subject = models.CharField(max_length=200)
    body = models.TextField()
    dedupe_key = models.CharField(
        max_length=200, unique=True, help_text="Identity of the effect: the same key is sent once"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    #: When the sweep should (re)send a pending message if nothing else has: shortly after
    #: creation (the on-commit delivery normally gets there first), or after a back-off.
    next_attempt_at = models.DateTimeField()
    claimed_at = models.DateTimeField(null=True, blank=True)
    claim_token = models.UUIDField(null=True, blank=True, editable=False)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="outbox_status_due")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="sent") | Q(sent_at__isnull=False),
                name="outbox_sent_has_sent_at",
            ),
        ]

    def __str__(self):
        return f"{self.kind} to {self.recipient} ({self.get_status_display()})"


class SystemAlert(BaseModel):
    """Something an operator or the DPO must look at, raised by a background check.

    ``dedupe_key`` identifies the condition (e.g. ``audit-chain-broken:1234``): while an alert
    for it is unresolved, raising it again returns the open alert instead of a new one. Once
    resolved, the same condition found again raises a fresh alert.
    """

    class Severity(models.TextChoices):
        INFO = "info", "Information"
        WARNING = "warning", "Warning"
        CRITICAL = "critical", "Critical"

    severity = models.CharField(max_length=10, choices=Severity.choices)
    title = models.CharField(max_length=200)
    detail = models.TextField()
    dedupe_key = models.CharField(max_length=200)
    resolved = models.BooleanField(default=False)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["resolved", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["dedupe_key"],
                condition=Q(resolved=False),
                name="one_open_alert_per_condition",
            ),
        ]

    def __str__(self):
        return f"[{self.get_severity_display()}] {self.title}"


class WorkerHeartbeat(models.Model):
    """Last time a worker ran the heartbeat task, per worker host name.

    The heartbeat is scheduled by beat and travels through the broker, so a fresh row proves the
    whole path (beat → broker → worker → database) works, not merely that a process is alive.
    """

    hostname = models.CharField(max_length=255, unique=True)
    last_seen_at = models.DateTimeField(db_index=True)

    def __str__(self):
        return f"{self.hostname} at {self.last_seen_at:%Y-%m-%d %H:%M:%S}"
