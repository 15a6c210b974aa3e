"""PostgreSQL indexes on barriers_barrier that only the register's sorts and overdue filter use.

They live here, not in the barriers app, because the register's orderings decide their shape
(``register.selectors._ORDERINGS`` and ``overdue_q``); SQLite's small tables do not need them.
"""

from django.db import migrations

OWED = "('triage', 'agency_answer', 'second_answer', 'escalation')"
INDEXES = {
    "register_barrier_owed_due": f"(due_at) WHERE due_step IN {OWED}",
    "register_barrier_affected": "(affected_firm_count DESC, id DESC)",
    "register_barrier_unresolved": "(closed_at DESC NULLS FIRST, submitted_at, id)",
}


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, definition in INDEXES.items():
        on, _, where = definition.partition(" WHERE ")
        sql = f"CREATE INDEX IF NOT EXISTS {name} ON barriers_barrier {on}"
        schema_editor.execute(sql + (f" WHERE {where}" if where else ""))


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("register", "0002_search_index"), ("barriers", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
