"""The email outbox: queued with the caller's transaction, sent once, swept when left behind."""

from datetime import timedelta
from unittest import mock

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.db import transaction
from django.utils import timezone

from openmash.tasks import services
from openmash.tasks.models import OutboxMessage
from openmash.tasks.services import outbox_deliver, outbox_enqueue, outbox_sweep
from openmash.tasks.tasks import deliver_outbox_message, sweep_outbox

from .factories import (
    OutboxMessageFactory,
    SentOutboxMessageFactory,
    StaleSendingOutboxMessageFactory,
)

pytestmark = pytest.mark.django_db


def _enqueue(**overrides):
    fields = {
        "kind": "referrer_feedback",
        "recipient": "referrer@example.org",
        "subject": "Outcome of your referral",
        "body": "The MASH has decided on your referral.",
        "dedupe_key": "referrer-feedback:decision-1",
    }
    return outbox_enqueue(**(fields | overrides))


def test_enqueue_delivers_after_the_callers_transaction_commits(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        message = _enqueue()
        assert mail.outbox == []  # nothing leaves before the change is committed

    assert len(callbacks) == 1
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.SENT
    assert message.attempts == 1
    assert message.sent_at is not None
    [email] = mail.outbox
    assert email.to == ["referrer@example.org"]
    assert email.subject == "Outcome of your referral"
    assert email.extra_headers["Message-ID"] == f"<outbox-{message.pk}@openmash.invalid>"
    assert email.extra_headers["X-OpenMASH-Kind"] == "referrer_feedback"


def test_a_rolled_back_change_leaves_no_message_and_sends_nothing(
    django_capture_on_commit_callbacks,
):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        _enqueue()
        raise RuntimeError("the caller's change failed")

    assert callbacks == []
    assert not OutboxMessage.objects.exists()
    assert mail.outbox == []


def test_the_same_effect_is_queued_once(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        first = _enqueue()
        second = _enqueue(subject="A retry of the same effect")

    assert second.pk == first.pk
    assert OutboxMessage.objects.count() == 1
    assert len(callbacks) == 1
    assert len(mail.outbox) == 1


def test_a_dedupe_key_is_required():
    with pytest.raises(ValueError, match="dedupe_key"):
        _enqueue(dedupe_key="")


def test_running_the_delivery_twice_sends_once():
    message = OutboxMessageFactory()

    assert deliver_outbox_message.delay(str(message.pk)).get() == "sent"
    assert deliver_outbox_message.delay(str(message.pk)).get() == "skipped"

    assert len(mail.outbox) == 1
    message.refresh_from_db()
    assert (message.status, message.attempts) == (OutboxMessage.Status.SENT, 1)


def test_a_concurrent_claim_loses_while_the_first_delivery_is_sending():
    message = OutboxMessageFactory()
    concurrent = []
    real_send = services._send

    def send_while_another_worker_tries(msg):
        concurrent.append(outbox_deliver(msg.pk))  # a second worker, same message, same moment
        real_send(msg)

    with mock.patch.object(services, "_send", side_effect=send_while_another_worker_tries):
        assert outbox_deliver(message.pk) == "sent"

    assert concurrent == ["skipped"]
    assert len(mail.outbox) == 1


def test_a_fresh_claim_is_respected_but_a_dead_workers_claim_is_taken_over():
    live = StaleSendingOutboxMessageFactory(claimed_at=timezone.now())
    dead = StaleSendingOutboxMessageFactory()

    assert outbox_deliver(live.pk) == "skipped"
    assert outbox_deliver(dead.pk) == "sent"

    dead.refresh_from_db()
    assert dead.status == OutboxMessage.Status.SENT
    assert dead.attempts == 2
    assert dead.claim_token is None
    assert [e.to for e in mail.outbox] == [[dead.recipient]]


def test_a_failed_send_is_kept_for_retry_with_a_back_off():
    message = OutboxMessageFactory()

    with mock.patch.object(services, "_send", side_effect=ConnectionRefusedError("smtp down")):
        before = timezone.now()
        assert outbox_deliver(message.pk) == "retry"

    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.PENDING
    assert message.attempts == 1
    assert message.last_error == "ConnectionRefusedError: smtp down"
    assert message.next_attempt_at >= before + timedelta(minutes=2)
    assert message.claim_token is None


def test_a_message_is_marked_failed_when_attempts_run_out(caplog):
    message = OutboxMessageFactory(attempts=services.OUTBOX_MAX_ATTEMPTS - 1)

    with mock.patch.object(services, "_send", side_effect=OSError("mailbox unavailable")):
        assert outbox_deliver(message.pk) == "failed"

    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.FAILED
    assert "giving up" in caplog.text
    assert outbox_sweep() == 0  # failed messages are left for a person to look at


def test_the_sweep_sends_what_was_left_behind_and_nothing_else():
    left_behind = OutboxMessageFactory()  # its queue entry was lost
    dead_claim = StaleSendingOutboxMessageFactory()  # its worker was killed mid-send
    just_queued = _enqueue(dedupe_key="fresh")  # its on-commit delivery is still on the way
    already_sent = SentOutboxMessageFactory()

    assert sweep_outbox.delay().get() == 2

    assert sorted(e.to[0] for e in mail.outbox) == sorted(
        [left_behind.recipient, dead_claim.recipient]
    )
    for message in (left_behind, dead_claim, just_queued, already_sent):
        message.refresh_from_db()
    assert left_behind.status == dead_claim.status == OutboxMessage.Status.SENT
    assert just_queued.status == OutboxMessage.Status.PENDING
    assert already_sent.attempts == 1


def test_the_sweep_waits_for_the_back_off_before_retrying():
    message = OutboxMessageFactory()
    with mock.patch.object(services, "_send", side_effect=ConnectionRefusedError("smtp down")):
        outbox_deliver(message.pk)

    assert outbox_sweep() == 0
    with time_machine.travel(timezone.now() + timedelta(minutes=3)):
        assert outbox_sweep() == 1

    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.SENT
    assert message.attempts == 2


def test_the_sweep_does_not_queue_the_same_message_again_within_the_grace_period():
    OutboxMessageFactory()
    with mock.patch.object(services, "_schedule_delivery") as schedule:
        assert outbox_sweep() == 1
        assert outbox_sweep() == 0  # queued a moment ago; its delivery is on the way
    assert schedule.call_count == 1


def test_the_claim_lease_outlasts_the_delivery_tasks_hard_time_limit():
    """Otherwise a slow but live worker could still be sending when the sweep re-sends."""
    assert deliver_outbox_message.time_limit < settings.OUTBOX_CLAIM_LEASE_SECONDS
    assert deliver_outbox_message.acks_late is True


def test_a_broker_outage_does_not_fail_the_callers_committed_change(
    django_capture_on_commit_callbacks, caplog
):
    with (
        mock.patch.object(deliver_outbox_message, "delay", side_effect=OSError("broker down")),
        django_capture_on_commit_callbacks(execute=True),
        transaction.atomic(),
    ):
        message = _enqueue()

    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.PENDING  # the sweep will send it
    assert "broker down" in caplog.text
