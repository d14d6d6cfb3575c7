"""The "recent changes" page: the latest edits to passages, comments, source links, sources, tags,
reports and tag links in one list, with what changed in each and who changed it, filterable by
kind of record, user and date, imported changes hidden on request, and paged.

Per-record history (with the same field diffs) is simple-history's history page of each record."""

from dataclasses import dataclass, field
from datetime import datetime

from django import forms
from django.core.exceptions import PermissionDenied
from django.db.models import OuterRef, Q, Subquery
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.text import capfirst

from ..models import Comment, Passage, Report, Source, SourceLink, Tag, TaggedHighlight, TaggedPassage, TaggedReport
from ..permissions import curated_workspace_ids, curates_anywhere
from ..sharing.fixture_import import CHANGE_REASON as IMPORT_REASON

# The tracked models. Their historical rows reach the workspace by the path the model declares.
TRACKED = (Passage, Comment, SourceLink, Source, Tag, Report, TaggedPassage, TaggedHighlight, TaggedReport)
TAG_LINKS = (TaggedPassage, TaggedHighlight, TaggedReport)
LIMIT = 100  # changes per page


class RecentChangesForm(forms.Form):
    model = forms.ChoiceField(
        required=False,
        label="Records",
        choices=[("", "All kinds")] + [(m._meta.model_name, capfirst(m._meta.verbose_name_plural)) for m in TRACKED],
    )
    user = forms.CharField(required=False, label="Changed by", help_text="Username.")
    since = forms.DateField(required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(required=False, label="Until", widget=forms.DateInput(attrs={"type": "date"}))
    hide_imported = forms.BooleanField(required=False, label="Hide imported changes")


@dataclass
class Change:
    record: object
    kind: str
    label: str
    history_url: str
    changed_by: str
    changes: list = field(default_factory=list)

    @property
    def position(self):
        return position_of(self.record, self.kind)


# The field that names a record. Rebuilding each record's instance for its str() would load its
# untracked fields (updated_at) one query per row.
LABEL_FIELDS = {Passage: "text", Comment: "body", Source: "title", Tag: "name", Report: "title"}
# A tag link is named by its tag and what it tags (passage text, highlight quote, report title).
TAGGED_LABEL = {TaggedPassage: "text", TaggedHighlight: "exact", TaggedReport: "title"}


def label_of(model, record, tag_names):
    if model is SourceLink:
        passage = record.passage or "(deleted passage)"
        return f"{passage} — {record.get_relation_display()} — {record.source or '(deleted source)'}"
    if model in TAG_LINKS:
        tagged = record.content_object
        what = getattr(tagged, TAGGED_LABEL[model]) if tagged else "(deleted)"
        return f"{tag_names.get(record.tag_id, '(unknown tag)')} — {what}"
    return getattr(record, LABEL_FIELDS[model])


def changed_by(record):
    """Who made the change: the user, "import" for import_fixture, else (a command without a user) "—"."""
    if record.history_user is not None:
        return record.history_user.get_username()
    if (record.history_change_reason or "").startswith(IMPORT_REASON):
        return "import"
    return "—"


def described(field, old, new, tag_names):
    """(field name, old, new) as a researcher reads them: "In review", not "in_review"."""
    if field.name == "tag":
        return field.verbose_name, tag_names.get(old, old), tag_names.get(new, new)
    if not field.choices:  # also: lists (footnotes) are not hashable, so cannot be looked up
        return field.verbose_name, old, new
    labels = dict(field.flatchoices)
    return field.verbose_name, labels.get(old, old), labels.get(new, new)


# Pages: changes are ordered newest first by (date, kind, history id); a page's link to older
# changes carries the position of its last change, and the next page starts after it.
def position_of(record, kind):
    return f"{record.history_date.isoformat()}|{kind_index(kind)}|{record.history_id}"


def kind_index(kind):
    return next(i for i, m in enumerate(TRACKED) if capfirst(m._meta.verbose_name) == kind)


def parse_position(text):
    """(date, kind index, history id) from a page link, or None for anything else."""
    try:
        when, index, history_id = (text or "").split("|")
        position = datetime.fromisoformat(when), int(index), int(history_id)
    except ValueError:
        return None
    in_range = 0 <= position[1] < len(TRACKED) and 0 < position[2] < 2**63
    return position if in_range and position[0].tzinfo is not None else None


def older_than(index, position):
    """Rows of the model at TRACKED[index] that come after `position` in the list."""
    when, kind, history_id = position
    if index < kind:
        return Q(history_date__lte=when)
    if index == kind:
        return Q(history_date__lt=when) | Q(history_date=when, history_id__lt=history_id)
    return Q(history_date__lt=when)


def latest_changes(model, request, filters, position):
    """The latest historical rows of `model` the user may see, each with its diff to the row before."""
    history = model.history.model
    rows = history.objects.all()
    ids = curated_workspace_ids(request.user)
    if ids is not None:
        rows = rows.filter(**{f"{model.workspace_path}__in": ids})
    if filters.get("user"):
        rows = rows.filter(history_user__username=filters["user"])
    if filters.get("since"):
        rows = rows.filter(history_date__date__gte=filters["since"])
    if filters.get("until"):
        rows = rows.filter(history_date__date__lte=filters["until"])
    if filters.get("hide_imported"):
        rows = rows.exclude(history_change_reason__startswith=IMPORT_REASON)
    if position is not None:
        rows = rows.filter(older_than(TRACKED.index(model), position))
    before = history.objects.filter(id=OuterRef("id"), history_date__lt=OuterRef("history_date"))
    rows = rows.annotate(
        previous_id=Subquery(before.order_by("-history_date", "-history_id").values("history_id")[:1])
    ).select_related("history_user")
    if model is SourceLink:
        rows = rows.select_related("passage", "source")
    if model in TAG_LINKS:
        rows = rows.select_related("content_object")
    rows = list(rows.order_by("-history_date", "-history_id")[: LIMIT + 1])
    previous = history.objects.in_bulk([row.previous_id for row in rows if row.previous_id])
    tag_names = {}
    if model in TAG_LINKS:
        tag_names = Tag.names_by_id({row.tag_id for row in [*rows, *previous.values()]})
    kind = capfirst(model._meta.verbose_name)
    result = []
    for row in rows:
        change = Change(
            record=row,
            kind=kind,
            label=label_of(model, row, tag_names),
            history_url=history_url(model, row),
            changed_by=changed_by(row),
        )
        if row.previous_id in previous:
            # The change stamp moves with every change: it says nothing a reader needs here.
            delta = row.diff_against(
                previous[row.previous_id], excluded_fields=["changed_at"], foreign_keys_are_objs=False
            )
            change.changes = [described(model._meta.get_field(c.field), c.old, c.new, tag_names) for c in delta.changes]
        result.append(change)
    return result


def history_url(model, row):
    if model in TAG_LINKS:  # a link's history is told on the record it tags
        tagged = model._meta.get_field("content_object").related_model._meta.model_name
        return reverse(f"admin:annotations_{tagged}_history", args=[row.content_object_id])
    return reverse(f"admin:annotations_{model._meta.model_name}_history", args=[row.id])


def recent_changes_view(request, site):
    if not curates_anywhere(request.user):
        raise PermissionDenied
    form = RecentChangesForm(request.GET or None)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    position = parse_position(request.GET.get("before"))
    chosen = [m for m in TRACKED if not filters.get("model") or m._meta.model_name == filters["model"]]
    changes = [change for model in chosen for change in latest_changes(model, request, filters, position)]
    changes.sort(key=lambda c: (c.record.history_date, kind_index(c.kind), c.record.history_id), reverse=True)
    page, more = changes[:LIMIT], len(changes) > LIMIT
    query = request.GET.copy()
    query.pop("before", None)
    newest_query = query.urlencode()
    older = page[-1].position if more else ""
    query["before"] = older
    return TemplateResponse(
        request,
        "admin/annotations/recent_changes.html",
        {
            **site.each_context(request),
            "title": "Recent changes",
            "form": form,
            "changes": page,
            "limit": LIMIT,
            "older": older,
            "older_query": query.urlencode(),
            "newest_query": newest_query,
            "first_page": position is None,
        },
    )
