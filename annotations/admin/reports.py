"""Reports, their sections and passages, highlights and comments."""

from django import forms
from django.contrib import admin, messages
from django.db.models import OuterRef, Prefetch
from django.db.models.functions import Lower
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator
from simple_history.admin import SimpleHistoryAdmin

from .. import services
from ..models import (
    Comment,
    Highlight,
    Passage,
    Report,
    Section,
    SourceLink,
    Tag,
    TaggedHighlight,
    TaggedPassage,
    TaggedReport,
    count_of,
)
from ..versioning import passage_text_changed
from . import filters
from .actions import ChooseTagForm, TagNameForm, action_page, bound_form, fixture_download, run_service
from .autocomplete import passage_choice_label
from .scoping import ReadOnlyInline, ScopedAdmin, ScopedInline, count_column
from .widgets import LabelledDateTimeMixin


def excerpt(text, length=90):
    return Truncator(text).chars(length)


def tag_chips(obj):
    """The names of the tags on a passage or highlight (its `tag_links` prefetched with their tags)."""
    links = obj.tag_links.all()
    return format_html_join(" ", '<span class="tag-name">{}</span>', ((link.tag.name,) for link in links))


def tag_links_in_name_order(link_model):
    return Prefetch("tag_links", link_model.objects.select_related("tag").order_by(Lower("tag__name")))


@admin.action(description="Download the selection as a fixture (JSON)", permissions=["view"])
def export_fixture(modeladmin, request, queryset):
    return fixture_download(request, **{modeladmin.export_as: queryset})


class SectionInline(ReadOnlyInline, admin.TabularInline):
    model = Section
    fields = ("order", "title", "level")
    readonly_fields = fields


class TaggedReportInline(ScopedInline, admin.TabularInline):
    """The report's tags, chosen from its workspace's codebook (the model refuses another's)."""

    model = TaggedReport
    fields = ("tag",)
    autocomplete_fields = ("tag",)
    show_change_link = False
    verbose_name = "tag"
    verbose_name_plural = "tags"


@admin.register(Report)
class ReportAdmin(ScopedAdmin, SimpleHistoryAdmin):
    list_display = (
        "title",
        "workspace",
        "published_on",
        "passage_count",
        "tagged",
        "approved_count",
        "open_thread_count",
        "created_at",
        "links",
    )
    list_select_related = ("workspace",)
    list_filter = (
        ("workspace", admin.RelatedOnlyFieldListFilter),
        filters.TagFilter,
        ("imported_by", admin.RelatedOnlyFieldListFilter),
        "published_on",
        "created_at",
    )
    search_fields = ("title", "authors", "publisher", "report_number", "original_filename", "source_url")
    autocomplete_fields = ("workspace",)
    readonly_fields = (
        "uuid",
        "progress",
        "links",
        "original_filename",
        "content_sha256",
        "imported_by",
        "created_at",
        "updated_at",
    )
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "workspace",
                    "title",
                    "slug",
                    "authors",
                    "publisher",
                    "published_on",
                    "report_number",
                    "source_url",
                )
            },
        ),
        ("Progress", {"fields": ("progress", "links")}),
        (
            "Import record",
            {"fields": ("uuid", "original_filename", "content_sha256", "imported_by", "created_at", "updated_at")},
        ),
    )
    prepopulated_fields = {"slug": ("title",)}
    inlines = (TaggedReportInline, SectionInline)
    actions = (export_fixture,)
    export_as = "reports"
    date_hierarchy = "created_at"

    def get_queryset(self, request):
        return super().get_queryset(request).with_progress()

    passage_count = count_column("passage_count", "passages")

    @admin.display(description="tagged", ordering="tagged_count")
    def tagged(self, obj):
        share = round(100 * obj.tagged_count / obj.passage_count) if obj.passage_count else 0
        return f"{obj.tagged_count} ({share}%)"

    approved_count = count_column("approved_count", "approved")

    open_thread_count = count_column("open_thread_count", "open threads")

    @admin.display(description="progress")
    def progress(self, obj):
        if obj.pk is None:
            return "—"
        return (
            f"{obj.passage_count} passages, {self.tagged(obj)} tagged, {obj.approved_count} approved, "
            f"{obj.open_thread_count} open comment threads"
        )

    @admin.display(description="open")
    def links(self, obj):
        if obj.pk is None:
            return "—"
        passages = reverse("admin:annotations_passage_changelist") + f"?report__id__exact={obj.pk}"
        return format_html(
            '<a href="{}">passages</a> · <a href="{}">reading view</a>', passages, obj.get_absolute_url()
        )


