"""Full-text search indexes (see annotations/search.py).

PostgreSQL: a GIN expression index per searched column, built from the same SearchVector the
search filters with, so the planner uses it. SQLite: an external-content FTS5 table per searched
column, kept in sync by triggers. Other databases: nothing (search would not be indexed).
"""

from django.contrib.postgres.indexes import GinIndex
from django.db import migrations

from annotations import search


def _searched(apps):
    for model, column in search.SEARCHED:
        yield apps.get_model("annotations", model.__name__), model, column


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for historical, model, column in _searched(apps):
        if vendor == "postgresql":
            index = GinIndex(search.document(column), name=search.postgres_index_name(model, column))
            schema_editor.add_index(historical, index)
        elif vendor == "sqlite":
            with schema_editor.connection.cursor() as cursor:
                search.sqlite_fts_install(cursor, model._meta.db_table, column)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for historical, model, column in _searched(apps):
        if vendor == "postgresql":
            index = GinIndex(search.document(column), name=search.postgres_index_name(model, column))
            schema_editor.remove_index(historical, index)
        elif vendor == "sqlite":
            with schema_editor.connection.cursor() as cursor:
                search.sqlite_fts_uninstall(cursor, model._meta.db_table)


class Migration(migrations.Migration):
    dependencies = [("annotations", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
