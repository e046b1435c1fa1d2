"""Scheduled work of the governance app (beat entries in config/celery.py)."""

from celery import shared_task


@shared_task
def retention_disposal() -> dict:
    """Monthly: dispose of the records past their retention under each active schedule
    (``services_retention.retention_disposal_run``). Idempotent: a repeated or overlapping
    run finds nothing more due; a killed run leaves whole batches done and the rest for next
    time. Returns counts per schedule — no personal data."""
    from .services_retention import retention_disposal_run

    report = retention_disposal_run()
    return {
        str(result.schedule.pk): {"disposed": result.disposed, "error": result.error}
        for result in report.results
    }
