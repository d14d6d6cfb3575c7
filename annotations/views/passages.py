from itertools import chain

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import CharField, F, Value
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_POST

from .. import permissions, services
from ..forms import StatusForm, TagAddForm
from ..models import Comment, SourceLink, Tag, TaggedHighlight, TaggedPassage
from ..ratelimit import rate_limited
from ..sharing.fixture_import import CHANGE_REASON as IMPORT_REASON
from .conditional import etag_for, not_modified, with_etag
from .panel import codebook_of, panel_context, render_panel, render_panel_part, render_refusal, sources_of
from .scoping import get_highlight_of, get_passage_for_user, uuid_or_404


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
    codebook, sources = codebook_of(workspace), sources_of(workspace)
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
    if not form.is_valid():
        return render_refusal(request, passage, "Type the name of a tag.", part="tags")
    try:
        services.passage_add_tag(passage=passage, name=form.cleaned_data["name"], user=request.user)
    except services.ServiceError as exc:
        return render_refusal(request, passage, exc, part="tags")
    return render_panel_part(request, passage, "tags")


@login_required
@require_POST
@rate_limited("tag")
def passage_tag_remove(request, uuid):
    passage = get_passage_for_user(request, uuid, permissions.can_annotate)
    tag_uuid = uuid_or_404(request.POST.get("tag"))
    link = get_object_or_404(TaggedPassage.objects.select_related("tag"), content_object=passage, tag__uuid=tag_uuid)
    if not permissions.can_change_item(request.user, passage.report.workspace, link.added_by_id):
        raise PermissionDenied("Only its author or a curator can remove this tag.")
    services.passage_remove_tag(passage=passage, tag=link.tag)
    return render_panel_part(request, passage, "tags")


@login_required
@require_POST
def passage_status(request, uuid):
    passage = get_passage_for_user(request, uuid, permissions.can_curate)
    form = StatusForm(request.POST)
    if not form.is_valid():
        return render_refusal(request, passage, "Choose a status.")
    previous = passage.status
    try:
        services.passage_set_status(
            passage=passage, status=form.cleaned_data["status"], expected_version=form.cleaned_data["version"]
        )
    except services.ServiceError as exc:
        return render_refusal(request, get_passage_for_user(request, passage.uuid), exc)
    passage = get_passage_for_user(request, passage.uuid)
    return render_panel(request, passage, previous_status=previous if previous != passage.status else None)


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


LINK_HISTORY_FIELDS = [
    "id",
    "history_id",
    "history_date",
    "history_type",
    "history_change_reason",
    "tag_id",
    "tag__name",
    "history_user__username",
]


def _tag_link_entries(passage):
    """Tags added to, removed from or merged on the passage and its highlights: who, when, which.
    One query for both kinds of link (the tags of deleted highlights go with them)."""
    on_passage = (
        TaggedPassage.history.filter(content_object_id=passage.pk)
        .annotate(quote=Value(None, output_field=CharField()))
        .values(*LINK_HISTORY_FIELDS, "quote")
        .order_by()
    )
    on_highlights = (
        TaggedHighlight.history.filter(content_object__passage_id=passage.pk)
        .annotate(quote=F("content_object__exact"))
        .values(*LINK_HISTORY_FIELDS, "quote")
        .order_by()
    )
    records = sorted(on_passage.union(on_highlights, all=True), key=lambda r: (r["history_date"], r["history_id"]))
    names = {r["tag_id"]: r["tag__name"] for r in records if r["tag__name"] is not None}
    gone = {r["tag_id"] for r in records} - set(names)
    if gone:  # tags merged away since: their names are in their own history
        names |= Tag.names_by_id(gone)
    previous = {}
    for record in records:
        key = (record["quote"] is not None, record["id"])
        before, previous[key] = previous.get(key), record
        name = names.get(record["tag_id"], "(unknown tag)")
        reason = record["history_change_reason"] or ""
        kind = record["history_type"]
        if kind == "~" and before is not None and before["tag_id"] != record["tag_id"]:
            what = f"tag {names.get(before['tag_id'], '(unknown tag)')} merged into {name}"
        elif reason.startswith("Merged "):
            what = "tag " + reason.removeprefix("Merged ").replace(" into ", " merged into ", 1)
        elif kind == "+":
            what = f"tagged {name}"
        elif kind == "-":
            what = f"removed tag {name}"
        else:
            continue  # nothing a reader needs (the link's own stamp)
        if record["quote"] is not None:
            what += f" {'from' if kind == '-' else 'on'} the highlight “{record['quote']}”"
        who = record["history_user__username"]
        if who is None and reason.startswith(IMPORT_REASON):
            who = "import"
        yield {"when": record["history_date"], "who": who, "what": what, "detail": ""}


@login_required
def passage_history(request, uuid):
    """Who did what to the passage, its tags (and its highlights' tags), comments and source
    links, newest first."""
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
        _tag_link_entries(passage),
    )
    entries = sorted(entries, key=lambda e: e["when"], reverse=True)
    return render(request, "annotations/partials/_passage_history.html", {"passage": passage, "entries": entries})