@admin.register(Section)
class SectionAdmin(ScopedAdmin):
    list_display = ("title", "report", "order", "level", "passage_count")
    list_select_related = ("report",)
    list_filter = (filters.REPORT_WORKSPACE, ("report", admin.RelatedOnlyFieldListFilter), "level")
    search_fields = ("title", "report__title")
    autocomplete_fields = ("report",)

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(passage_count=count_of(Passage.objects.filter(section=OuterRef("pk"))))
        )

    passage_count = count_column("passage_count", "passages")


class TaggedPassageInline(ScopedInline, admin.TabularInline):
    model = TaggedPassage
    fields = ("tag", "added_by", "created_at")
    readonly_fields = ("added_by", "created_at")
    autocomplete_fields = ("tag",)
    show_change_link = False
    verbose_name = "tag"
    verbose_name_plural = "tags"


class HighlightInline(ScopedInline, admin.TabularInline):
    """Spans are made in the reading view, where offsets and quotes are computed; here they are
    reviewed and, if need be, removed."""

    model = Highlight
    fields = ("exact", "start", "end", "created_by", "created_at")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class CommentInline(LabelledDateTimeMixin, ScopedInline, admin.StackedInline):
    model = Comment
    fk_name = "passage"
    fields = ("body", "resolved", "author", "created_at", "deleted_at")
    readonly_fields = ("author", "created_at")


class SourceLinkInline(ScopedInline, admin.TabularInline):
    model = SourceLink
    fields = ("source", "relation", "footnote", "note", "added_by")
    readonly_fields = ("added_by",)
    autocomplete_fields = ("source",)


def status_action(status, description):
    """A bulk action that moves the selected passages to `status` (one per status, same code)."""

    def action(modeladmin, request, queryset):
        label = Passage.Status(status).label
        run_service(
            modeladmin,
            request,
            lambda: services.passages_set_status(passages=queryset, status=status),
            lambda changed: f"{changed} passage(s) set to “{label}”.",
        )

    action.__name__ = f"mark_{status}"
    return admin.action(description=description, permissions=["change"])(action)


class PassageStatusForm(forms.ModelForm):
    """A row's status select in the passage list, named for screen readers by its passage."""

    class Meta:
        model = Passage
        fields = ("status",)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].widget.attrs["aria-label"] = f"Status of passage {self.instance.order}"
        # The list shows no help text: without one, the select points at no missing description.
        self.fields["status"].help_text = ""


