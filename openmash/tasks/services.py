"""Writes for background work: the email outbox, system alerts, worker heartbeats.

Other apps call two functions:

* ``outbox_enqueue(...)`` inside their own transaction, to promise an email;
* ``system_alert_raise(...)`` when a background check finds something people must act on.

Everything else here is run by the tasks in ``tasks.py``.
"""

import logging
import socket
import uuid
from dataclasses import dataclass
from datetime import timedelta
from email.utils import parseaddr

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.db.models import F, Max, Q
from django.utils import timezone

from openmash.accounts.models import User
from openmash.accounts.roles import Role

from .models import OutboxMessage, SystemAlert, WorkerHeartbeat

logger = logging.getLogger(__name__)

#: Attempts (including ones cut short by a killed worker) before a message is marked failed.
OUTBOX_MAX_ATTEMPTS = 10
#: How long a fresh message is left to its on-commit delivery before the sweep sends it.
OUTBOX_SWEEP_GRACE = timedelta(minutes=2)
#: Longest back-off between failed attempts.
OUTBOX_MAX_BACKOFF = timedelta(hours=4)
#: Socket timeout for one SMTP conversation; well inside the task's hard time limit.
OUTBOX_SEND_TIMEOUT_SECONDS = 60
#: Heartbeats older than this mean no worker is taking work from the broker.
HEARTBEAT_STALE_AFTER = timedelta(minutes=2)
#: Heartbeat rows of host names not seen for this long are removed (old containers).
HEARTBEAT_FORGET_AFTER = timedelta(days=7)


def _claim_lease() -> timedelta:
    return timedelta(seconds=settings.OUTBOX_CLAIM_LEASE_SECONDS)


def _schedule_delivery(message_id) -> None:
    from .tasks import deliver_outbox_message

    deliver_outbox_message.delay(str(message_id))


# --- Outbox ------------------------------------------------------------------------------------


def outbox_enqueue(
    *, kind: str, recipient: str, subject: str, body: str, dedupe_key: str, actor=None
) -> OutboxMessage:
    """Promise an email; call it inside the transaction of the change that causes it.

    The row commits (or rolls back) with the caller's change; delivery is queued only after
    the commit. ``dedupe_key`` names the effect: if a message with that key already exists it
    is returned unchanged and nothing new is queued, so retrying the caller is safe.

    Example, in a decision service::

        with transaction.atomic():
            decision.save(update_fields=[...])
            outbox_enqueue(
                kind="referrer_feedback",
                recipient=contact.referrer_email,
                subject="Outcome of your referral",
                body=render_to_string("decisions/email/referrer_feedback.txt", {...}),
                dedupe_key=f"referrer-feedback:{decision.pk}",
                actor=user,
            )
    """
    if not dedupe_key:
        raise ValueError("outbox_enqueue needs a dedupe_key naming the effect")
    existing = OutboxMessage.objects.filter(dedupe_key=dedupe_key).first()
    if existing:
        return existing
    try:
        with transaction.atomic():
            message = OutboxMessage.objects.create(
                kind=kind,
                recipient=recipient,
                subject=subject,
                body=body,
                dedupe_key=dedupe_key,
                next_attempt_at=timezone.now() + OUTBOX_SWEEP_GRACE,
                created_by=actor,
                modified_by=actor,
            )
    except IntegrityError:
        # A concurrent transaction queued the same effect first.
        return OutboxMessage.objects.get(dedupe_key=dedupe_key)
    # Robust: if the broker is down, the caller's committed change must not turn into an error
    # page; Django logs the failure and the sweep sends the message once the broker is back.
    transaction.on_commit(lambda: _schedule_delivery(message.pk), robust=True)
    return message


