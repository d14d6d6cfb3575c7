"""Team workspaces and their members. Curators manage the members of their own workspaces;
creating or deleting a workspace is for superusers."""

from django.contrib import admin
from django.db.models import OuterRef

from ..models import Membership, Report, Source, Workspace, count_of
from .scoping import ScopedAdmin, ScopedInline, count_column


class MembershipInline(ScopedInline, admin.TabularInline):
    model = Membership
    fields = ("user", "role", "created_at")
    readonly_fields = ("created_at",)
    show_change_link = False


@admin.register(Workspace)
class WorkspaceAdmin(ScopedAdmin):
    list_display = ("name", "slug", "member_count", "report_count", "source_count", "created_at")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    readonly_fields = ("created_at",)
    inlines = (MembershipInline,)

    def get_queryset(self, request):
        of_workspace = {"workspace": OuterRef("pk")}
        return (
            super()
            .get_queryset(request)
            .annotate(
                member_count=count_of(Membership.objects.filter(**of_workspace)),
                report_count=count_of(Report.objects.filter(**of_workspace)),
                source_count=count_of(Source.objects.filter(**of_workspace)),
            )
        )

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    member_count = count_column("member_count", "members")

    report_count = count_column("report_count", "reports")

    source_count = count_column("source_count", "sources")


@admin.register(Membership)
class MembershipAdmin(ScopedAdmin):
    list_display = ("user", "workspace", "role", "created_at")
    list_select_related = ("user", "workspace")
    list_filter = ("role", ("workspace", admin.RelatedOnlyFieldListFilter))
    search_fields = ("user__username", "user__first_name", "user__last_name", "workspace__name")
    autocomplete_fields = ("workspace",)
    readonly_fields = ("created_at",)
