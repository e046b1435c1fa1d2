from django.db import migrations


class Migration(migrations.Migration):
    """The disposal log's date is when the disposed records' periods *started* (the cutoff
    anchor date), not when they ended: say so in its name."""

    dependencies = [
        ("governance", "0004_rights_retention_breaches"),
    ]

    operations = [
        migrations.RenameField(
            model_name="disposallog",
            old_name="ended_on_or_before",
            new_name="started_on_or_before",
        ),
    ]
