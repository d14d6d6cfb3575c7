from itertools import chain
from urllib.parse import urlsplit

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.db.models.functions import Lower
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from .. import permissions
from ..forms import SourceLinkForm, StatusForm, TagAddForm
from ..models import Comment, Passage, SourceLink, Tag, TaggedHighlight, TaggedPassage
from ..reading import note_finder
from ..services import EditConflict, ServiceError, passage_add_tag, passage_remove_tag, passage_set_status
from .scoping import get_highlight_of, get_passage_for_user, roles_context, uuid_or_404


def panel_context(request, passage, *, error=None, selected_highlight=None):
    """The passage panel: tags, highlights, comment threads, source links, status."""
    user, workspace = request.user, passage.report.workspace
    may_change = permissions.can_change_item

    def marked(items, owner_attr):
        items = list(items)
        for item in items:
            item.can_change = may_change(user, workspace, getattr(item, owner_attr))
        return items

    replies = Comment.objects.select_related("author").order_by("created_at", "id")
    threads = marked(
        passage.comments.filter(parent__isnull=True)
        .select_related("author", "highlight")
        .prefetch_related(Prefetch("replies", queryset=replies)),
        "author_id",
    )
    for thread in threads:
        thread.reply_list = marked(thread.replies.all(), "author_id")
    return {
        "passage": passage,
        "report": passage.report,
        "error": error,
        "selected_highlight": selected_highlight,
        "tag_links": marked(
            passage.tag_links.select_related("tag", "added_by").order_by(Lower("tag__name")), "added_by_id"
        ),
        "highlights": marked(
            passage.highlights.select_related("created_by").prefetch_related(
                Prefetch("tag_links", queryset=TaggedHighlight.objects.select_related("tag"))
            ),
            "created_by_id",
        ),
        "threads": threads,
        "source_links": marked(passage.source_links.select_related("source", "added_by"), "added_by_id"),
        "codebook": Tag.objects.filter(workspace=workspace).only("name", "description"),
        "source_form": SourceLinkForm(workspace=workspace),
        "status_form": StatusForm(initial={"status": passage.status, "version": passage.version}),
        **roles_context(user, workspace),
    }


def reading_passage(passage):
    """One passage shaped as the reading view shapes it, for re-rendering after a change."""
    fresh = Passage.objects.filter(pk=passage.pk).for_reading().get()
    notes = Passage.objects.filter(report_id=passage.report_id, kind=Passage.Kind.NOTE, label__in=fresh.footnotes)
    fresh.note_refs = note_finder(notes.only("uuid", "order", "label", "text"))(fresh)
    return fresh


def render_panel(request, passage, *, status=200, **kwargs):
    """After a change: htmx gets the panel, plus, on the reading view, the passage re-rendered out of
    band (chips and counts in the text column stay true); a plain form post goes back to the
    passage page. A conflict (409) answers with the page itself, so the current state and the
    message arrive together with a status that says the write was refused."""
    if not request.htmx:
        if status == 409:
            context = panel_context(request, passage, **kwargs)
            return render(request, "annotations/passage_detail.html", context, status=409)
        if kwargs.get("error"):
            messages.error(request, kwargs["error"])
        return redirect("annotations:passage-detail", passage.uuid)
    context = panel_context(request, passage, **kwargs)
    on_reading_view = urlsplit(request.htmx.current_url or "").path == passage.report.get_absolute_url()
    context["reading"] = reading_passage(passage) if request.method == "POST" and on_reading_view else None
    return render(request, "annotations/partials/_passage_panel.html", context, status=status)


def render_refusal(request, passage, exc):
    """The panel with the service's message; an edit conflict is a 409 showing the current state."""
    return render_panel(request, passage, error=error_text(exc), status=409 if isinstance(exc, EditConflict) else 200)


def error_text(exc):
    return " ".join(exc.messages)


