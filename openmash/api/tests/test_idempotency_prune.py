"""Idempotency keys are forgotten once they can no longer be replayed, by an hourly job."""

from datetime import timedelta

import pytest
from django.utils import timezone

from config.celery import app
from openmash.api.idempotency import KEY_LIFETIME
from openmash.api.models import IdempotencyKey
from openmash.api.tasks import prune_idempotency_keys

pytestmark = pytest.mark.django_db


def _key(user, name, age):
    row = IdempotencyKey.objects.create(
        user=user, key=name, fingerprint="0" * 64, status_code=201, response_body={}
    )
    IdempotencyKey.objects.filter(pk=row.pk).update(created_at=timezone.now() - age)


def test_keys_past_their_lifetime_are_deleted_and_the_rest_kept(police):
    _key(police, "old", KEY_LIFETIME + timedelta(minutes=1))
    _key(police, "recent", KEY_LIFETIME - timedelta(minutes=1))

    assert prune_idempotency_keys() == 1
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["recent"]
    assert prune_idempotency_keys() == 0  # idempotent


def test_the_job_is_scheduled_hourly():
    entry = app.conf.beat_schedule["api-idempotency-keys-prune"]
    assert entry["task"] == "openmash.api.tasks.prune_idempotency_keys"
    assert entry["schedule"].minute == {43}
