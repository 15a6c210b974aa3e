"""A PostgreSQL covering index so the register's counts check a barrier's public conditions and
filters without reading the barrier rows (an index-only scan per publication)."""

from django.db import migrations

NAME = "register_barrier_listed"
COLUMNS = "privacy, status, triaged_at, submitted_at, lead_agency_id, due_step, due_at, affected_firm_count"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {NAME} ON barriers_barrier (id) INCLUDE ({COLUMNS})")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {NAME}")


class Migration(migrations.Migration):
    dependencies = [("register", "0003_barrier_register_indexes")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
