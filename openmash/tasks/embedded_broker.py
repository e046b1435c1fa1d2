"""Housekeeping for the embedded broker (kombu's SQLAlchemy transport on a SQLite file).

That transport marks a delivered message invisible instead of deleting it, so without pruning
the broker file grows by every heartbeat and sweep, forever (~4,000 rows a day). Deleting
invisible rows is safe: a delivered message's payload is already in the worker's memory, and
an unacknowledged one is restored on shutdown as a *new* row, never by re-using the old one.
"""

from datetime import datetime, timedelta

import sqlalchemy as sa

from config.celery import app


def prune_delivered(older_than: timedelta = timedelta(hours=1)) -> int:
    """Delete messages delivered more than ``older_than`` ago; 0 unless the broker is sqla+."""
    url = app.conf.broker_url or ""
    if not url.startswith("sqla+"):
        return 0
    options = app.conf.broker_transport_options or {}
    messages = sa.table(
        options.get("message_tablename", "kombu_message"),
        sa.column("visible", sa.Boolean),
        sa.column("timestamp", sa.DateTime),
    )
    # kombu stamps the delivery time with naive local time (datetime.now), so compare likewise.
    cutoff = datetime.now() - older_than  # noqa: DTZ005
    engine = sa.create_engine(url.removeprefix("sqla+"))
    try:
        if not sa.inspect(engine).has_table(messages.name):
            return 0  # no worker or producer has used the broker yet
        with engine.begin() as connection:
            result = connection.execute(
                sa.delete(messages).where(
                    messages.c.visible.is_(False), messages.c.timestamp < cutoff
                )
            )
            return result.rowcount
    finally:
        engine.dispose()
