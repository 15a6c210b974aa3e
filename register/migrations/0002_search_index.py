"""Full-text structures over Publication.search_tokens (FTS5 on SQLite, GIN tsvector on PostgreSQL)."""

from django.db import migrations


def forwards(apps, schema_editor):
    from register import search

    search.install(schema_editor.connection)


def backwards(apps, schema_editor):
    from register import search

    search.uninstall(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("register", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