@admin.register(Passage)
class PassageAdmin(ScopedAdmin, SimpleHistoryAdmin):
    # Nine columns that fit 1,400 px beside the filters: the kind joins the passage's text, the
    # counts of comments, threads and sources share one column, tags are named (issue 16, item 11).
    list_display = ("excerpt", "report_title", "order", "status", "tag_names", "discussion", "read")
    list_display_links = ("excerpt",)
    list_editable = ("status",)
    list_select_related = ("report",)
    list_filter = (
        filters.REPORT_WORKSPACE,
        ("report", admin.RelatedOnlyFieldListFilter),
        filters.SectionFilter,
        "status",
        "kind",
        filters.TagFilter,
        filters.HasCommentsFilter,
        filters.AnnotatedByFilter,
        filters.CitesSourceFilter,
        "created_at",
    )
    search_fields = ("text", "label", "report__title")
    autocomplete_fields = ("report", "section")
    readonly_fields = ("uuid", "version", "created_at", "updated_at", "read")
    fieldsets = (
        (None, {"fields": ("report", "section", "order", "kind", "label", "text", "footnotes", "page")}),
        ("Review", {"fields": ("status", "read")}),
        ("Record", {"fields": ("uuid", "version", "created_at", "updated_at")}),
    )
    inlines = (TaggedPassageInline, HighlightInline, CommentInline, SourceLinkInline)
    actions = (
        status_action(Passage.Status.APPROVED, "Approve the selected passages"),
        status_action(Passage.Status.IN_REVIEW, "Send the selected passages to review"),
        status_action(Passage.Status.FLAGGED, "Flag the selected passages"),
        "add_tag",
        "remove_tag",
        export_fixture,
    )
    export_as = "passages"
    list_per_page = 100

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("report")
            .with_annotation_counts()
            .prefetch_related(tag_links_in_name_order(TaggedPassage))
        )

    def choice_label(self, obj):
        return passage_choice_label(obj)

    def get_changelist_form(self, request, **kwargs):
        return PassageStatusForm

    def save_model(self, request, obj, form, change):
        if isinstance(form, PassageStatusForm):
            # A status set in the list goes the way the reading view and the bulk actions go.
            try:
                services.passage_set_status(passage=obj, status=obj.status)
            except services.ServiceError as error:
                self.message_user(request, f"{obj}: {' '.join(error.messages)}", messages.ERROR)
            return
        super().save_model(request, obj, form, change)
        if change and "text" in form.changed_data:
            # Highlights follow the edit (the same re-anchoring as a new version's carry-over).
            kept, orphaned = passage_text_changed(passage=obj, old_text=form.initial["text"])
            if kept or orphaned:
                self.message_user(
                    request,
                    f"The text changed: {kept} highlight(s) re-anchored, {orphaned} could not be placed and wait "
                    "under “Needs review”.",
                    messages.WARNING if orphaned else messages.INFO,
                )

    @admin.display(description="passage", ordering="order")
    def excerpt(self, obj):
        kind = "" if obj.kind == Passage.Kind.PARAGRAPH else f"{obj.get_kind_display()} "
        label = f"{obj.label} " if obj.label else ""
        return format_html('<span class="passage-kind">{}</span>{}{}', kind, label, excerpt(obj.text, 200))

    @admin.display(description="report", ordering="report__title")
    def report_title(self, obj):
        return format_html('<span title="{}">{}</span>', obj.report.title, excerpt(obj.report.title, 32))

    @admin.display(description="tags")
    def tag_names(self, obj):
        return tag_chips(obj)

    @admin.display(description="discussion", ordering="comment_count")
    def discussion(self, obj):
        parts = []
        if obj.comment_count:
            parts.append(f"{obj.comment_count} comment{pluralize(obj.comment_count)}")
        if obj.open_thread_count:
            parts.append(f"{obj.open_thread_count} open")
        if obj.source_count:
            parts.append(f"{obj.source_count} source{pluralize(obj.source_count)}")
        return " · ".join(parts) or "—"

    @admin.display(description="app")
    def read(self, obj):
        if obj.pk is None:
            return "—"
        return format_html('<a href="{}">read</a>', obj.get_absolute_url())

    @admin.action(description="Add a tag to the selected passages…", permissions=["change"])
    def add_tag(self, request, queryset):
        form = bound_form(TagNameForm, request)
        if form.is_bound and form.is_valid():
            name = form.cleaned_data["name"]
            run_service(
                self,
                request,
                lambda: services.passages_add_tag_named(passages=queryset, name=name, user=request.user),
                lambda done: f"Tagged {done[1]} passage(s) with “{done[0]}”.",
            )
            return None
        return action_page(
            self,
            request,
            queryset,
            action="add_tag",
            title="Add a tag to passages",
            form=form,
            codebook=Tag.objects.filter(workspace__in=queryset.values("report__workspace")),
        )

    @admin.action(description="Remove a tag from the selected passages…", permissions=["change"])
    def remove_tag(self, request, queryset):
        carried = Tag.objects.filter(passage_links__content_object__in=queryset).distinct()
        form = bound_form(ChooseTagForm, request, tags=carried)
        if form.is_bound and form.is_valid():
            tag = form.cleaned_data["tag"]
            run_service(
                self,
                request,
                lambda: services.passages_remove_tag(passages=queryset, tag=tag),
                lambda removed: f"Removed “{tag}” from {removed} passage(s).",
            )
            return None
        if not carried.exists():
            self.message_user(request, "None of the selected passages carries a tag.", level="warning")
            return None
        return action_page(self, request, queryset, action="remove_tag", title="Remove a tag from passages", form=form)


