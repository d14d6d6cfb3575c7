from django.apps import AppConfig
from django.db.models.signals import post_delete, post_migrate


def _repair_search_index(using, **kwargs):
    from .search import sqlite_fts_repair

    sqlite_fts_repair(using)


def _report_deleted(instance, **kwargs):
    from .versioning import work_after_version_deleted

    work_after_version_deleted(instance)


class AnnotationsConfig(AppConfig):
    name = "annotations"
    verbose_name = "Report annotation"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        post_migrate.connect(_repair_search_index, sender=self)
        from .sharing import tombstones

        tombstones.connect()

        from . import signals

        signals.connect()

        # However a report is deleted (admin, queryset, workspace cascade), its work stays coherent.
        post_delete.connect(_report_deleted, sender="annotations.Report")
