"""In-app notifications: one row per message to one member of staff.

A notification is also the record that it was sent. The unique constraint on (recipient, kind,
subject) is what makes a scheduled job's warnings go out once: a job that runs again — after a
restart, or twice at once — finds the row (or loses the insert race) and sends nothing more.
Nothing about the warning is stored on the case record itself: "due soon" and "overdue" are
derived from its stored deadline (DESIGN.md §3).

Titles and emails carry references and links, never a child's name: a notification can be
read on a phone lock screen or in an inbox that is not as well guarded as the case record.
"""

from django.conf import settings
from django.db import models
from django.urls import NoReverseMatch, reverse

from openmash.core.models import BaseModel


class NotificationKind(models.TextChoices):
    APPROACHING = "approaching", "Deadline approaching"
    BREACHED = "breached", "Deadline passed"


class Notification(BaseModel):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="notifications"
    )
    kind = models.CharField(max_length=20, choices=NotificationKind.choices)
    #: What the notification is about: ``app_label.modelname`` and the record's primary key.
    subject_type = models.CharField(max_length=60)
    subject_id = models.UUIDField()
    title = models.CharField(max_length=200)
    #: Where "open" goes: a URL name and its arguments, reversed when shown (so a moved URL
    #: does not leave stale links in stored rows).
    link_url_name = models.CharField(max_length=100, blank=True)
    link_args = models.JSONField(default=list, blank=True)
    #: The deadline the warning was about, as it was when the warning was sent.
    due_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "kind", "subject_type", "subject_id"],
                name="notification_once_per_recipient_kind_subject",
            )
        ]
        indexes = [
            models.Index(fields=["recipient", "read_at"]),
            models.Index(fields=["recipient", "-created_at"]),
            models.Index(fields=["subject_type", "subject_id"]),
        ]

    def __str__(self):
        # No related lookups: the audit log and admin label rows with this.
        return f"Notification {self.pk}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None

    @property
    def url(self) -> str:
        """The page the notification is about, or "" if that page is not routed."""
        if not self.link_url_name:
            return ""
        try:
            return reverse(self.link_url_name, args=self.link_args)
        except NoReverseMatch:
            return ""

    @property
    def dedupe_key(self) -> str:
        """The outbox key of this notification's email: the same identity as the row."""
        return notification_key(self.recipient_id, self.kind, self.subject_type, self.subject_id)


def notification_key(recipient_id, kind: str, subject_type: str, subject_id) -> str:
    """One string for (recipient, kind, subject) — the identity of a notification and of its
    email in the outbox, so both are sent once for the same reason."""
    return f"notification:{kind}:{subject_type}:{subject_id}:{recipient_id}"
