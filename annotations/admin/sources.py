"""Sources and the links between passages and sources, with merging of duplicate sources."""

from urllib.parse import urlsplit

from django.contrib import admin
from django.db import transaction
from django.db.models import OuterRef
from django.urls import reverse
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from .. import services
from ..models import Source, SourceLink, count_of
from . import filters
from .actions import SurvivorForm, action_page, bound_form, run_service
from .scoping import ScopedAdmin, ScopedInline, count_column


def address_key(source):
    """Sources whose URLs differ only by http/https or a leading "www." are the same page.

    Identical normalized URLs cannot repeat within a workspace (a database constraint), so these
    near-identical addresses are the duplicates left to find."""
    parts = urlsplit(source.url_normalized)
    return (source.workspace_id, parts.netloc.removeprefix("www."), parts.path, parts.query)


def duplicate_groups(sources):
    """Groups (survivor first: most links, then oldest) of sources that share an address."""
    groups = {}
    for source in sources:
        groups.setdefault(address_key(source), []).append(source)
    return [
        sorted(group, key=lambda s: (-s.link_count, s.created_at, s.pk)) for group in groups.values() if len(group) > 1
    ]


class LinkOfSourceInline(ScopedInline, admin.TabularInline):
    model = SourceLink
    fields = ("passage", "relation", "footnote", "note", "added_by")
    readonly_fields = ("added_by",)
    autocomplete_fields = ("passage",)
    verbose_name = "passage citing this source"
    verbose_name_plural = "passages citing this source"


@admin.register(Source)
class SourceAdmin(ScopedAdmin, SimpleHistoryAdmin):
    list_display = ("title", "address", "workspace", "kind", "published_on", "link_count", "passages", "created_at")
    list_select_related = ("workspace",)
    list_filter = (("workspace", admin.RelatedOnlyFieldListFilter), "kind", "published_on", "created_at")
    search_fields = ("title", "url", "doi", "authors", "publisher")
    autocomplete_fields = ("workspace",)
    readonly_fields = ("uuid", "url_normalized", "passages", "created_at")
    fields = (
        "workspace",
        "url",
        "title",
        "authors",
        "publisher",
        "published_on",
        "accessed_on",
        "kind",
        "doi",
        "notes",
        "passages",
        "url_normalized",
        "uuid",
        "created_at",
    )
    inlines = (LinkOfSourceInline,)
    actions = ("merge_sources", "merge_same_address")

    def get_queryset(self, request):
        links = SourceLink.objects.filter(source=OuterRef("pk"))
        return super().get_queryset(request).annotate(link_count=count_of(links))

    @admin.display(description="URL", ordering="url")
    def address(self, obj):
        return format_html('<a href="{}" rel="noopener noreferrer" target="_blank">{}</a>', obj.url, obj.url)

    link_count = count_column("link_count", "links")

    @admin.display(description="passages citing it")
    def passages(self, obj):
        if obj.pk is None:
            return "—"
        url = reverse("admin:annotations_passage_changelist") + f"?source={obj.uuid}"
        return format_html('<a href="{}">passages</a>', url)

    @admin.action(description="Merge the selected sources into one…", permissions=["change"])
    def merge_sources(self, request, queryset):
        form = bound_form(SurvivorForm, request, candidates=queryset, label="Keep this source")
        if form.is_bound and form.is_valid():
            survivor = form.cleaned_data["survivor"]
            run_service(
                self,
                request,
                lambda: services.sources_merge(survivor=survivor, duplicates=queryset.exclude(pk=survivor.pk)),
                lambda merged: f"Merged {merged} source(s) into “{survivor}”.",
            )
            return None
        return action_page(
            self,
            request,
            queryset,
            action="merge_sources",
            title="Merge sources",
            form=form,
            template="admin/annotations/merge_sources.html",
        )

    @admin.action(description="Merge sources whose addresses differ only by http(s) or www.…", permissions=["change"])
    def merge_same_address(self, request, queryset):
        groups = duplicate_groups(queryset)
        if not groups:
            self.message_user(request, "No two selected sources share an address.", level="warning")
            return None
        if "apply" in request.POST:

            @transaction.atomic
            def merge_all():
                return sum(services.sources_merge(survivor=group[0], duplicates=group[1:]) for group in groups)

            run_service(
                self, request, merge_all, lambda merged: f"Merged {merged} duplicate source(s) into {len(groups)}."
            )
            return None
        return action_page(
            self,
            request,
            queryset,
            action="merge_same_address",
            title="Merge sources that share an address",
            template="admin/annotations/merge_sources.html",
            groups=groups,
        )


@admin.register(SourceLink)
class SourceLinkAdmin(ScopedAdmin, SimpleHistoryAdmin):
    list_display = ("passage", "relation", "source", "footnote", "added_by", "created_at")
    list_select_related = ("passage", "source", "added_by")
    list_filter = (
        "relation",
        filters.PASSAGE_WORKSPACE,
        "source__kind",
        ("added_by", admin.RelatedOnlyFieldListFilter),
        "created_at",
    )
    search_fields = ("source__title", "source__url", "passage__text", "note")
    autocomplete_fields = ("passage", "source", "highlight")
    readonly_fields = ("uuid", "added_by", "created_at")
