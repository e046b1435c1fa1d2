"""A trigram (GIN) index on forenames, PostgreSQL only: a names-only search finds a forename
misspelt so that its phonetic key changed ("Jennnifer") by trigram similarity, intersected with
the surname keys on the same row."""

from django.db import migrations


def _create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS people_personname_forename_trgm "
            "ON people_personname USING gin (forename gin_trgm_ops)"
        )


def _drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS people_personname_forename_trgm")


class Migration(migrations.Migration):
    dependencies = [("people", "0004_key_trigram_indexes_postgresql")]

    operations = [migrations.RunPython(_create, _drop, elidable=False)]
