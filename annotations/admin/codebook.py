"""Each workspace's codebook: tags, their usage, merging and clean-up; and who tagged which passage.

A curator sees, changes, merges and deletes the tags of the workspaces they curate, nothing else;
the rules (one name per workspace whatever its case, #RRGGBB colours, merging within one
codebook) live in the model and the services."""

from django import forms
from django.contrib import admin
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import HttpResponseNotAllowed
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.html import format_html
from django.utils.text import Truncator
from simple_history.admin import SimpleHistoryAdmin
from taggit.models import Tag as TaggitTag

from .. import services
from ..models import Tag, TaggedHighlight, TaggedPassage, TaggedReport
from . import filters
from .actions import SurvivorForm, action_page, bound_form, run_service
from .scoping import ScopedAdmin, count_column
from .similar_tags import similar_groups


def merge_preview(tags):
    """What a merge of `tags` leaves behind, whichever is kept: the items carrying any of them
    (each once) and how many carried more than one; or why they cannot be merged."""
    workspaces = tags.values("workspace").distinct().count()
    if workspaces > 1:
        return {"refusal": f"These tags belong to {workspaces} workspaces: only tags of one codebook can be merged."}
    counts = {}
    for kind, link_model in (("passages", TaggedPassage), ("highlights", TaggedHighlight), ("reports", TaggedReport)):
        links = link_model.objects.filter(tag__in=tags)
        counts[kind] = links.values("content_object").distinct().count()
        counts[f"{kind}_doubled"] = links.values("content_object").annotate(n=Count("pk")).filter(n__gt=1).count()
    return counts


# taggit registers its own generic Tag model, which this project does not use: our codebook is
# annotations.Tag. Listing both would send curators to an always-empty list.
if admin.site.is_registered(TaggitTag):
    admin.site.unregister(TaggitTag)


class TagForm(forms.ModelForm):
    class Meta:
        model = Tag
        fields = ("workspace", "name", "description", "color")
        widgets = {"color": forms.TextInput(attrs={"type": "color"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # A tag stays in its codebook (its links are in that workspace). Disabled rather than
            # read-only, so the one-name-per-codebook rule is still checked on a rename.
            self.fields["workspace"].disabled = True


@admin.register(Tag)
class TagAdmin(ScopedAdmin, SimpleHistoryAdmin):
    form = TagForm
    list_display = ("swatch", "name", "workspace", "summary", "passage_count", "highlight_count", "report_count")
    list_display_links = ("name",)
    list_select_related = ("workspace",)
    list_filter = (("workspace", admin.RelatedOnlyFieldListFilter), filters.TagUsageFilter)
    search_fields = ("name", "description")
    fields = ("workspace", "name", "description", "color", "slug", "uuid", "usage")
    readonly_fields = ("slug", "uuid", "usage")
    actions = ("merge_tags", "delete_unused")

    def get_queryset(self, request):
        return super().get_queryset(request).with_usage()

    def get_urls(self):
        similar = path("similar/", self.admin_site.admin_view(self.similar_view), name="annotations_tag_similar")
        return [similar, *super().get_urls()]

    def similar_view(self, request):
        """Groups of tags whose names look like one code typed twice, per codebook, to merge."""
        if request.method != "GET":
            return HttpResponseNotAllowed(["GET"])
        if not self.has_change_permission(request):
            raise PermissionDenied
        tags = self.get_queryset(request).select_related("workspace")
        context = {
            **self.admin_site.each_context(request),
            "title": "Similar tag names",
            "opts": self.model._meta,
            "groups": similar_groups(tags),
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/annotations/similar_tags.html", context)

    @admin.display(description="colour")
    def swatch(self, obj):
        return format_html(
            '<span title="{}" style="display:inline-block;width:1.2em;height:1.2em;border-radius:3px;'
            'border:1px solid #0003;background:{}"></span>',
            obj.color,
            obj.color,
        )

    @admin.display(description="description")
    def summary(self, obj):
        return Truncator(obj.description).chars(100)

    passage_count = count_column("passage_count", "passages")

    highlight_count = count_column("highlight_count", "highlights")

    report_count = count_column("report_count", "reports")

    @admin.display(description="used on")
    def usage(self, obj):
        if obj.pk is None:
            return "—"
        return f"{obj.passage_count} passages, {obj.highlight_count} highlights, {obj.report_count} reports"

    @admin.action(description="Merge the selected tags into one…", permissions=["change"])
    def merge_tags(self, request, queryset):
        form = bound_form(SurvivorForm, request, candidates=queryset, label="Keep this tag")
        if form.is_bound and form.is_valid():
            survivor = form.cleaned_data["survivor"]
            run_service(
                self,
                request,
                lambda: services.tags_merge(survivor=survivor, merged=list(queryset)),
                lambda merged: f"Merged {merged} tag(s) into “{survivor}”.",
            )
            return None
        return action_page(
            self,
            request,
            queryset,
            action="merge_tags",
            title="Merge tags",
            form=form,
            template="admin/annotations/merge_tags.html",
            preview=merge_preview(queryset),
        )

    @admin.action(description="Delete the selected tags that are not used anywhere…", permissions=["change"])
    def delete_unused(self, request, queryset):
        if "apply" in request.POST:
            run_service(
                self,
                request,
                lambda: services.tags_delete_unused(tags=queryset),
                lambda names: f"Deleted {len(names)} unused tag(s): {', '.join(names) or 'none'}.",
            )
            return None
        tags = list(queryset)
        return action_page(
            self,
            request,
            queryset,
            action="delete_unused",
            title="Delete unused tags",
            template="admin/annotations/delete_unused_tags.html",
            unused=[t for t in tags if t.usage_count == 0],
            kept=[t for t in tags if t.usage_count],
        )


@admin.register(TaggedPassage)
class TaggedPassageAdmin(ScopedAdmin):
    list_display = ("tag", "content_object", "added_by", "created_at")
    list_select_related = ("tag", "content_object", "added_by")
    list_filter = (
        ("tag", admin.RelatedOnlyFieldListFilter),
        ("content_object__report__workspace", admin.RelatedOnlyFieldListFilter),
        ("added_by", admin.RelatedOnlyFieldListFilter),
        "created_at",
    )
    search_fields = ("tag__name", "content_object__text")
    autocomplete_fields = ("content_object", "tag")
    readonly_fields = ("added_by", "created_at")
