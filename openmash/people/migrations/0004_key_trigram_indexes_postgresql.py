"""Trigram (GIN) indexes on the phonetic key strings, PostgreSQL only.

The search looks keys up with ``surname_keys LIKE '% SM0 %'``; a B-tree cannot serve a pattern
with a leading wildcard, so on a large index that was a scan of every name. pg_trgm's GIN
indexes answer LIKE patterns, so PostgreSQL finds the names holding a key (and, with a
BitmapAnd, those holding a surname key *and* a forename key) from the indexes alone. SQLite, for
the embedded demo, scans its few hundred rows.
"""

from django.db import migrations

_INDEXES = {
    "people_personname_surname_keys_trgm": "surname_keys",
    "people_personname_forename_keys_trgm": "forename_keys",
}


def _create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, column in _INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON people_personname "
            f"USING gin ({column} gin_trgm_ops)"
        )


def _drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in _INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("people", "0003_trigram_index_postgresql")]

    operations = [migrations.RunPython(_create, _drop, elidable=False)]