def outbox_deliver(message_id) -> str:
    """Send one outbox message if it is still to be sent; return what happened.

    Safe to run any number of times, concurrently: only the run whose UPDATE claims the row
    sends, and a sent row is never claimed again. The one window for a duplicate is a worker
    killed after the mail server accepted the message but before ``sent`` was committed; the
    stable Message-ID lets mail systems discard that duplicate.
    """
    now = timezone.now()
    token = uuid.uuid4()
    claimable = Q(status=OutboxMessage.Status.PENDING) | Q(
        status=OutboxMessage.Status.SENDING, claimed_at__lt=now - _claim_lease()
    )
    claimed = (
        OutboxMessage.objects.filter(claimable, pk=message_id).update(
            status=OutboxMessage.Status.SENDING,
            claimed_at=now,
            claim_token=token,
            attempts=F("attempts") + 1,
            modified_at=now,
        )
        == 1
    )
    if not claimed:
        return "skipped"
    message = OutboxMessage.objects.get(pk=message_id)
    mine = OutboxMessage.objects.filter(pk=message_id, claim_token=token)
    try:
        _send(message)
    except Exception as exc:  # noqa: BLE001 - any backend failure is recorded and retried
        failed = message.attempts >= OUTBOX_MAX_ATTEMPTS
        backoff = min(timedelta(minutes=2**message.attempts), OUTBOX_MAX_BACKOFF)
        mine.update(
            status=OutboxMessage.Status.FAILED if failed else OutboxMessage.Status.PENDING,
            last_error=f"{type(exc).__name__}: {exc}"[:2000],
            next_attempt_at=timezone.now() + backoff,
            claimed_at=None,
            claim_token=None,
            modified_at=timezone.now(),
        )
        log = logger.error if failed else logger.warning
        log(
            "outbox message %s (%s) attempt %s failed%s: %s",
            message.pk,
            message.kind,
            message.attempts,
            "; giving up" if failed else "",
            type(exc).__name__,
        )
        return "failed" if failed else "retry"
    sent_at = timezone.now()
    mine.update(
        status=OutboxMessage.Status.SENT,
        sent_at=sent_at,
        last_error="",
        claim_token=None,
        modified_at=sent_at,
    )
    logger.info("outbox message %s (%s) sent", message.pk, message.kind)
    return "sent"


def _send(message: OutboxMessage) -> None:
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "openmash.invalid"
    email = EmailMessage(
        subject=message.subject,
        body=message.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.recipient],
        headers={
            # Stable across retries, so a duplicate after a crash is recognisable downstream.
            "Message-ID": f"<outbox-{message.pk}@{domain}>",
            "X-OpenMASH-Kind": message.kind,
        },
        connection=get_connection(timeout=OUTBOX_SEND_TIMEOUT_SECONDS),
    )
    email.send(fail_silently=False)


