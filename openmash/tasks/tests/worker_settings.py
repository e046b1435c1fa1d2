"""Settings for the real Celery workers that test_worker_kill.py starts and kills.

The test passes everything that differs per run through the environment: DATABASE_URL (the
test database) and CELERY_BROKER_URL are read by config.env as usual; the queue name and the
mail folder are test-only.
"""

import os

from config.settings.test import *  # noqa: F403

CELERY_TASK_ALWAYS_EAGER = False
#: A queue of this run's own, so a shared Redis never mixes runs (or anyone else's work).
CELERY_TASK_DEFAULT_QUEUE = os.environ["OPENMASH_TEST_QUEUE"]
#: No remote-control mailbox: nothing to leave behind in a shared Redis.
CELERY_WORKER_ENABLE_REMOTE_CONTROL = False
EMAIL_BACKEND = "openmash.tasks.tests.blocking_email_backend.BlockingEmailBackend"
BLOCKING_EMAIL_DIR = os.environ["OPENMASH_TEST_MAIL_DIR"]
#: Short, so the sweep treats the killed worker's claim as dead within the test's time.
OUTBOX_CLAIM_LEASE_SECONDS = 2
