"""Changelist filters. Each lists only choices from the rows the user may curate, in one query."""

import uuid

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef

from .. import permissions
from ..models import Membership, Section, Source, SourceLink, Tag
from .scoping import scoped

# Workspace filters for rows that reach their workspace through a report or a passage.
REPORT_WORKSPACE = ("report__workspace", admin.RelatedOnlyFieldListFilter)
PASSAGE_WORKSPACE = ("passage__report__workspace", admin.RelatedOnlyFieldListFilter)


class TagFilter(admin.SimpleListFilter):
    """Rows carrying a tag; for passages, highlights and reports (all link tags via `tag_links`)."""

    title = "tag"
    parameter_name = "tag"

    def lookups(self, request, model_admin):
        link_model = model_admin.model._meta.get_field("tag_links").related_model
        used = link_model.objects.filter(content_object__in=model_admin.get_queryset(request)).values("tag_id")
        return [(str(tag.uuid), tag.name) for tag in Tag.objects.filter(pk__in=used)]

    def queryset(self, request, queryset):
        if self.value():
            try:
                return queryset.filter(tag_links__tag__uuid=uuid.UUID(self.value()))
            except ValueError:
                return queryset.none()
        return queryset


class SectionFilter(admin.SimpleListFilter):
    """Sections are only offered once a report is chosen: listing every report's headings is noise."""

    title = "section"
    parameter_name = "section"
    report_parameter = "report__id__exact"

    def lookups(self, request, model_admin):
        # Django applies a filter only when it has choices, so a chosen section is always listed.
        report_id = database_id(request.GET.get(self.report_parameter, ""))
        sections = Section.objects.filter(report__in=model_admin.get_queryset(request).values("report_id"))
        if report_id is not None:
            sections = sections.filter(report_id=report_id)
        elif database_id(self.value()) is not None:
            sections = sections.filter(pk=database_id(self.value()))
        else:
            return []
        return [(str(s.pk), f"{s.order}. {s.title}") for s in sections]

    def queryset(self, request, queryset):
        if database_id(self.value()) is not None:
            return queryset.filter(section_id=database_id(self.value()))
        return queryset


def database_id(value):
    """A primary key from the query string, or None when it is not one (letters, or too large for a
    64-bit column: the database would fail on it)."""
    if value and value.isascii() and value.isdigit() and int(value) < 2**63:
        return int(value)
    return None


class HasCommentsFilter(admin.SimpleListFilter):
    title = "comments"
    parameter_name = "comments"

    def lookups(self, request, model_admin):
        return [("yes", "With comments"), ("open", "With open threads"), ("no", "Without comments")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.with_comments()
        if self.value() == "open":
            return queryset.with_open_threads()
        if self.value() == "no":
            return queryset.without_comments()
        return queryset


class AnnotatedByFilter(admin.SimpleListFilter):
    """Passages someone worked on: commented, tagged, highlighted or linked to a source."""

    title = "annotated by"
    parameter_name = "author"

    def lookups(self, request, model_admin):
        members = Membership.objects.all()
        if (ids := permissions.curated_workspace_ids(request.user)) is not None:
            members = members.filter(workspace_id__in=ids)
        users = get_user_model().objects.filter(pk__in=members.values("user_id")).order_by("username")
        return [(user.username, user.get_username()) for user in users]

    def queryset(self, request, queryset):
        return queryset.annotated_by(self.value()) if self.value() else queryset


class CitesSourceFilter(admin.SimpleListFilter):
    """Reached from a source's "passages" link; offers only the chosen source."""

    title = "cites source"
    parameter_name = "source"

    def _uuid(self):
        try:
            return uuid.UUID(self.value())
        except (TypeError, ValueError):
            return None

    def lookups(self, request, model_admin):
        # Django applies a filter only when it has choices: a bad or unknown source lists nothing.
        if self.value() is None:
            return []
        source = scoped(Source.objects.filter(uuid=self._uuid()), request).first()
        return [(self.value(), source.title if source else "(unknown source)")]

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        if self._uuid() is None:
            return queryset.none()
        return queryset.filter(Exists(SourceLink.objects.filter(passage=OuterRef("pk"), source__uuid=self._uuid())))


class TagUsageFilter(admin.SimpleListFilter):
    title = "usage"
    parameter_name = "usage"

    def lookups(self, request, model_admin):
        return [("used", "In use"), ("unused", "Unused (orphans)")]

    def queryset(self, request, queryset):
        if self.value() == "used":
            return queryset.filter(usage_count__gt=0)
        if self.value() == "unused":
            return queryset.filter(usage_count=0)
        return queryset


class ThreadFilter(admin.SimpleListFilter):
    title = "thread"
    parameter_name = "thread"

    def lookups(self, request, model_admin):
        return [
            ("open", "Open threads"),
            ("resolved", "Resolved threads"),
            ("reply", "Replies"),
            ("deleted", "Deleted comments"),
        ]

    def queryset(self, request, queryset):
        match self.value():
            case "open":
                return queryset.open_threads()
            case "resolved":
                return queryset.filter(parent__isnull=True, resolved=True)
            case "reply":
                return queryset.filter(parent__isnull=False)
            case "deleted":
                return queryset.filter(deleted_at__isnull=False)
        return queryset
