"""The "recent changes" page: the latest edits to passages, comments, source links, sources, tags
and reports in one list, with what changed in each, filterable by kind of record, user and date.

Per-record history (with the same field diffs) is simple-history's history page of each record."""

from dataclasses import dataclass, field

from django import forms
from django.core.exceptions import PermissionDenied
from django.db.models import OuterRef, Subquery
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.text import capfirst

from ..models import Comment, Passage, Report, Source, SourceLink, Tag
from ..permissions import curated_workspace_ids, curates_anywhere

# The tracked models. Their historical rows reach the workspace by the path the model declares.
TRACKED = (Passage, Comment, SourceLink, Source, Tag, Report)
LIMIT = 100


class RecentChangesForm(forms.Form):
    model = forms.ChoiceField(
        required=False,
        label="Records",
        choices=[("", "All kinds")] + [(m._meta.model_name, capfirst(m._meta.verbose_name_plural)) for m in TRACKED],
    )
    user = forms.CharField(required=False, label="Changed by", help_text="Username.")
    since = forms.DateField(required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(required=False, label="Until", widget=forms.DateInput(attrs={"type": "date"}))


@dataclass
class Change:
    record: object
    kind: str
    label: str
    history_url: str
    changes: list = field(default_factory=list)


# The field that names a record. Rebuilding each record's instance for its str() would load its
# untracked fields (updated_at) one query per row.
LABEL_FIELDS = {Passage: "text", Comment: "body", Source: "title", Tag: "name", Report: "title"}


def label_of(model, record):
    if model is SourceLink:
        passage = record.passage or "(deleted passage)"
        return f"{passage} — {record.get_relation_display()} — {record.source or '(deleted source)'}"
    return getattr(record, LABEL_FIELDS[model])


def described(field, old, new):
    """(field name, old, new) as a researcher reads them: "In review", not "in_review"."""
    labels = dict(field.flatchoices)
    return field.verbose_name, labels.get(old, old), labels.get(new, new)


def latest_changes(model, request, filters):
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
    before = history.objects.filter(id=OuterRef("id"), history_date__lt=OuterRef("history_date"))
    rows = rows.annotate(
        previous_id=Subquery(before.order_by("-history_date", "-history_id").values("history_id")[:1])
    ).select_related("history_user")
    if model is SourceLink:
        rows = rows.select_related("passage", "source")
    rows = list(rows.order_by("-history_date", "-history_id")[:LIMIT])
    previous = history.objects.in_bulk([row.previous_id for row in rows if row.previous_id])
    kind = capfirst(model._meta.verbose_name)
    result = []
    for row in rows:
        change = Change(
            record=row,
            kind=kind,
            label=label_of(model, row),
            history_url=reverse(f"admin:annotations_{model._meta.model_name}_history", args=[row.id]),
        )
        if row.previous_id in previous:
            delta = row.diff_against(previous[row.previous_id], foreign_keys_are_objs=False)
            change.changes = [described(model._meta.get_field(c.field), c.old, c.new) for c in delta.changes]
        result.append(change)
    return result


def recent_changes_view(request, site):
    if not curates_anywhere(request.user):
        raise PermissionDenied
    form = RecentChangesForm(request.GET or None)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    chosen = [m for m in TRACKED if not filters.get("model") or m._meta.model_name == filters["model"]]
    changes = [change for model in chosen for change in latest_changes(model, request, filters)]
    changes.sort(key=lambda c: (c.record.history_date, c.record.history_id), reverse=True)
    return TemplateResponse(
        request,
        "admin/annotations/recent_changes.html",
        {
            **site.each_context(request),
            "title": "Recent changes",
            "form": form,
            "changes": changes[:LIMIT],
            "limit": LIMIT,
        },
    )
