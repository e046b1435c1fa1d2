"""The Celery application. Tasks live in each app's tasks.py; the beat schedule is here.

Run exactly one beat (``make run`` embeds it in the worker: ``celery -A config worker --beat``)
and any number of workers; see docs/decisions/0002-task-queue.md.
"""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("openmash")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Crontab times are in CELERY_TIMEZONE (Europe/London). Every job is idempotent, so a missed or
# doubled run (a restart around the scheduled minute, two beats by mistake) does no harm.
app.conf.beat_schedule = {
    "outbox-sweep": {
        "task": "openmash.tasks.tasks.sweep_outbox",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    "worker-heartbeat": {
        "task": "openmash.tasks.tasks.record_worker_heartbeat",
        "schedule": 30.0,
        "options": {"expires": 25},
    },
    "audit-seal-pending": {
        "task": "openmash.audit.tasks.seal_pending_access",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    "audit-chain-verify": {
        "task": "openmash.tasks.tasks.verify_audit_chain",
        "schedule": crontab(hour=2, minute=0),
    },
    "deadline-warnings": {
        "task": "openmash.timescales.tasks.send_deadline_warnings",
        "schedule": 300.0,
        "options": {"expires": 290},
    },
    "meetings-create-today": {
        "task": "openmash.meetings.tasks.meetings_create_today",
        "schedule": crontab(hour=6, minute=0),
    },
    "governance-retention-disposal": {
        "task": "openmash.governance.tasks.retention_disposal",
        "schedule": crontab(day_of_month=1, hour=3, minute=30),
    },
    "api-idempotency-keys-prune": {
        "task": "openmash.api.tasks.prune_idempotency_keys",
        "schedule": crontab(minute=43),
    },
    "embedded-broker-prune": {
        "task": "openmash.tasks.tasks.prune_embedded_broker",
        "schedule": crontab(minute=17),
    },
}