def outbox_sweep(*, limit: int = 500) -> int:
    """Queue delivery of every message that should have gone by now; return how many.

    Picks up what no on-commit delivery will: rows whose worker was killed mid-send (claim
    older than the lease), retries after a back-off, and messages whose queue entry was lost.
    Each queued row's next sweep is pushed back by the grace period, so a slow queue is not
    flooded with copies (a copy that does arrive finds the row claimed or sent and skips).
    """
    now = timezone.now()
    OutboxMessage.objects.filter(
        status=OutboxMessage.Status.SENDING, claimed_at__lt=now - _claim_lease()
    ).update(
        status=OutboxMessage.Status.PENDING,
        claimed_at=None,
        claim_token=None,
        next_attempt_at=now,
        last_error="Delivery interrupted: the worker stopped before finishing.",
        modified_at=now,
    )
    due = list(
        OutboxMessage.objects.filter(status=OutboxMessage.Status.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    if not due:
        return 0
    OutboxMessage.objects.filter(pk__in=due, status=OutboxMessage.Status.PENDING).update(
        next_attempt_at=now + OUTBOX_SWEEP_GRACE
    )
    for message_id in due:
        _schedule_delivery(message_id)
    logger.info("outbox sweep queued %s message(s)", len(due))
    return len(due)


# --- System alerts -----------------------------------------------------------------------------


def system_alert_raise(
    *,
    severity: str,
    title: str,
    detail: str,
    dedupe_key: str,
    notify_roles=(Role.DPO,),
) -> tuple[SystemAlert, bool]:
    """Record an alert and email the holders of ``notify_roles``; return (alert, created).

    While an alert with the same ``dedupe_key`` is unresolved, nothing new is recorded or sent,
    so a nightly check that keeps finding the same problem does not flood anyone's inbox.
    """
    with transaction.atomic():
        open_alert = SystemAlert.objects.filter(dedupe_key=dedupe_key, resolved=False).first()
        if open_alert:
            return open_alert, False
        try:
            with transaction.atomic():
                alert = SystemAlert.objects.create(
                    severity=severity, title=title, detail=detail, dedupe_key=dedupe_key
                )
        except IntegrityError:
            return SystemAlert.objects.get(dedupe_key=dedupe_key, resolved=False), False
        recipients = (
            User.objects.filter(is_active=True, roles__code__in=notify_roles)
            .exclude(email="")
            .distinct()
        )
        for user in recipients:
            outbox_enqueue(
                kind="system_alert",
                recipient=user.email,
                subject=f"OpenMASH alert: {title}",
                body=(
                    f"{detail}\n\nSeverity: {alert.get_severity_display()}\n"
                    f"Raised: {timezone.localtime(alert.created_at):%d/%m/%Y %H:%M}\n\n"
                    "See System alerts in OpenMASH administration, and mark the alert "
                    "resolved once it has been dealt with."
                ),
                dedupe_key=f"system-alert:{alert.pk}:{user.pk}",
            )
    log = logger.error if severity != SystemAlert.Severity.INFO else logger.info
    log("system alert raised [%s] %s: %s", severity, title, detail)
    return alert, True


def system_alert_resolve(alert: SystemAlert, *, by) -> SystemAlert:
    """Mark an alert dealt with; the same condition found later raises a new alert."""
    if alert.resolved:
        return alert
    alert.resolved = True
    alert.resolved_at = timezone.now()
    alert.resolved_by = by
    alert.modified_by = by
    alert.save(
        update_fields=["resolved", "resolved_at", "resolved_by", "modified_by", "modified_at"]
    )
    return alert


# --- Scheduled checks --------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditChainCheck:
    ok: bool
    checked: int
    alert: SystemAlert | None = None


def audit_chain_check() -> AuditChainCheck:
    """Verify the audit hash chain; if broken, raise a critical alert to the DPOs.

    The alert is keyed by the first broken sequence number, so the same break found night after
    night stays one alert (and one email per DPO) until someone resolves it.
    """
    from openmash.audit.services import chain_head_log, seal_pending, verify_chain

    # Views waiting to be sealed are chained first, so the check (and the head logged) covers
    # them; those written meanwhile are counted as pending.
    seal_pending()
    result = verify_chain()
    # The head goes to its own logger, outside the database, so a rewritten history can be told
    # apart from the one logged night after night.
    chain_head_log(result)
    if result.ok:
        logger.info(
            "audit chain verified: %s entries intact, %s pending",
            result.checked,
            result.pending,
        )
        return AuditChainCheck(ok=True, checked=result.checked)
    logger.error(
        "audit chain broken at sequence %s (%s); %s entries checked",
        result.first_broken_sequence,
        result.reason,
        result.checked,
    )
    alert, _ = system_alert_raise(
        severity=SystemAlert.Severity.CRITICAL,
        title="Audit trail integrity check failed",
        detail=(
            "The nightly verification of the tamper-evident audit chain found a break at "
            f"sequence {result.first_broken_sequence}: {result.reason}. "
            f"{result.checked} entries were checked. Entries from that point may have been "
            "altered or removed; preserve the database and investigate before any clean-up."
        ),
        dedupe_key=f"audit-chain-broken:{result.first_broken_sequence}",
    )
    return AuditChainCheck(ok=False, checked=result.checked, alert=alert)


# --- Worker heartbeat --------------------------------------------------------------------------


def worker_heartbeat_record(hostname: str | None = None) -> WorkerHeartbeat:
    """Stamp this worker as alive, and forget host names long gone."""
    now = timezone.now()
    heartbeat, _ = WorkerHeartbeat.objects.update_or_create(
        hostname=hostname or socket.gethostname(), defaults={"last_seen_at": now}
    )
    WorkerHeartbeat.objects.filter(last_seen_at__lt=now - HEARTBEAT_FORGET_AFTER).delete()
    return heartbeat


def worker_last_heartbeat():
    """The most recent heartbeat of any worker, or None if none ever ran."""
    return WorkerHeartbeat.objects.aggregate(last=Max("last_seen_at"))["last"]
