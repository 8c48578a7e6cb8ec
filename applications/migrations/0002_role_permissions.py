from django.db import migrations

from huzhou_craftsman.accounts.roles import sync_role_groups_migration


class Migration(migrations.Migration):
    dependencies = [("applications", "0001_initial"), ("accounts", "0002_districts_roles_audit_guard")]

    operations = [migrations.RunPython(sync_role_groups_migration, migrations.RunPython.noop)]
