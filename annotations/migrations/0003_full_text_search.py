"""Full-text search indexes (see annotations/search.py).

PostgreSQL: a stored generated tsvector column per searched column with a GIN index on it.
SQLite: an external-content FTS5 table per searched column, kept in sync by triggers.
Other databases: nothing (search would run unindexed).
"""

from django.db import migrations

from annotations import search


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    with schema_editor.connection.cursor() as cursor:
        for model, column in search.SEARCHED:
            if vendor == "postgresql":
                search.postgres_install(cursor, model._meta.db_table, column)
            elif vendor == "sqlite":
                search.sqlite_fts_install(cursor, model._meta.db_table, column)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    with schema_editor.connection.cursor() as cursor:
        for model, _column in search.SEARCHED:
            if vendor == "postgresql":
                search.postgres_uninstall(cursor, model._meta.db_table)
            elif vendor == "sqlite":
                search.sqlite_fts_uninstall(cursor, model._meta.db_table)


class Migration(migrations.Migration):
    dependencies = [("annotations", "0002_admin_verbose_names")]

    operations = [migrations.RunPython(forwards, backwards)]
