"""Celery tasks of the task-queue app: thin wrappers that take IDs and call services.

Every task here is idempotent, so the broker delivering one twice (acks_late redelivery, a
sweep racing an on-commit delivery, two beat processes) does no harm.
"""

from celery import shared_task

from . import embedded_broker, services


# The hard limit must stay below OUTBOX_CLAIM_LEASE_SECONDS: a worker still sending after the
# lease ran out could otherwise race the sweep's re-send.
@shared_task(acks_late=True, soft_time_limit=90, time_limit=120)
def deliver_outbox_message(message_id: str) -> str:
    """Send one outbox message (claimed atomically; skipped if already sent or claimed)."""
    return services.outbox_deliver(message_id)


@shared_task
def sweep_outbox() -> int:
    """Queue every outbox message that should have gone by now (run every minute)."""
    return services.outbox_sweep()


@shared_task
def verify_audit_chain() -> bool:
    """Nightly: check the audit hash chain; a break raises a critical alert to the DPOs."""
    return services.audit_chain_check().ok


@shared_task(bind=True)
def record_worker_heartbeat(self) -> None:
    """Every 30 s: prove beat, broker, a worker and the database all work (see /healthz)."""
    services.worker_heartbeat_record(self.request.hostname)


@shared_task
def prune_embedded_broker() -> int:
    """Hourly: delete delivered messages the embedded SQLite broker keeps forever."""
    return embedded_broker.prune_delivered()
