"""The shared codebook: tags, their usage, merging and clean-up; and who tagged which passage.

Tags belong to no workspace: every curator may view and edit them, and merging keeps every
tagging. Deleting a tag that is in use would strip other teams' work, so only superusers may;
curators remove unused tags with the clean-up action."""

from django import forms
from django.contrib import admin
from django.core.validators import RegexValidator
from django.db.models import F, OuterRef
from django.utils.html import format_html
from django.utils.text import Truncator
from simple_history.admin import SimpleHistoryAdmin
from taggit.models import Tag as TaggitTag

from .. import services
from ..models import Tag, TaggedHighlight, TaggedPassage, TaggedReport, count_of
from . import filters
from .actions import SurvivorForm, action_page, bound_form, run_service
from .scoping import ScopedAdmin, count_column, curates_somewhere

# taggit registers its own generic Tag model, which this project does not use: our codebook is
# annotations.Tag. Listing both would send curators to an always-empty list.
if admin.site.is_registered(TaggitTag):
    admin.site.unregister(TaggitTag)


class TagForm(forms.ModelForm):
    color = forms.CharField(
        max_length=7,
        initial="#6b7280",
        validators=[RegexValidator(r"^#[0-9a-fA-F]{6}$", "Give the colour as # and six hex digits, e.g. #1d4ed8.")],
        widget=forms.TextInput(attrs={"type": "color"}),
        help_text="Colour of the tag's chips in the reading view.",
    )

    class Meta:
        model = Tag
        fields = ("name", "description", "color")

    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        existing = Tag.objects.filter(name__iexact=name).exclude(pk=self.instance.pk).first()
        if existing:
            raise forms.ValidationError(f"A tag named '{name}' already exists as '{existing.name}'.")
        return name


@admin.register(Tag)
class TagAdmin(SimpleHistoryAdmin):
    form = TagForm
    list_display = ("swatch", "name", "summary", "passage_count", "highlight_count", "report_count")
    list_display_links = ("name",)
    list_filter = (filters.TagUsageFilter,)
    search_fields = ("name", "description")
    readonly_fields = ("slug", "usage")
    fields = ("name", "description", "color", "slug", "usage")
    actions = ("merge_tags", "delete_unused")

    def get_queryset(self, request):
        def used_on(link_model):
            return count_of(link_model.objects.filter(tag=OuterRef("pk")))

        return (
            super()
            .get_queryset(request)
            .annotate(
                passage_count=used_on(TaggedPassage),
                highlight_count=used_on(TaggedHighlight),
                report_count=used_on(TaggedReport),
            )
            .annotate(usage_count=F("passage_count") + F("highlight_count") + F("report_count"))
        )

    def has_module_permission(self, request):
        return curates_somewhere(request)

    def has_view_permission(self, request, obj=None):
        return curates_somewhere(request)

    def has_change_permission(self, request, obj=None):
        return curates_somewhere(request)

    def has_add_permission(self, request):
        return curates_somewhere(request)

    def has_delete_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

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

    @admin.display(description="used on (all workspaces)")
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
