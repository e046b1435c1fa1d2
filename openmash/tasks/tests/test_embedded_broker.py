"""Pruning the embedded SQLite broker, which keeps delivered messages unless told otherwise."""

from datetime import timedelta

import pytest
import sqlalchemy as sa
from kombu import Connection

from config.celery import app as celery_app
from openmash.tasks.embedded_broker import prune_delivered
from openmash.tasks.tasks import prune_embedded_broker


@pytest.fixture
def broker_url(tmp_path, monkeypatch):
    url = f"sqla+sqlite:///{tmp_path / 'broker.sqlite3'}"
    monkeypatch.setattr(celery_app.conf, "broker_url", url)
    return url


def _visibility(url):
    engine = sa.create_engine(url.removeprefix("sqla+"))
    with engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT visible FROM kombu_message")).all()
    engine.dispose()
    return sorted(bool(row.visible) for row in rows)


def test_delivered_messages_are_pruned_and_waiting_ones_kept(broker_url):
    with Connection(broker_url) as connection:
        queue = connection.SimpleQueue("prune-test")
        queue.put({"n": 1})
        queue.put({"n": 2})
        queue.get(timeout=1).ack()
        queue.close()
    assert _visibility(broker_url) == [False, True]

    assert prune_delivered(older_than=timedelta(hours=1)) == 0  # just delivered: kept for now
    assert prune_delivered(older_than=timedelta(0)) == 1

    assert _visibility(broker_url) == [True]


def test_an_unused_embedded_broker_has_nothing_to_prune(broker_url):
    assert prune_embedded_broker.delay().get() == 0


def test_other_brokers_are_left_alone(monkeypatch):
    monkeypatch.setattr(celery_app.conf, "broker_url", "redis://127.0.0.1:6379/0")
    assert prune_delivered() == 0
