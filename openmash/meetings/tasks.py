"""Scheduled work of the meetings app (beat entry in config/celery.py)."""

from celery import shared_task
from django.utils import timezone

from . import services


@shared_task
def meetings_create_today() -> int:
    """06:00 every day: create the working day's huddles and MASH meetings with their agendas
    (nothing on weekends, bank holidays or closure days). Idempotent, so a doubled or late run
    does no harm: it only adds work that arrived since."""
    return len(services.meetings_create_for_day(timezone.localdate()))
