"""Settings shared by every mode. Values come from config.env, never os.environ directly."""

from datetime import timedelta

import environ
from csp.constants import NONCE

from config import env as E

BASE_DIR = E.BASE_DIR
VAR_DIR = E.VAR_DIR
SECRET_KEY = E.SECRET_KEY
DEBUG = E.DEBUG
ALLOWED_HOSTS = E.ALLOWED_HOSTS
CSRF_TRUSTED_ORIGINS = E.CSRF_TRUSTED_ORIGINS
OPENMASH_MODE = E.MODE
DEMO_MODE = E.DEMO_MODE
SITE_URL = E.SITE_URL
WARNING_THRESHOLD_PERCENT = E.WARNING_THRESHOLD_PERCENT

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "axes",
    "csp",
    "simple_history",
    "crispy_forms",
    "crispy_forms_gds",
    "rest_framework",
    "knox",
    "drf_spectacular",
    "openmash.core",
    "openmash.accounts",
    "openmash.audit",
    "openmash.tasks",
    "openmash.timescales",
    "openmash.people",
    "openmash.contacts",
    "openmash.enquiries",
    "openmash.decisions",
    "openmash.governance",
    "openmash.meetings",
    "openmash.notifications",
    "openmash.reporting",
    "openmash.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "openmash.accounts.middleware.RequireMFAMiddleware",
    "openmash.accounts.middleware.RequirePasswordChangeMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "openmash.core.middleware.NoStoreMiddleware",
    # Restricted records: answers a selector's RestrictedRecordError with the break-glass form.
    "openmash.governance.middleware.BreakGlassMiddleware",
    # Axes last: it inspects the response of a failed sign-in.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "openmash" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "openmash.core.context_processors.service",
                "openmash.notifications.context_processors.notifications",
            ],
            # Fast date filters (|when_long, |when, |day_short …) usable in every template.
            "builtins": ["openmash.core.templatetags.openmash_formats"],
        },
    },
]

DATABASES = {"default": environ.Env.db_url_config(E.DATABASE_URL)}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"].setdefault("CONN_MAX_AGE", 60)
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # WAL lets the web server and the worker read while the other writes; a busy timeout
    # waits for a lock instead of failing a user's submission.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
elif E.DATABASE_PREPARE_THRESHOLD > 0:
    # Bind parameters on the server so psycopg can prepare the statements a connection runs
    # again and again: a contact page's queries took 2–3 times as long to plan as to run
    # (ADR 0011). Persistent connections (CONN_MAX_AGE) keep the prepared statements.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        server_side_binding=True, prepare_threshold=E.DATABASE_PREPARE_THRESHOLD
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Django's and allauth's backends, loading the user with their agency (one query a page).
    "openmash.accounts.backends.ModelBackend",
    "openmash.accounts.backends.AuthenticationBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = E.TIME_ZONE
USE_I18N = True
USE_TZ = True
DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "j F Y, H:i"
SHORT_DATETIME_FORMAT = "d/m/Y H:i"

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "openmash" / "static"]
# GOV.UK Frontend's compiled CSS refers to /assets/fonts/… and /assets/images/…; serving the
# npm package's dist folder at the site root keeps those URLs working without a build step.
WHITENOISE_ROOT = BASE_DIR / "node_modules" / "govuk-frontend" / "dist" / "govuk"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_ROOT = VAR_DIR / "media"

# Sessions: idle timeout — every request pushes expiry forward, so only idleness ends a session.
SESSION_COOKIE_AGE = E.SESSION_IDLE_MINUTES * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "account_login"

# allauth: staff sign in with a username; there is no self sign-up (administrators create users).
ACCOUNT_LOGIN_METHODS = {"username"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "password1*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_ADAPTER = "openmash.accounts.adapters.StaffAccountAdapter"
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_PREVENT_ENUMERATION = True
# Per-address throttle on failed sign-ins (spraying one password across many usernames);
# per-account lockout is axes' job, below.
ACCOUNT_RATE_LIMITS = {"login_failed": "10/m/ip,60/h/ip,5/5m/key"}
# Password reset never says whether an address belongs to an account, and never emails
# addresses that do not (the reset form must not become a way to send mail to anyone).
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = False
MFA_ADAPTER = "openmash.accounts.adapters.StaffMFAAdapter"
MFA_FORMS = {"authenticate": "openmash.accounts.adapters.LockoutAwareAuthenticateForm"}
# Staff email addresses are set by administrators, not self-registered, so allauth's guard
# against enrolling MFA with an unverified address (a sign-up squatting attack) does not apply.
MFA_ALLOW_UNVERIFIED_EMAIL = True
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "OpenMASH"
MFA_RECOVERY_CODE_COUNT = 10

# Lockout after repeated failures (wrong password or wrong authenticator code) for one
# username. Not by client address: a MASH office shares one address, and five typos across
# the whole office must not lock everyone out — the per-address throttle above covers that.
AXES_FAILURE_LIMIT = E.LOCKOUT_FAILURES
AXES_COOLOFF_TIME = timedelta(hours=E.LOCKOUT_HOURS)
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "account/locked_out.html"
AXES_USERNAME_FORM_FIELD = "login"
AXES_USERNAME_CALLABLE = "openmash.accounts.adapters.axes_username"
# axes.W006 wants ip_address in the lockout parameters (see the comment above for why not);
# rotating user agents or cookies gains nothing here, as the count is per username only.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

# A shared cache (database table) so that TOTP replay protection and rate limits hold across
# every gunicorn worker process, not just the one that saw the first request.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "openmash_cache",
    }
}

