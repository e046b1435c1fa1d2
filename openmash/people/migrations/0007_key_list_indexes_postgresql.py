"""GIN indexes on the phonetic key strings as arrays of keys, PostgreSQL only.

They serve every key lookup of ``people.search.candidate_ids`` (``search._any_key``):
``string_to_array(btrim(surname_keys), ' ') && ARRAY['FRNK','FRNX']::text[]``, and the same for
``forename_keys``, alone or combined (a surname key *and* a forename key in common: a
BitmapAnd of both indexes).

The trigram indexes of migration 0004 answered ``surname_keys LIKE '% FRNK %'`` by intersecting
the posting lists of the pattern's trigrams, some of which (``"  a"``, the start of any key
beginning with A) are held by a large share of all names, then rechecking every row. An index
of the keys themselves has one posting list per key. EXPLAIN ANALYZE of the full-name query of
"William French" on the benchmark's 335,000 names: 1.9 ms with the trigram indexes, 0.5 ms with
these (each about 2 MB).

The trigram indexes of migration 0004 are kept for now: a branch without this migration still
searches with ``LIKE`` on the shared benchmark database. Drop them once nothing does.
"""

from django.db import migrations

_INDEXES = {
    "people_personname_surname_key_list": "surname_keys",
    "people_personname_forename_key_list": "forename_keys",
}


def _create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, column in _INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON people_personname "
            f"USING gin ((string_to_array(btrim({column}), ' '))) WITH (fastupdate = off)"
        )
    # Statistics of the indexed expressions, so the planner knows how selective a key is.
    schema_editor.execute("ANALYZE people_personname")


def _drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in _INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("people", "0006_trigram_indexes_without_pending_list")]

    operations = [migrations.RunPython(_create, _drop, elidable=False)]
