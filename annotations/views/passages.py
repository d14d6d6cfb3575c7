from itertools import chain
from urllib.parse import urlsplit

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch, prefetch_related_objects
from django.db.models.functions import Lower
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.views.decorators.http import require_POST
from django_htmx.http import reswap, retarget

from .. import permissions
from ..forms import SourceLinkForm, StatusForm, TagAddForm
from ..models import Comment, SourceLink, Tag, TaggedHighlight, TaggedPassage
from ..ratelimit import rate_limited
from ..services import EditConflict, ServiceError, passage_add_tag, passage_remove_tag, passage_set_status
from .conditional import etag_for, not_modified, with_etag
from .fragments import fresh_fragment
from .scoping import get_highlight_of, get_passage_for_user, roles_context, uuid_or_404


def _marked(items, user, workspace, owner_attr):
    """Items with .can_change: may this user change or delete it (its owner, or a curator)."""
    items = list(items)
    for item in items:
        item.can_change = permissions.can_change_item(user, workspace, getattr(item, owner_attr))
    return items


def _codebook(workspace):
    return list(Tag.objects.filter(workspace=workspace).only("name", "description"))


def _workspace_sources(workspace):
    return list(SourceLinkForm(workspace=workspace).fields["source"].queryset)


def _tags_part(user, passage, codebook=None):
    workspace = passage.report.workspace
    links = passage.tag_links.select_related("tag", "added_by").order_by(Lower("tag__name"))
    return {
        "tag_links": _marked(links, user, workspace, "added_by_id"),
        "codebook": _codebook(workspace) if codebook is None else codebook,
    }


def _highlights_part(user, passage):
    highlights = passage.highlights.filter(orphaned=False).select_related("created_by").prefetch_related(
        Prefetch("tag_links", queryset=TaggedHighlight.objects.select_related("tag"))
    )
    return {"highlights": _marked(highlights, user, passage.report.workspace, "created_by_id")}


def _comments_part(user, passage):
    workspace = passage.report.workspace
    replies = Comment.objects.select_related("author").order_by("created_at", "id")
    threads = _marked(
        passage.comments.filter(parent__isnull=True)
        .select_related("author", "highlight")
        .prefetch_related(Prefetch("replies", queryset=replies)),
        user,
        workspace,
        "author_id",
    )
    for thread in threads:
        thread.reply_list = _marked(thread.replies.all(), user, workspace, "author_id")
    return {"threads": threads}


def _sources_part(user, passage, sources=None):
    workspace = passage.report.workspace
    links = passage.source_links.select_related("source", "added_by")
    return {
        "source_links": _marked(links, user, workspace, "added_by_id"),
        "source_form": SourceLinkForm(workspace=workspace),
        "workspace_sources": _workspace_sources(workspace) if sources is None else sources,
    }


# A write answers with the part of the panel it changed (htmx swaps that section alone).
PANEL_PARTS = {
    "tags": (_tags_part, "annotations/partials/_panel_tags.html"),
    "highlights": (_highlights_part, "annotations/partials/_panel_highlights.html"),
    "comments": (_comments_part, "annotations/partials/_panel_comments.html"),
}


def panel_context(request, passage, *, error=None, selected_highlight=None, codebook=None, sources=None):
    """The passage panel: tags, highlights, comment threads, source links, status."""
    user, workspace = request.user, passage.report.workspace
    return {
        "passage": passage,
        "report": passage.report,
        "error": error,
        "selected_highlight": selected_highlight,
        **_tags_part(user, passage, codebook),
        **_highlights_part(user, passage),
        **_comments_part(user, passage),
        **_sources_part(user, passage, sources),
        "status_form": StatusForm(initial={"status": passage.status, "version": passage.version}),
        **roles_context(user, workspace, passage.report),
    }


def _on_reading_view(request, passage):
    return urlsplit(request.htmx.current_url or "").path == passage.report.get_absolute_url()


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
    if request.method == "POST" and _on_reading_view(request, passage):
        context["reading"] = fresh_fragment(passage, can_annotate=context["can_annotate"], oob=True)
    return render(request, "annotations/partials/_passage_panel.html", context, status=status)


