"""The one place environment variables are read.

Everything configurable about a deployment comes through here so that an operator can see, in
one file, every knob there is. Defaults suit the embedded demo (SQLite under ``var/``).
"""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

#: "local" (demo/development), "test" or "production".
MODE = env.str("OPENMASH_MODE", default="local")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
DATABASE_URL = env.str("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'openmash.sqlite3'}")
#: PostgreSQL: after how many runs on one connection a statement is prepared on the server, so
#: it is planned once rather than on every page (ADR 0011). 0 turns prepared statements off:
#: needed behind a connection pooler in transaction mode older than PgBouncer 1.21.
DATABASE_PREPARE_THRESHOLD = env.int("DATABASE_PREPARE_THRESHOLD", default=5)
#: Broker for the task queue. The default needs no server: a SQLite file via kombu's SQLAlchemy
#: transport. Point it at redis:// or amqp:// to scale out to many workers.
CELERY_BROKER_URL = env.str(
    "CELERY_BROKER_URL", default=f"sqla+sqlite:///{VAR_DIR / 'celery-broker.sqlite3'}"
)
EMAIL_URL = env.str("EMAIL_URL", default="")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="mash-noreply@openmash.invalid")
#: Idle session timeout in minutes (protocol/ASVS: 30 by default).
SESSION_IDLE_MINUTES = env.int("SESSION_IDLE_MINUTES", default=30)
#: Failed sign-ins before an account is locked out, and for how long (hours).
LOCKOUT_FAILURES = env.int("LOCKOUT_FAILURES", default=5)
LOCKOUT_HOURS = env.float("LOCKOUT_HOURS", default=0.5)
#: Demo data and var/demo-credentials.json are only ever written when this is true.
DEMO_MODE = env.bool("OPENMASH_DEMO", default=False)
#: When true (production behind TLS), cookies are secure and HSTS is sent.
SECURE = env.bool("OPENMASH_SECURE", default=False)
TIME_ZONE = "Europe/London"
#: Deadline warnings go out when this share (%) of the working time allowed has elapsed.
WARNING_THRESHOLD_PERCENT = env.int("WARNING_THRESHOLD_PERCENT", default=75)
#: The address staff reach the service at, for links in emails sent by background jobs.
SITE_URL = env.str("OPENMASH_SITE_URL", default="http://127.0.0.1:8000")
#: A file the nightly audit check appends the chain head to (besides stderr): keep it, or ship
#: it, somewhere the database's administrators cannot rewrite (ADR 0001).
AUDIT_CHAIN_HEAD_LOG = env.str("AUDIT_CHAIN_HEAD_LOG", default="")
