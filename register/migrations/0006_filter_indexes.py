"""PostgreSQL indexes for the register's filter combinations (EXPLAIN ANALYZE at 200,000 published
barriers, bench/register.py).

* ``register_barrier_agency_listed``: agency + state + filing year is one index range (the year
  filter had only ``register_barrier_unresolved``, whose second column is ``submitted_at``, so it
  read the whole index); the included columns are what the public conditions and the "due" and
  "affected" orders read, so the matches are checked and sorted without the barrier rows.
* ``register_barrier_sector_barrier``: a sector's barriers as an index-only scan (the sector
  filter read about 1,300 heap pages of ``barriers_barrier_sectors`` for 35,000 rows).

Both are on barriers' tables but only the register's filters use them (as in 0003); SQLite's small
tables do not need them.
"""

from django.db import migrations

INDEXES = {
    "register_barrier_agency_listed": (
        "barriers_barrier",
        "(lead_agency_id, status, submitted_at)"
        " INCLUDE (privacy, triaged_at, due_on, affected_firm_count, due_step, due_at)",
    ),
    "register_barrier_sector_barrier": ("barriers_barrier_sectors", "(sector_id, barrier_id)"),
}


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, (table, definition) in INDEXES.items():
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} {definition}")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("register", "0005_live_publication_index"), ("barriers", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
