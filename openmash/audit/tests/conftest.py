"""Fixtures for the audit tests: a way to tamper with the log as an attacker with database
access would, and a quick way to write entries."""

from contextlib import contextmanager

import pytest
from django.db import connection

from openmash.audit.services import AuditTarget, audit_record


@pytest.fixture
def tampering():
    """``with tampering() as cursor:`` raw SQL on the audit table, bypassing the ORM guard and,
    on PostgreSQL, the append-only trigger (disabled inside the test's transaction only)."""

    @contextmanager
    def _tampering():
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # ALTER TABLE needs the deferred foreign-key checks of earlier inserts done first.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute(
                    "ALTER TABLE audit_auditentry DISABLE TRIGGER audit_auditentry_append_only"
                )
            yield cursor
            if connection.vendor == "postgresql":
                cursor.execute(
                    "ALTER TABLE audit_auditentry ENABLE TRIGGER audit_auditentry_append_only"
                )
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")

    return _tampering


@pytest.fixture
def write_entries(db):
    """write_entries(n, actor=None) -> n CHANGE entries about made-up records."""

    def _write(n, actor=None, **kwargs):
        return [
            audit_record(
                actor,
                "updated",
                AuditTarget("tests.thing", str(i), f"Thing {i}"),
                {"changes": {"status": {"old": "open", "new": f"state {i}"}}},
                **kwargs,
            )
            for i in range(n)
        ]

    return _write
