"""Changelist filters. Each lists only choices from the rows the user may curate, in one query."""

import unicodedata
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


def folded(text):
    """Text compared as people read it: case and accents aside ("Ürümqi" finds "urumqi")."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


class TagFilter(admin.ListFilter):
    """Rows carrying every chosen tag, or no tag at all ("Untagged"); for passages, highlights and
    reports (all link tags via `tag_links`). The codebook can be long, so the filter lists at most
    SHOWN tags and a search box (case and accents aside) finds the others."""

    title = "tag"
    parameter_name = "tag"
    search_parameter = "tag_q"
    template = "admin/annotations/tag_filter.html"
    UNTAGGED = "none"
    SHOWN = 25
    # Each required tag is one more subquery; ten are more than anyone combines.
    MAX_REQUIRED = 10

    def __init__(self, request, params, model, model_admin):
        super().__init__(request, params, model, model_admin)
        values = params.pop(self.parameter_name, [])
        self.search = " ".join(params.pop(self.search_parameter, [""])[-1].split())[:100]
        if values:
            self.used_parameters[self.parameter_name] = values
        self.untagged = self.UNTAGGED in values
        wanted = list(dict.fromkeys(value for value in values if value != self.UNTAGGED))
        self.link_model = model._meta.get_field("tag_links").related_model
        used = self.link_model.objects.filter(content_object__in=model_admin.get_queryset(request)).values("tag_id")
        codebook = sorted(Tag.objects.filter(pk__in=used), key=lambda tag: (folded(tag.name), tag.pk))
        by_uuid = {str(tag.uuid): tag for tag in codebook}
        self.chosen = [by_uuid[value] for value in wanted if value in by_uuid]
        self.error = ""
        if len(wanted) > self.MAX_REQUIRED:
            self.error = f"Require at most {self.MAX_REQUIRED} tags at once."
        elif len(self.chosen) < len(wanted):
            self.error = "A chosen tag is not in the codebook of these rows."
        others = [tag for tag in codebook if tag not in self.chosen]
        if self.search:
            others = [tag for tag in others if folded(self.search) in folded(tag.name)]
        self.offered, self.more = others[: self.SHOWN], max(0, len(others) - self.SHOWN)
        self.kept_params = [
            (key, value)
            for key, values in request.GET.lists()
            if key not in (self.search_parameter, "p", "e")
            for value in values
        ]

    def has_output(self):
        return True

    def expected_parameters(self):
        return [self.parameter_name, self.search_parameter]

    def queryset(self, request, queryset):
        if self.error:
            return queryset.none()
        if self.untagged:
            queryset = queryset.exclude(Exists(self.link_model.objects.filter(content_object=OuterRef("pk"))))
        for tag in self.chosen:
            queryset = queryset.filter(Exists(self.link_model.objects.filter(content_object=OuterRef("pk"), tag=tag)))
        return queryset

    def choices(self, changelist):
        chosen = [str(tag.uuid) for tag in self.chosen]
        clear = [self.parameter_name, self.search_parameter]
        yield {
            "selected": not self.used_parameters,
            "query_string": changelist.get_query_string(remove=clear),
            "display": "All",
        }
        yield {
            "selected": self.untagged,
            "query_string": changelist.get_query_string(
                {self.parameter_name: [self.UNTAGGED]}, [self.search_parameter]
            ),
            "display": "Untagged",
        }
        for tag in self.chosen:
            rest = [value for value in chosen if value != str(tag.uuid)]
            yield {
                "selected": True,
                "query_string": changelist.get_query_string({self.parameter_name: rest or None}),
                "display": tag.name,
                "action": f"Stop requiring “{tag.name}”",
            }
        for tag in self.offered:
            yield {
                "selected": False,
                "query_string": changelist.get_query_string({self.parameter_name: [*chosen, str(tag.uuid)]}),
                "display": tag.name,
                "action": f"Also require “{tag.name}”" if chosen else "",
            }


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
