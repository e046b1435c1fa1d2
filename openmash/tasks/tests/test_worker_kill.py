"""A real worker killed with SIGKILL mid-send loses nothing and sends nothing twice.

Starts genuine ``celery worker`` processes against a real broker and this run's test database,
kills the first in the middle of delivering an email, starts a second, runs the sweep, and
checks the email went out exactly once. Runs against Redis (when reachable) and against the
embedded SQLite broker that ``make run`` uses.
"""

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import kombu.pools
import pytest
import redis
from django.conf import settings
from django.db import connection, transaction

from config.celery import app as celery_app
from openmash.tasks.models import OutboxMessage
from openmash.tasks.services import outbox_deliver, outbox_enqueue
from openmash.tasks.tasks import sweep_outbox

pytestmark = [
    pytest.mark.worker,
    pytest.mark.xdist_group("worker"),
    # Committed rows: a separate process must see them.
    pytest.mark.django_db(transaction=True),
]

REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
WAIT_SECONDS = 25


def _redis_reachable() -> bool:
    try:
        with socket.create_connection((REDIS_HOST, REDIS_PORT), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture(params=["redis", "embedded"])
def broker_url(request, tmp_path):
    if request.param == "redis":
        if not _redis_reachable():
            pytest.skip(f"no Redis at {REDIS_HOST}:{REDIS_PORT}; the embedded case still runs")
        return f"redis://{REDIS_HOST}:{REDIS_PORT}/0"
    return f"sqla+sqlite:///{tmp_path / 'broker.sqlite3'}"


@pytest.fixture
def queue(broker_url):
    """A queue of this test's own; on Redis, removed afterwards with anything left unacked."""
    name = f"openmash-killtest-{uuid.uuid4().hex[:12]}"
    yield name
    if broker_url.startswith("redis://"):
        client = redis.Redis.from_url(broker_url)
        # The queue's lists and binding sets all carry its name.
        for key in client.scan_iter(match=f"*{name}*"):
            client.delete(key)
        # The killed worker's message waits in the unacked hash for the visibility timeout.
        for tag, raw in client.hgetall("unacked").items():
            if name.encode() in raw:
                client.hdel("unacked", tag)
                client.zrem("unacked_index", tag)
        client.close()


def _database_url() -> str:
    """The URL of the database this test is using (pytest-django's test database)."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        name = str(db["NAME"])
        assert "memory" not in name, "the test database must be a file (config/settings/test.py)"
        return f"sqlite:///{name}"
    if db["ENGINE"].endswith("postgresql"):
        auth = quote(db["USER"] or "", safe="")
        if db["PASSWORD"]:
            auth += ":" + quote(db["PASSWORD"], safe="")
        host = db["HOST"] or "127.0.0.1"
        port = f":{db['PORT']}" if db["PORT"] else ""
        return f"postgres://{auth}@{host}{port}/{db['NAME']}"
    pytest.fail(f"no DATABASE_URL form known for {db['ENGINE']}")


@contextmanager
def _publishing_to(broker_url: str, queue: str):
    """Make this process's Celery app publish for real (not eagerly) to the test's queue."""
    conf = celery_app.conf
    saved = {k: conf[k] for k in ("task_always_eager", "broker_url", "task_default_queue")}
    _forget_broker_connections()
    conf.update(task_always_eager=False, broker_url=broker_url, task_default_queue=queue)
    try:
        yield
    finally:
        _forget_broker_connections()
        conf.update(saved)


def _forget_broker_connections():
    # Celery caches connection and producer pools on the app; drop them, as Celery itself does
    # after a fork, so the next publish connects to the broker configured now.
    kombu.pools.reset()
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


class Worker:
    """One ``celery worker`` process group, logging to a file shown when a test fails."""

    def __init__(self, name: str, env: dict, log: Path):
        self.log = log
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--pool",
                "prefork",
                "--concurrency",
                "1",
                "--loglevel",
                "INFO",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--hostname",
                f"{name}@%h",
            ],  # fmt: skip
            cwd=settings.BASE_DIR,
            env=env,
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: kill -9 reaches the pool child too
        )

    def kill(self, sig=signal.SIGKILL) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, sig)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-3000:]


def _wait_for(condition, what: str, workers=()):
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    logs = "\n".join(f"--- {w.log.name}\n{w.output()}" for w in workers)
    pytest.fail(f"timed out waiting for {what}\n{logs}")


def test_killed_worker_mid_send_then_sweep_sends_exactly_once(broker_url, queue, tmp_path):
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "openmash.tasks.tests.worker_settings",
        "DATABASE_URL": _database_url(),
        "CELERY_BROKER_URL": broker_url,
        "OPENMASH_TEST_QUEUE": queue,
        "OPENMASH_TEST_MAIL_DIR": str(mail_dir),
    }
    workers = []
    try:
        workers.append(Worker("killtest-first", env, tmp_path / "worker-1.log"))
        # Enqueued the way every caller does it: in a transaction, delivery queued on commit.
        with _publishing_to(broker_url, queue), transaction.atomic():
            message = outbox_enqueue(
                kind="test_kill",
                recipient="referrer@example.org",
                subject="Outcome of your referral",
                body="Synthetic test body.",
                dedupe_key=f"kill-test:{queue}",
            )

        _wait_for(lambda: any(mail_dir.glob("started-*")), "the first send to start", workers)
        message.refresh_from_db()
        assert message.status == OutboxMessage.Status.SENDING
        workers[0].kill()  # kill -9, mid-send

        assert not (mail_dir / "sent.log").exists()
        message.refresh_from_db()
        assert message.status == OutboxMessage.Status.SENDING  # nobody cleaned up after it

        (mail_dir / "release").touch()
        workers.append(Worker("killtest-second", env, tmp_path / "worker-2.log"))
        lease = 2  # worker_settings.OUTBOX_CLAIM_LEASE_SECONDS
        _wait_for(
            lambda: time.time() > message.claimed_at.timestamp() + lease + 0.2,
            "the dead worker's claim to expire",
        )
        with _publishing_to(broker_url, queue):
            sweep_outbox.delay()

        def delivered():
            message.refresh_from_db()
            return message.status == OutboxMessage.Status.SENT

        _wait_for(delivered, "the second worker to deliver the swept message", workers)
        sent = (mail_dir / "sent.log").read_text().splitlines()
        domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2]
        assert sent == [f"<outbox-{message.pk}@{domain}> referrer@example.org"]
        assert message.attempts == 2
        assert message.sent_at is not None
        assert message.last_error == ""

        # Re-running the delivery (a late broker redelivery, say) sends nothing more.
        assert outbox_deliver(message.pk) == "skipped"
        assert (mail_dir / "sent.log").read_text().splitlines() == sent
    finally:
        for worker in workers:
            worker.kill(signal.SIGTERM if worker is workers[-1] else signal.SIGKILL)