class TaggedHighlightInline(ScopedInline, admin.TabularInline):
    model = TaggedHighlight
    fields = ("tag", "added_by", "created_at")
    readonly_fields = ("added_by", "created_at")
    autocomplete_fields = ("tag",)
    show_change_link = False
    verbose_name = "tag"
    verbose_name_plural = "tags"


@admin.register(Highlight)
class HighlightAdmin(ScopedAdmin):
    list_display = ("quote", "passage", "start", "end", "tag_names", "created_by", "created_at")
    list_select_related = ("passage", "created_by")
    list_filter = (
        filters.PASSAGE_WORKSPACE,
        ("passage__report", admin.RelatedOnlyFieldListFilter),
        filters.TagFilter,
        ("created_by", admin.RelatedOnlyFieldListFilter),
        "created_at",
    )
    search_fields = ("exact", "passage__text")
    fields = ("passage", "exact", "prefix", "suffix", "start", "end", "created_by", "uuid", "created_at")
    readonly_fields = fields
    inlines = (TaggedHighlightInline,)

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related(tag_links_in_name_order(TaggedHighlight))

    def has_add_permission(self, request):
        return False

    @admin.display(description="highlighted text", ordering="exact")
    def quote(self, obj):
        return excerpt(obj.exact, 80)

    @admin.display(description="tags")
    def tag_names(self, obj):
        return tag_chips(obj)


@admin.register(Comment)
class CommentAdmin(ScopedAdmin, SimpleHistoryAdmin):
    list_display = ("excerpt", "passage", "author", "thread", "resolved", "reply_count", "created_at", "deleted")
    list_display_links = ("excerpt",)
    list_select_related = ("passage", "author")
    list_filter = (
        filters.ThreadFilter,
        "resolved",
        filters.PASSAGE_WORKSPACE,
        ("passage__report", admin.RelatedOnlyFieldListFilter),
        ("author", admin.RelatedOnlyFieldListFilter),
        "created_at",
    )
    search_fields = ("body", "author__username", "passage__text")
    autocomplete_fields = ("passage", "highlight", "parent")
    readonly_fields = ("uuid", "author", "version", "created_at", "edited_at")
    fields = ("passage", "highlight", "parent", "body", "resolved", "deleted_at", *readonly_fields)
    actions = ("resolve_threads",)

    def get_queryset(self, request):
        replies = Comment.objects.live().filter(parent=OuterRef("pk"))
        return super().get_queryset(request).annotate(reply_count=count_of(replies))

    @admin.display(description="comment", ordering="body")
    def excerpt(self, obj):
        return excerpt(obj.body)

    @admin.display(description="thread", ordering="parent")
    def thread(self, obj):
        return "reply" if obj.parent_id else "first comment"

    reply_count = count_column("reply_count", "replies")

    @admin.display(description="deleted", boolean=True, ordering="deleted_at")
    def deleted(self, obj):
        return obj.deleted_at is not None

    @admin.action(description="Resolve the threads of the selected comments", permissions=["change"])
    def resolve_threads(self, request, queryset):
        run_service(
            self,
            request,
            lambda: services.comments_resolve(comments=queryset.select_related("parent")),
            lambda resolved: f"Resolved {resolved} thread(s).",
        )
