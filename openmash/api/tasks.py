"""Scheduled work of the API app (beat entry in config/celery.py)."""

from celery import shared_task

from .idempotency import idempotency_keys_prune


@shared_task
def prune_idempotency_keys() -> int:
    """Hourly: forget idempotency keys that can no longer be replayed. Idempotent."""
    return idempotency_keys_prune()
