"""The person search's GIN trigram indexes without a pending list (``fastupdate = off``),
PostgreSQL only.

They serve every candidate query of ``people.search.candidate_ids``: the key lookups
(``surname_keys LIKE '% SM0 %'``, ``forename_keys LIKE '% JN %'``: migration 0004) and the
trigram similarity of misspelt names (``surname % 'Kowalcyzk'``, ``forename % 'Jennnifer'``:
migrations 0003 and 0005).

By default a GIN index gathers new entries in a pending list, up to 4 MB, which every scan of
the index reads from end to end until a VACUUM (or a list overflowing) merges it into the index.
The person index is read on every search and written a few times a day, and autovacuum's insert
threshold (20% of the table) is rarely reached on it, so the list was nearly always there: on
the benchmark's 335,000 names each key lookup read ~300 pending pages (2–4 ms) where the index
itself needed ~20 (0.1 ms), and a search makes up to a dozen such lookups (EXPLAIN (ANALYZE,
BUFFERS) of the full-name query of "William French": 13.6 ms, 1,331 buffers).

With ``fastupdate`` off each new name goes straight into the index (slightly slower inserts,
which are rare), and ``gin_clean_pending_list`` merges what was pending.
"""

from django.db import migrations

_INDEXES = (
    "people_personname_surname_keys_trgm",
    "people_personname_forename_keys_trgm",
    "people_personname_surname_trgm",
    "people_personname_forename_trgm",
)


def _without_pending_list(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in _INDEXES:
        schema_editor.execute(f"ALTER INDEX IF EXISTS {name} SET (fastupdate = off)")
        schema_editor.execute(
            f"SELECT gin_clean_pending_list(c.oid) FROM pg_class c WHERE c.relname = '{name}'"
        )


def _with_pending_list(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in _INDEXES:
        schema_editor.execute(f"ALTER INDEX IF EXISTS {name} RESET (fastupdate)")


class Migration(migrations.Migration):
    dependencies = [("people", "0005_forename_trigram_index_postgresql")]

    operations = [
        migrations.RunPython(_without_pending_list, _with_pending_list, elidable=False)
    ]
