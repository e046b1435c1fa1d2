"""Create one Role row per roles.Role code. New codes need a new migration like this one."""

from django.db import migrations

ROLES = [
    ("referral_officer", "Referral and information officer"),
    ("practice_manager", "SPA and MASH practice manager"),
    ("mash_social_worker", "MASH social worker"),
    ("team_manager", "Team manager"),
    ("early_help", "Early help social worker or co-ordinator"),
    ("partner_practitioner", "Partner agency MASH practitioner"),
    ("area_manager", "First Response area manager"),
    ("dpo", "Data protection officer"),
    ("administrator", "Administrator"),
]


def create_roles(apps, schema_editor):
    Role = apps.get_model("accounts", "Role")
    for code, name in ROLES:
        Role.objects.update_or_create(code=code, defaults={"name": name})


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]
    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
