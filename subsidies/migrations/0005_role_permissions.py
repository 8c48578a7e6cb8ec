from django.db import migrations

from huzhou_craftsman.accounts.roles import sync_role_groups_migration


class Migration(migrations.Migration):
    dependencies = [("subsidies", "0004_studios_and_policy_figures")]

    operations = [migrations.RunPython(sync_role_groups_migration, migrations.RunPython.noop)]
