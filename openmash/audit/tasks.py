"""Scheduled work of the audit app (beat entries in config/celery.py)."""

from celery import shared_task


@shared_task
def seal_pending_access() -> int:
    """Every minute: move pending access entries into the hash chain (ADR 0008), so a view is
    chained within about a minute even when nothing else seals. Idempotent: a doubled run
    finds nothing left; returns how many entries were sealed."""
    from .services import seal_pending

    return seal_pending()
