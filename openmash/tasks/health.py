"""Queue health for /healthz: is the broker reachable, and is a worker taking work from it?

Reported, never fatal: /healthz stays 200 while the database answers, because a stopped worker
delays background work (the sweeps catch up on restart) but does not stop casework.
"""

import logging

import sqlalchemy as sa
from django.utils import timezone

from config.celery import app

from .services import HEARTBEAT_STALE_AFTER, worker_last_heartbeat

logger = logging.getLogger(__name__)

#: Seconds the broker check may take in total; /healthz is polled by load balancers.
BROKER_CHECK_TIMEOUT = 2


def queue_status() -> dict:
    """``broker``: ok|unavailable; ``worker``: ok|stale|never|unknown; ``last_heartbeat``."""
    status = {"broker": _broker_status()}
    try:
        last = worker_last_heartbeat()
    except Exception:  # noqa: BLE001 - the database check reports database failures
        logger.warning("health check: could not read worker heartbeats", exc_info=True)
        status.update(worker="unknown", last_heartbeat=None)
        return status
    if last is None:
        status.update(worker="never", last_heartbeat=None)
    else:
        fresh = timezone.now() - last <= HEARTBEAT_STALE_AFTER
        status.update(worker="ok" if fresh else "stale", last_heartbeat=last.isoformat())
    return status


def _broker_status() -> str:
    try:
        with app.connection_for_write(connect_timeout=BROKER_CHECK_TIMEOUT) as conn:
            conn.ensure_connection(max_retries=0, timeout=BROKER_CHECK_TIMEOUT)
            channel = conn.default_channel
            if hasattr(channel, "session"):
                # kombu's SQLAlchemy transport opens its database lazily: make it answer.
                try:
                    channel.session.execute(sa.text("SELECT 1"))
                finally:
                    channel.session.close()
        return "ok"
    except Exception as exc:  # noqa: BLE001 - report any broker failure, never raise
        logger.warning("health check: broker unreachable (%s)", type(exc).__name__)
        return "unavailable"