CRISPY_ALLOWED_TEMPLATE_PACKS = ["gds"]
CRISPY_TEMPLATE_PACK = "gds"

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        # NONCE (not the string "'nonce'") makes django-csp add this request's nonce, which
        # base.html's one inline script (GOV.UK Frontend's js-enabled switch) carries.
        "script-src": ["'self'", NONCE],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

# The partner API (docs/decisions/0005-partner-api.md). Tokens first, so a request without
# credentials gets 401 with a WWW-Authenticate header; a signed-in (MFA) browser session works too.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "openmash.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "openmash.api.exceptions.api_exception_handler",
    # Per user, whichever way they signed in: generous for a partner system polling its queue.
    "DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.UserRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"user": "120/minute"},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "OpenMASH API",
    "DESCRIPTION": "For partner agencies' systems: their own agency's information requests. "
    "See docs/how-to/partner-api.md.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
}
# API tokens: hashed at rest (SHA-512), with an expiry chosen at creation; the prefix lets
# secret scanners recognise a leaked token.
KNOX_TOKEN_MODEL = "api.ApiToken"  # noqa: S105 - a model label, not a secret
# knox's own migrations create its default token table even when the model is swapped for
# ours, leaving an unused table with a foreign key to users (which also stops PostgreSQL
# from truncating users between transactional tests). The swapped model needs no table.
MIGRATION_MODULES = {"knox": None}
REST_KNOX = {"TOKEN_PREFIX": "openmash_", "TOKEN_TTL": timedelta(days=90), "AUTO_REFRESH": False}

# Task queue (Celery). See docs/decisions/0002-task-queue.md. The beat schedule is in
# config/celery.py. Messages carry only IDs; the state of each effect is in the database.
CELERY_BROKER_URL = E.CELERY_BROKER_URL
# Acknowledge after the task ran, so a task whose worker dies is redelivered (Redis/RabbitMQ;
# the embedded broker cannot redeliver, and the sweeps cover that case).
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
if CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    # An unacknowledged task is redelivered after this long; it must exceed the longest task.
    # Never use countdown/eta longer than this (back-offs live in the outbox table instead).
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 2 * 60 * 60}
# An outbox claim older than this is presumed dead (its worker was killed) and is re-sent by
# the sweep. Must exceed deliver_outbox_message's hard time limit (120 s).
OUTBOX_CLAIM_LEASE_SECONDS = 300

if E.EMAIL_URL:
    vars().update(environ.Env.email_url_config(E.EMAIL_URL))
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = VAR_DIR / "outbox"
DEFAULT_FROM_EMAIL = E.DEFAULT_FROM_EMAIL

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"timestamped": {"format": "%(asctime)s %(name)s %(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler"},
        **(
            {
                "chain_head_file": {
                    "class": "logging.handlers.WatchedFileHandler",
                    "filename": E.AUDIT_CHAIN_HEAD_LOG,
                    "formatter": "timestamped",
                }
            }
            if E.AUDIT_CHAIN_HEAD_LOG
            else {}
        ),
    },
    "root": {"handlers": ["console"], "level": "INFO"},
    "loggers": {
        # The audit chain head, kept outside the database (ADR 0001): on stderr through the
        # root handler, and appended to AUDIT_CHAIN_HEAD_LOG when that is set.
        "openmash.audit.chain_head": {
            "handlers": ["chain_head_file"] if E.AUDIT_CHAIN_HEAD_LOG else [],
            "level": "INFO",
        },
        "django.db.backends": {"level": "WARNING"},
        # WeasyPrint logs every rendering step at INFO; only its problems are worth reading.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