@login_required
def passage_detail(request, uuid):
    passage = get_passage_for_user(request, uuid)
    return render(request, "annotations/passage_detail.html", panel_context(request, passage))


@login_required
def passage_panel(request, uuid):
    passage = get_passage_for_user(request, uuid)
    selected = None
    if request.GET.get("highlight"):
        selected = get_highlight_of(passage, request.GET["highlight"])
    return render(
        request,
        "annotations/partials/_passage_panel.html",
        panel_context(request, passage, selected_highlight=selected),
    )


@login_required
@require_POST
def passage_tag_add(request, uuid):
    passage = get_passage_for_user(request, uuid, permissions.can_annotate)
    form = TagAddForm(request.POST)
    error = None
    if form.is_valid():
        try:
            passage_add_tag(passage=passage, name=form.cleaned_data["name"], user=request.user)
        except ServiceError as exc:
            error = error_text(exc)
    else:
        error = "Type the name of a tag."
    return render_panel(request, passage, error=error)


@login_required
@require_POST
def passage_tag_remove(request, uuid):
    passage = get_passage_for_user(request, uuid, permissions.can_annotate)
    tag_uuid = uuid_or_404(request.POST.get("tag"))
    link = get_object_or_404(TaggedPassage.objects.select_related("tag"), content_object=passage, tag__uuid=tag_uuid)
    permissions_ok = permissions.can_change_item(request.user, passage.report.workspace, link.added_by_id)
    if not permissions_ok:
        return render_panel(request, passage, error="Only its author or a curator can remove this tag.")
    passage_remove_tag(passage=passage, tag=link.tag)
    return render_panel(request, passage)


@login_required
@require_POST
def passage_status(request, uuid):
    passage = get_passage_for_user(request, uuid, permissions.can_curate)
    form = StatusForm(request.POST)
    if not form.is_valid():
        return render_panel(request, passage, error="Choose a status.")
    try:
        passage_set_status(
            passage=passage, status=form.cleaned_data["status"], expected_version=form.cleaned_data["version"]
        )
    except ServiceError as exc:
        return render_refusal(request, get_passage_for_user(request, passage.uuid), exc)
    return render_panel(request, get_passage_for_user(request, passage.uuid))


HISTORY_VERBS = {"+": "created", "~": "changed", "-": "deleted"}


def _history_entries(records, what):
    """History rows as (when, who, description); each change is diffed against the previous
    record of the same object, in memory."""
    previous = {}
    for record in sorted(records, key=lambda r: r.history_date):
        before = previous.get(record.id)
        detail = ""
        if before is not None and record.history_type == "~":
            fields = [change.field for change in record.diff_against(before).changes]
            detail = ", ".join(f.replace("_", " ") for f in fields if f != "version")
        previous[record.id] = record
        yield {
            "when": record.history_date,
            "who": record.history_user,
            "what": f"{HISTORY_VERBS[record.history_type]} {what(record)}",
            "detail": detail,
        }


@login_required
def passage_history(request, uuid):
    """Who did what to the passage, its tags, comments and source links, newest first."""
    passage = get_passage_for_user(request, uuid)
    entries = chain(
        _history_entries(passage.history.select_related("history_user"), lambda r: f"the passage (status {r.status})"),
        _history_entries(
            Comment.history.filter(passage_id=passage.pk).select_related("history_user"),
            lambda r: "a reply" if r.parent_id else "a comment",
        ),
        _history_entries(
            SourceLink.history.filter(passage_id=passage.pk).select_related("history_user", "source"),
            lambda r: f"a source link ({r.relation} {r.source.title if r.source else 'a removed source'})",
        ),
        (
            {"when": link.created_at, "who": link.added_by, "what": f"tagged {link.tag.name}", "detail": ""}
            for link in passage.tag_links.select_related("tag", "added_by")
        ),
    )
    entries = sorted(entries, key=lambda e: e["when"], reverse=True)
    return render(request, "annotations/partials/_passage_history.html", {"passage": passage, "entries": entries})
