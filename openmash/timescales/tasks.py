"""Scheduled jobs of the timescales app (the beat schedule is in config/celery.py)."""

from celery import shared_task

from .deadline_warnings import deadline_warnings_send


@shared_task(acks_late=True, soft_time_limit=240, time_limit=280)
def send_deadline_warnings() -> int:
    """Every 5 minutes: warn about work nearly due or overdue; returns how many were sent.

    Idempotent (see ``deadline_warnings``), so a redelivered or doubled run sends nothing twice.
    The time limit stays inside the 5-minute period so runs do not pile up.
    """
    return deadline_warnings_send().sent
