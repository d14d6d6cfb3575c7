"""The passage panel, shared by every view that writes to it (tags, highlights, comments, sources,
status): how its sections are built and how a write answers, whole or in part."""

from urllib.parse import urlsplit

from django.contrib import messages
from django.db.models import Prefetch
from django.db.models.functions import Lower
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django_htmx.http import reswap, retarget

from .. import permissions
from ..forms import HighlightForm, SourceLinkForm, StatusForm, TagAddForm
from ..models import Comment, Passage, Tag, TaggedHighlight
from ..services import EditConflict, ServiceError
from .fragments import fresh_fragment, reread_fragment
from .scoping import roles_context


def _marked(items, user, workspace, owner_attr):
    """Items with .can_change: may this user change or delete it (its owner, or a curator)."""
    items = list(items)
    for item in items:
        item.can_change = permissions.can_change_item(user, workspace, getattr(item, owner_attr))
    return items


def codebook_of(workspace):
    return list(Tag.objects.filter(workspace=workspace).only("name", "description"))


def sources_of(workspace):
    return list(SourceLinkForm(workspace=workspace).fields["source"].queryset)


def _tags_part(user, passage, codebook=None):
    workspace = passage.report.workspace
    links = passage.tag_links.select_related("tag", "added_by").order_by(Lower("tag__name"))
    return {
        "tag_links": _marked(links, user, workspace, "added_by_id"),
        "codebook": codebook_of(workspace) if codebook is None else codebook,
        "tag_form": TagAddForm(),
    }


def _highlights_part(user, passage):
    highlights = (
        passage.highlights.filter(orphaned=False)
        .select_related("created_by")
        .prefetch_related(Prefetch("tag_links", queryset=TaggedHighlight.objects.select_related("tag")))
    )
    return {
        "highlights": _marked(highlights, user, passage.report.workspace, "created_by_id"),
        "highlight_form": HighlightForm(auto_id="hl-%s"),
    }


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
    form = SourceLinkForm(workspace=workspace, auto_id="src-%s", label_suffix="")
    if passage.footnotes:
        form.fields["footnote"].widget.attrs["list"] = "src-footnotes"  # the passage's own markers
    return {
        "source_links": _marked(links, user, workspace, "added_by_id"),
        "source_form": form,
        "workspace_sources": sources_of(workspace) if sources is None else sources,
    }


# A write answers with the part of the panel it changed (htmx swaps that section alone).
PANEL_PARTS = {
    "tags": (_tags_part, "annotations/partials/_panel_tags.html"),
    "highlights": (_highlights_part, "annotations/partials/_panel_highlights.html"),
    "comments": (_comments_part, "annotations/partials/_panel_comments.html"),
}


def panel_context(
    request, passage, *, error=None, selected_highlight=None, codebook=None, sources=None, previous_status=None
):
    """The passage panel: tags, highlights, comment threads, source links, status (and, right after
    a status change, the status it replaced, to offer an undo)."""
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
        "previous_status": Passage.Status(previous_status) if previous_status else None,
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
    if not request.htmx:
        return render_panel(request, passage)
    user, workspace = request.user, passage.report.workspace
    can_annotate = permissions.can_annotate(user, workspace)
    fragment = None
    if _on_reading_view(request, passage):
        # The fresh fragment reads the passage's highlights with their tags: the item reuses them.
        reread, fragment = reread_fragment(passage, can_annotate=can_annotate, oob=True)
        highlights = reread.highlights.all()
    else:
        highlights = passage.highlights.filter(orphaned=False).prefetch_related(
            Prefetch("tag_links", queryset=TaggedHighlight.objects.select_related("tag"))
        )
    if len(highlights) == 1:
        also = ("comments",) if with_comments else ()
        return render_panel_part(request, passage, "highlights", selected_highlight=highlight, also=also)
    created_by = highlight.created_by
    highlight = next(h for h in highlights if h.pk == highlight.pk)
    highlight.created_by = created_by  # the user in hand, not another query
    _marked([highlight], user, workspace, "created_by_id")
    context = {"passage": passage, "h": highlight, "selected_highlight": highlight, **roles_context(user, workspace)}
    html = [render_to_string("annotations/partials/_highlight_item.html", context, request=request)]
    if with_comments:
        oob = {**context, "comments_oob": True, **_comments_part(user, passage)}
        html.append(render_to_string("annotations/partials/_panel_comments.html", oob, request=request))
    if fragment is not None:
        html.append(fragment)
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


def render_write(request, passage, write):
    """Make a service write, then answer with the panel; a refused write with render_refusal."""
    try:
        write()
    except ServiceError as exc:
        return render_refusal(request, passage, exc)
    return render_panel(request, passage)


def render_refusal(request, passage, error, *, part=None):
    """The one answer to a refused write: the message (a service's or a form's) where the write was
    made, in the panel section `part` or else the whole panel, with the passage as it stands. An
    edit conflict is a 409 with the whole panel, so the current state arrives with the message.
    (Writes the user may not make at all are 403s, raised before this.)"""
    message = error if isinstance(error, str) else " ".join(error.messages)
    if isinstance(error, EditConflict):
        return render_panel(request, passage, error=message, status=409)
    if part is None:
        return render_panel(request, passage, error=message)
    return render_panel_part(request, passage, part, error=message)
