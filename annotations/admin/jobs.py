"""Background jobs, for the curators of their workspaces: read-only (a job's record is what
happened; the worker alone writes it), with its outcome and a link to its page in the app (the
progress, and an export's download)."""

from django.contrib import admin
from django.utils.html import format_html

from ..models import Job
from .scoping import ScopedAdmin


@admin.register(Job)
class JobAdmin(ScopedAdmin):
    list_display = ("kind", "status", "workspace", "created_by", "created_at", "finished_at", "outcome")
    list_select_related = ("workspace", "created_by")
    list_filter = ("status", "kind", ("workspace", admin.RelatedOnlyFieldListFilter), "created_at")
    search_fields = ("message", "params")
    date_hierarchy = "created_at"
    # Never the payload (an uploaded file, up to megabytes) or the export's file: the job's page has the download.
    fields = (
        "uuid",
        "kind",
        "status",
        "workspace",
        "created_by",
        "created_at",
        "started_at",
        "finished_at",
        "worker",
        "progress",
        "message",
        "report",
        "params",
        "job_page",
    )
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).defer("payload", "result")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="outcome")
    def outcome(self, obj):
        return obj.message.splitlines()[0][:120] if obj.message else "—"

    @admin.display(description="progress")
    def progress(self, obj):
        return f"{obj.phase or '—'}: {obj.done} of {obj.total}" if obj.total else obj.phase or "—"

    @admin.display(description="in the app")
    def job_page(self, obj):
        text = "Download and outcome" if obj.result_name else "Progress and outcome"
        return format_html('<a href="{}">{}</a>', obj.get_absolute_url(), text)
