"""Report series (works) and the orphans of their versions, for the curators of their workspaces.

Both are read-only here: a work changes when a version is imported or deleted, and an orphan is
placed or dismissed on its report's Needs review page, which each row links to (the place where
its candidates are shown and one click resolves it). Orphans may be deleted, by whoever may delete
what they hang on: deleting a report or a passage here deletes its orphans with it."""

from django.contrib import admin
from django.db.models import OuterRef
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from ..models import Orphan, Report, Work, count_of
from .scoping import ReadOnlyInline, ScopedAdmin, count_column


class ReadOnlyAdmin(ScopedAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class VersionInline(ReadOnlyInline, admin.TabularInline):
    model = Report
    fields = ("version_number", "title", "is_latest", "created_at", "imported_by")
    readonly_fields = fields
    ordering = ("version_number",)
    verbose_name = "version"
    show_change_link = True

    def has_view_permission(self, request, obj=None):
        # The work is read-only, so "may change the parent" (ReadOnlyInline's test) is never true.
        return self.admin_site._registry[self.parent_model].has_view_permission(request, obj)


@admin.register(Work)
class WorkAdmin(ReadOnlyAdmin):
    def has_delete_permission(self, request, obj=None):
        return False  # a work goes with its last version

    list_display = ("title", "workspace", "version_count", "created_at")
    list_select_related = ("workspace",)
    list_filter = (("workspace", admin.RelatedOnlyFieldListFilter), "created_at")
    search_fields = ("title",)
    fields = ("title", "workspace", "uuid", "created_at")
    readonly_fields = fields
    inlines = (VersionInline,)
    version_count = count_column("version_count", "versions")

    def get_queryset(self, request):
        return (
            super().get_queryset(request).annotate(version_count=count_of(Report.objects.filter(work=OuterRef("pk"))))
        )


@admin.register(Orphan)
class OrphanAdmin(ReadOnlyAdmin):
    list_display = ("what", "report", "reason", "status", "created_at", "review")
    list_select_related = ("report__workspace", "passage", "highlight")
    list_filter = ("status", ("report__workspace", admin.RelatedOnlyFieldListFilter), "created_at")
    search_fields = ("reason", "highlight__exact", "passage__text", "report__title")
    fields = (
        "what",
        "report",
        "passage",
        "reason",
        "status",
        "candidate_passages",
        "placed_in",
        "resolved_by",
        "resolved_at",
        "created_at",
        "review",
    )
    readonly_fields = fields

    @admin.display(description="annotation")
    def what(self, obj):
        if obj.highlight_id:
            return f"highlight “{obj.highlight.exact[:80]}”"
        return f"annotations of passage {obj.passage.label or obj.passage.order}"

    @admin.display(description="candidates")
    def candidate_passages(self, obj):
        return format_html_join(", ", "{} ({}%)", ((c["passage"], c["score"]) for c in obj.candidates)) or "—"

    @admin.display(description="Needs review")
    def review(self, obj):
        if obj.status != Orphan.Status.OPEN:
            return "—"
        return format_html(
            '<a href="{}#o-{}">Place or dismiss</a>',
            reverse("annotations:report-orphans", args=[obj.report.uuid]),
            obj.uuid,
        )
