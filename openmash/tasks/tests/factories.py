"""Factories for the task-queue app: one per outbox state a test needs to start from."""

from datetime import timedelta

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from openmash.tasks.models import OutboxMessage


class OutboxMessageFactory(DjangoModelFactory):
    """A pending message the sweep would send now (its grace period is over)."""

    class Meta:
        model = OutboxMessage

    kind = "referrer_feedback"
    recipient = factory.Faker("email", locale="en_GB")
    subject = "Outcome of your referral"
    body = factory.Faker("paragraph", locale="en_GB")
    dedupe_key = factory.Sequence(lambda n: f"test-effect:{n}")
    next_attempt_at = factory.LazyFunction(lambda: timezone.now() - timedelta(seconds=1))


class StaleSendingOutboxMessageFactory(OutboxMessageFactory):
    """Claimed by a worker that died: the claim is older than any lease."""

    status = OutboxMessage.Status.SENDING
    attempts = 1
    claimed_at = factory.LazyFunction(lambda: timezone.now() - timedelta(hours=1))
    claim_token = factory.Faker("uuid4", cast_to=None)


class SentOutboxMessageFactory(OutboxMessageFactory):
    status = OutboxMessage.Status.SENT
    attempts = 1
    sent_at = factory.LazyFunction(timezone.now)
