"""Trigram similarity for surname search on PostgreSQL (pg_trgm), skipped on other databases.

SQLite has no pg_trgm: the person search there relies on the phonetic key columns alone, which
every database shares. pg_trgm is a trusted extension (PostgreSQL 13+), so the database owner
may create it without superuser rights.
"""

from django.db import migrations

_FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS people_personname_surname_trgm "
    "ON people_personname USING gin (surname gin_trgm_ops)",
]
_BACKWARD = ["DROP INDEX IF EXISTS people_personname_surname_trgm"]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("people", "0002_widen_name_keys")]

    operations = [migrations.RunPython(_run(_FORWARD), _run(_BACKWARD), elidable=False)]
