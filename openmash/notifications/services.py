"""Every write to notifications: sending one (in-app row plus email, once) and marking read.

``notification_send`` is the one way to notify a member of staff. It writes the row and
promises the email (``openmash.tasks.services.outbox_enqueue``) in one transaction, keyed by the
same identity — (recipient, kind, subject) — so a job that runs again, or twice at once, neither
duplicates the in-app notification nor the email, and a worker killed half-way leaves either
both or neither.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from django.conf import settings
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from openmash.tasks.services import outbox_enqueue

from .models import Notification, notification_key


@dataclass(frozen=True)
class NotificationDraft:
    """What to tell one member of staff, about which record, and where to look."""

    recipient: object  # accounts.User
    kind: str
    subject_type: str
    subject_id: UUID
    title: str
    link_url_name: str = ""
    link_args: Sequence[str] = field(default_factory=tuple)
    due_at: datetime | None = None
    #: A sentence or two for the email; no personal data beyond the record's reference.
    detail: str = ""

    @property
    def key(self) -> str:
        return notification_key(self.recipient.pk, self.kind, self.subject_type, self.subject_id)


def notification_keys_sent(subject_ids: Iterable[UUID]) -> set[str]:
    """Keys of the notifications already sent about any of ``subject_ids`` (one query), so a
    job can skip them without attempting an insert it knows will fail."""
    rows = Notification.objects.filter(subject_id__in=list(subject_ids)).values_list(
        "recipient_id", "kind", "subject_type", "subject_id"
    )
    return {notification_key(*row) for row in rows}


def notification_send(draft: NotificationDraft) -> Notification | None:
    """Notify ``draft.recipient`` once: the in-app row and, if they have an email address, an
    email through the outbox, in one transaction. Returns None if this notification was sent
    before (by an earlier run, or by a concurrent one that won the race)."""
    recipient = draft.recipient
    with transaction.atomic():
        try:
            with transaction.atomic():  # a savepoint: losing the race must not spoil the caller
                notification = Notification.objects.create(
                    recipient=recipient,
                    kind=draft.kind,
                    subject_type=draft.subject_type,
                    subject_id=draft.subject_id,
                    title=draft.title,
                    link_url_name=draft.link_url_name,
                    link_args=[str(arg) for arg in draft.link_args],
                    due_at=draft.due_at,
                )
        except IntegrityError:
            return None
        if recipient.email:
            outbox_enqueue(
                kind=f"notification_{draft.kind}",
                recipient=recipient.email,
                subject=f"OpenMASH: {draft.title}",
                body=render_to_string(
                    "notifications/email/notification.txt",
                    {
                        "recipient": recipient,
                        "notification": notification,
                        "detail": draft.detail,
                        "site_url": settings.SITE_URL.rstrip("/"),
                    },
                ),
                dedupe_key=notification.dedupe_key,
            )
    return notification


def notification_mark_read(user, notification_id) -> bool:
    """Mark one of ``user``'s own notifications read. False if no such notification is theirs,
    so nobody can touch another person's notifications by guessing an ID."""
    mine = Notification.objects.filter(pk=notification_id, recipient=user)
    now = timezone.now()
    if mine.filter(read_at__isnull=True).update(read_at=now, modified_at=now):
        return True
    return mine.exists()


def notifications_mark_all_read(user) -> int:
    """Mark every unread notification of ``user`` read; returns how many."""
    now = timezone.now()
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=now, modified_at=now
    )
