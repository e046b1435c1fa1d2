"""Queue health for /healthz: can we reach the broker?"""

from config.celery import app


def queue_status() -> dict:
    """Report whether the broker accepts a connection (a quick, bounded check)."""
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return {"broker": "ok"}
    except Exception as exc:  # noqa: BLE001 - report any broker failure, never raise
        return {"broker": "unavailable", "error": type(exc).__name__}
