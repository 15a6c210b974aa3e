"""Rate-limit counters in an UNLOGGED table on PostgreSQL.

Every API request bumps its counters (one upsert). In a logged table each bump writes WAL and
waits for it to reach disk at commit — most of the database's share of a trivial request. The
counters are worth nothing after a crash: PostgreSQL empties an unlogged table after an unclean
restart (windows start afresh, at most an hour of allowance regained) and does not copy it to a
standby (every web process writes and reads the primary). Sign-in failures (``SignInAttempt``),
the lasting abuse record, stay in a logged table. Other databases: nothing to do.
"""

from django.db import migrations


def _set_unlogged(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE accounts_ratelimitbucket SET UNLOGGED")


def _set_logged(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE accounts_ratelimitbucket SET LOGGED")


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_security")]

    operations = [migrations.RunPython(_set_unlogged, _set_logged, elidable=False)]
