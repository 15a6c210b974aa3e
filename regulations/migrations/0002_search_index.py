from django.db import migrations


def forwards(apps, schema_editor):
    from regulations.search import schema

    schema.install(schema_editor.connection)


def backwards(apps, schema_editor):
    from regulations.search import schema

    schema.uninstall(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("regulations", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
