"""Queue health on /healthz: broker reachability and the worker heartbeat."""

import time
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from config.celery import app as celery_app
from openmash.tasks.health import BROKER_CHECK_TIMEOUT, queue_status
from openmash.tasks.models import WorkerHeartbeat
from openmash.tasks.services import worker_heartbeat_record
from openmash.tasks.tasks import record_worker_heartbeat

pytestmark = pytest.mark.django_db


@pytest.fixture
def embedded_broker(tmp_path, monkeypatch):
    monkeypatch.setattr(celery_app.conf, "broker_url", f"sqla+sqlite:///{tmp_path / 'b.sqlite3'}")


@pytest.fixture
def unreachable_broker(monkeypatch):
    monkeypatch.setattr(celery_app.conf, "broker_url", "redis://127.0.0.1:1/0")


def test_no_worker_has_ever_run(embedded_broker):
    assert queue_status() == {"broker": "ok", "worker": "never", "last_heartbeat": None}


def test_a_recent_heartbeat_means_a_worker_is_taking_work(embedded_broker):
    record_worker_heartbeat.delay()

    status = queue_status()

    assert status["worker"] == "ok"
    beat = WorkerHeartbeat.objects.get()
    assert status["last_heartbeat"] == beat.last_seen_at.isoformat()


def test_an_old_heartbeat_is_stale(embedded_broker):
    worker_heartbeat_record("celery@old-host")
    with time_machine.travel(timezone.now() + timedelta(minutes=3)):
        assert queue_status()["worker"] == "stale"


def test_each_worker_host_keeps_one_row_and_long_gone_hosts_are_forgotten():
    with time_machine.travel(timezone.now() - timedelta(days=8)):
        worker_heartbeat_record("celery@retired-container")
    worker_heartbeat_record("celery@a")
    worker_heartbeat_record("celery@a")

    assert list(WorkerHeartbeat.objects.values_list("hostname", flat=True)) == ["celery@a"]


def test_an_unreachable_broker_is_reported_quickly(unreachable_broker):
    started = time.monotonic()
    assert queue_status()["broker"] == "unavailable"
    assert time.monotonic() - started < BROKER_CHECK_TIMEOUT + 1


def test_an_embedded_broker_in_an_unwritable_place_is_unavailable(monkeypatch):
    monkeypatch.setattr(celery_app.conf, "broker_url", "sqla+sqlite:////nonexistent/dir/b.sqlite3")
    assert queue_status()["broker"] == "unavailable"


def test_healthz_stays_up_when_the_queue_is_down(client, unreachable_broker):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json()["queue"] == {
        "broker": "unavailable",
        "worker": "never",
        "last_heartbeat": None,
    }