def render_highlight_added(request, passage, highlight, *, with_comments=False):
    """The lightest answer to a new highlight: its item, appended to the panel's list, and the
    passage out of band (and the threads, when it came with a comment). The first highlight of a
    passage gets the whole section (there is no list to append to yet)."""
    if not request.htmx or not passage.highlights.exclude(pk=highlight.pk).exists():
        also = ("comments",) if with_comments else ()
        return render_panel_part(request, passage, "highlights", selected_highlight=highlight, also=also)
    user, workspace = request.user, passage.report.workspace
    _marked([highlight], user, workspace, "created_by_id")
    prefetch_related_objects([highlight], Prefetch("tag_links", queryset=TaggedHighlight.objects.select_related("tag")))
    context = {
        "passage": passage,
        "h": highlight,
        "selected_highlight": highlight,
        **roles_context(user, workspace),
    }
    html = [render_to_string("annotations/partials/_highlight_item.html", context, request=request)]
    if with_comments:
        oob = {**context, "comments_oob": True, **_comments_part(user, passage)}
        html.append(render_to_string("annotations/partials/_panel_comments.html", oob, request=request))
    if _on_reading_view(request, passage):
        html.append(fresh_fragment(passage, can_annotate=context["can_annotate"], oob=True))
    return reswap(retarget(HttpResponse("".join(html)), "#highlight-list"), "beforeend")


def render_panel_part(request, passage, part, *, error=None, selected_highlight=None, also=()):
    """A light answer to a write: only the panel section `part` (and the sections in `also`, out of
    band), plus the passage's fragment out of band on the reading view. Without htmx, as
    render_panel."""
    if not request.htmx:
        return render_panel(request, passage, error=error)
    user = request.user
    build, template = PANEL_PARTS[part]
    context = {
        "passage": passage,
        "error": error,
        "part_error": error,
        "selected_highlight": selected_highlight,
        **build(user, passage),
        **roles_context(user, passage.report.workspace),
    }
    html = [render_to_string(template, context, request=request)]
    for other in also:
        build, template = PANEL_PARTS[other]
        oob = {**context, "part_error": None, f"{other}_oob": True, **build(user, passage)}
        html.append(render_to_string(template, oob, request=request))
    if error is None and _on_reading_view(request, passage):
        html.append(fresh_fragment(passage, can_annotate=context["can_annotate"], oob=True))
    return HttpResponse("".join(html))


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
    # Everything the panel shows is covered by the passage's stamp, except the workspace-wide
    # lists it offers (codebook, sources), which are read first and reused to render.
    workspace = passage.report.workspace
    codebook, sources = _codebook(workspace), _workspace_sources(workspace)
    etag = etag_for(
        request,
        (passage.uuid, passage.annotation_stamp, passage.version, passage.status),
        passage.section and passage.section.title,
        (permissions.can_annotate(request.user, workspace), permissions.can_curate(request.user, workspace)),
        [(tag.name, tag.description) for tag in codebook],
        [(source.uuid, source.title) for source in sources],
    )
    if unchanged := not_modified(request, etag):
        return unchanged
    context = panel_context(request, passage, selected_highlight=selected, codebook=codebook, sources=sources)
    return with_etag(render(request, "annotations/partials/_passage_panel.html", context), etag)


@login_required
@require_POST
@rate_limited("tag")
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
    return render_panel_part(request, passage, "tags", error=error)


@login_required
@require_POST
@rate_limited("tag")
def passage_tag_remove(request, uuid):
    passage = get_passage_for_user(request, uuid, permissions.can_annotate)
    tag_uuid = uuid_or_404(request.POST.get("tag"))
    link = get_object_or_404(TaggedPassage.objects.select_related("tag"), content_object=passage, tag__uuid=tag_uuid)
    permissions_ok = permissions.can_change_item(request.user, passage.report.workspace, link.added_by_id)
    if not permissions_ok:
        return render_panel_part(request, passage, "tags", error="Only its author or a curator can remove this tag.")
    passage_remove_tag(passage=passage, tag=link.tag)
    return render_panel_part(request, passage, "tags")


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
