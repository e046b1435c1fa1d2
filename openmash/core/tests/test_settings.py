"""Settings: production passes Django's deployment checks; demo mode never leaks outside."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parents[3]


def _manage(*args, **env):
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    full_env.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_check_deploy_without_warnings():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(64),
        DJANGO_ALLOWED_HOSTS="mash.example.org",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    result = _manage(
        "check", DJANGO_SETTINGS_MODULE="config.settings.production", DJANGO_SECRET_KEY=""
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_production_never_loads_demo_data():
    result = _manage(
        "load_demo_data",
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(64),
        DATABASE_URL="sqlite:///:memory:",
    )
    assert result.returncode != 0
    assert "only loaded in demo mode" in result.stderr


def test_test_settings_are_not_demo_mode_and_sessions_expire_when_idle():
    assert settings.DEMO_MODE is False
    assert settings.SESSION_SAVE_EVERY_REQUEST is True
    assert settings.SESSION_COOKIE_AGE == 30 * 60


def test_environment_is_read_in_one_place():
    """Only config/env.py reads os.environ (STYLE: one place for configuration)."""
    offenders = []
    for path in list((ROOT / "openmash").rglob("*.py")) + list((ROOT / "config").rglob("*.py")):
        if path.name == "env.py" or "tests" in path.parts or "migrations" in path.parts:
            continue
        text = path.read_text()
        if "os.environ[" in text or "os.getenv(" in text or "environ.get(" in text:
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_postgresql_statements_are_prepared_unless_turned_off():
    """ADR 0011: server-side binding with psycopg's prepare threshold; 0 turns it off (for
    connection poolers that cannot keep prepared statements)."""
    show = "from django.conf import settings; print(settings.DATABASES['default']['OPTIONS'])"
    url = "postgres://postgres@127.0.0.1:5432/unused"
    on = _manage("shell", "-c", show, DATABASE_URL=url)
    assert "'server_side_binding': True" in on.stdout and "'prepare_threshold': 5" in on.stdout
    off = _manage("shell", "-c", show, DATABASE_URL=url, DATABASE_PREPARE_THRESHOLD="0")
    assert "server_side_binding" not in off.stdout, off.stdout
