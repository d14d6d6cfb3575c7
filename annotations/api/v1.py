"""The REST API, version 1: function-based endpoints on the browser's scoping, permissions and
services. Lookups go through `visible()` (a record the caller may not see is 404), the role an
action needs is checked with `permissions` (403), and every write calls a service."""

from datetime import datetime
from uuid import UUID

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef, Prefetch, Q
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404
from django.urls import reverse
from ninja import File, Form, NinjaAPI, Query, Status, Swagger
from ninja.errors import ValidationError as InputError
from ninja.files import UploadedFile
from ninja.pagination import CursorPagination, paginate

from .. import jobs, permissions, services
from ..forms import PassageFilterForm
from ..importing import ReportImportError
from ..models import (
    Comment,
    Highlight,
    Job,
    Membership,
    Passage,
    Report,
    Source,
    SourceLink,
    Tag,
    TaggedHighlight,
    TaggedPassage,
    Workspace,
)
from ..search import passages_matching
from ..views.scoping import get_passage_for_user, get_workspace_for_user, require, visible
from . import schemas as s
from .auth import AUTH, PerTokenThrottle
from .selectors import span_of

api = NinjaAPI(
    title="Report annotation workbench API",
    version="1",
    description=(
        "Reports, passages, the codebook, highlights, comments and sources of your workspaces. "
        "Send a personal token as `Authorization: Bearer <token>` (create one under *API tokens* in the "
        "app, or with `manage.py api_token`)."
    ),
    urls_namespace="api",
    auth=AUTH,
    throttle=[PerTokenThrottle()],
    openapi_url="/schema/",
    # Served from our static files; no validator badge, which would fetch from the internet.
    docs=Swagger(settings={"persistAuthorization": False, "validatorUrl": None}),
    docs_url="/docs/",
)

ERRORS = {400: s.Error, 401: s.Error, 403: s.Error, 404: s.Error, 422: s.Error, 429: s.Error}
PAGE = {"ordering": ("pk",), "page_size": 100, "max_page_size": 1000}


def ok(schema, status=200, more=None):
    """The responses of an operation: its success, the errors every operation may answer, `more`."""
    return {status: schema, **ERRORS, **(more or {})}


@api.exception_handler(ValidationError)
def refused(request, exc):
    return api.create_response(request, {"detail": " ".join(exc.messages)}, status=400)


@api.exception_handler(ReportImportError)
def not_imported(request, exc):
    return api.create_response(request, {"detail": f"The file cannot be imported: {exc}"}, status=400)


@api.exception_handler(PermissionDenied)
def denied(request, exc):
    return api.create_response(request, {"detail": "Your role in this workspace does not allow this."}, status=403)


@api.exception_handler(Http404)
def not_found(request, exc):
    return api.create_response(request, {"detail": "Not found (or not yours to see)."}, status=404)


@api.exception_handler(InputError)
def invalid_input(request, exc):
    problems = [
        f"{'.'.join(str(part) for part in error.get('loc', ())[1:]) or 'input'}: {error.get('msg', 'invalid')}"
        for error in exc.errors
    ]
    return api.create_response(request, {"detail": "; ".join(problems) or "Invalid input."}, status=422)


# --- Lookups: scoped like the browser's, narrowed further by a token's workspace ---------------


def _passages(request):
    return visible(request, Passage)


def _passage(request, uuid, check=permissions.can_read):
    return get_passage_for_user(request, uuid, check)


def _item(request, model, uuid):
    return get_object_or_404(
        model.objects.filter(passage__in=_passages(request)).select_related("passage__report__workspace"), uuid=uuid
    )


def _may_change(request, item, owner_id):
    if not permissions.can_change_item(request.user, item.passage.report.workspace, owner_id):
        raise PermissionDenied


def _workspace(request, slug, check=permissions.can_read):
    workspace = get_workspace_for_user(request, slug)
    require(check, request.user, workspace)
    return workspace


PASSAGE_FIELDS = [name for name in s.PassageOut.model_fields if name not in ("section_order", "tags")]


def _passages_out(queryset):
    # Only the columns the output shows: building 1,000 passages and their tag links is most of a page's time.
    return (
        queryset.select_related("report", "section")
        .only(*PASSAGE_FIELDS, "report__uuid", "section__title", "section__order")
        .prefetch_related(
            Prefetch(
                "tag_links", queryset=TaggedPassage.objects.select_related("tag").only("content_object_id", "tag__name")
            )
        )
    )


def _highlights_out(queryset):
    return queryset.select_related("passage", "created_by").prefetch_related(
        Prefetch("tag_links", queryset=TaggedHighlight.objects.select_related("tag"))
    )


def _comments_out(queryset):
    return queryset.select_related("passage", "parent", "highlight", "author")


def _links_out(queryset):
    return queryset.select_related("passage", "source", "highlight", "added_by")


# --- Workspaces and members --------------------------------------------------------------------


@api.get("/workspaces/", response=ok(list[s.WorkspaceOut]), tags=["workspaces"])
def workspace_list(request):
    """The workspaces you belong to, with your role in each."""
    return [
        {"slug": w.slug, "name": w.name, "role": permissions.role_in(request.user, w)}
        for w in visible(request, Workspace).order_by("name")
    ]


@api.get("/workspaces/{slug}/", response=ok(s.WorkspaceOut), tags=["workspaces"])
def workspace_detail(request, slug: str):
    workspace = _workspace(request, slug)
    return {"slug": workspace.slug, "name": workspace.name, "role": permissions.role_in(request.user, workspace)}


@api.get("/workspaces/{slug}/members/", response=ok(list[s.MemberOut]), tags=["workspaces"])
def member_list(request, slug: str):
    workspace = _workspace(request, slug)
    return Membership.objects.filter(workspace=workspace).select_related("user").order_by("user__username")


@api.put("/workspaces/{slug}/members/{username}/", response=ok(s.MemberOut), tags=["workspaces"])
def member_set(request, slug: str, username: str, data: s.MemberIn):
    """Curators add a user (by username) or change a member's role; the last curator stays one."""
    workspace = _workspace(request, slug, permissions.can_curate)
    user = get_object_or_404(get_user_model(), username=username, is_active=True)
    return services.membership_set_role(workspace=workspace, user=user, role=data.role)


@api.delete("/workspaces/{slug}/members/{username}/", response=ok(None, 204), tags=["workspaces"])
def member_remove(request, slug: str, username: str):
    workspace = _workspace(request, slug, permissions.can_curate)
    membership = get_object_or_404(Membership, workspace=workspace, user__username=username)
    services.membership_remove(workspace=workspace, user=membership.user)
    return Status(204, None)


# --- Reports and sections ------------------------------------------------------------------------


def _reports(request):
    return visible(request, Report).select_related("workspace").with_progress()


@api.get("/workspaces/{slug}/reports/", response=ok(list[s.ReportOut]), tags=["reports"])
@paginate(CursorPagination, **PAGE)
def report_list(request, slug: str):
    workspace = _workspace(request, slug)
    return _reports(request).filter(workspace=workspace)


@api.post("/workspaces/{slug}/reports/", response=ok(s.JobOut, 202), tags=["reports"])
def report_upload(request, response: HttpResponse, slug: str, file: File[UploadedFile], title: Form[str] = ""):
    """Curators upload a report file (.txt, .md, .html, .pdf); a background job imports it. Answers
    202 with the job (its URL also in `Location`): poll it until it has succeeded, then its `report`
    is the new report (or the one the same file was imported as before)."""
    workspace = _workspace(request, slug, permissions.can_curate)
    job = services.report_import_upload(workspace=workspace, upload=file, title=title, user=request.user)
    body = _job_out(request, job)
    response["Location"] = body["url"]
    return Status(202, body)


@api.get("/jobs/{uuid}/", response=ok(s.JobOut), tags=["reports"])
def job_detail(request, uuid: UUID):
    """A background job's progress and outcome, for the curators of its workspace."""
    job = get_object_or_404(visible(request, Job).select_related("workspace"), uuid=uuid)
    require(permissions.can_curate, request.user, job.workspace)
    return _job_out(request, jobs.status(job))


def _job_out(request, job):
    return {
        **{field: getattr(job, field) for field in ("uuid", "kind", "status", "phase", "done", "total", "message")},
        "created_at": job.created_at,
        "finished_at": job.finished_at,
        "report": _reports(request).filter(pk=job.report_id).first() if job.report_id else None,
        "url": request.build_absolute_uri(reverse("api:job_detail", args=[job.uuid])),
        "page": request.build_absolute_uri(job.get_absolute_url()),
    }


@api.get("/reports/{uuid}/", response=ok(s.ReportOut), tags=["reports"])
def report_detail(request, uuid: UUID):
    return get_object_or_404(_reports(request), uuid=uuid)


@api.get("/reports/{uuid}/sections/", response=ok(list[s.SectionOut]), tags=["reports"])
def section_list(request, uuid: UUID):
    report = get_object_or_404(visible(request, Report), uuid=uuid)
    return report.sections.order_by("order")


# --- Passages ------------------------------------------------------------------------------------


class PassageFilters(s.Schema):
    workspace: str | None = None
    report: UUID | None = None
    section: int | None = s.Field(None, ge=0, le=999999, description="A section's order in its report.")
    tag: list[str] = s.Field([], description="Passages carrying every one of these tags.")
    status: s.Status | None = None
    q: str | None = s.Field(None, max_length=200, description='Full-text search (words, "phrases", or, -word).')
    changed_since: datetime | None = s.Field(None, description="Passages edited or tagged since then.")


@api.get("/passages/", response=ok(list[s.PassageOut]), tags=["passages"])
@paginate(CursorPagination, **PAGE)
def passage_list(request, filters: Query[PassageFilters]):
    """Passages you can read, in a stable order, a page at a time (follow `next`)."""
    passages = _passages(request)
    if filters.workspace:
        passages = passages.filter(report__workspace__slug=filters.workspace)
    if filters.report:
        passages = passages.filter(report__uuid=filters.report)
    # The reading view's own filters (tags, status, section) do the same here.
    data = QueryDict(mutable=True)
    data.setlist("tag", filters.tag)
    data.update({"status": filters.status or "", "section": "" if filters.section is None else str(filters.section)})
    passages = PassageFilterForm(data).apply(passages)
    if filters.changed_since:
        tagged = TaggedPassage.objects.filter(content_object=OuterRef("pk"), created_at__gte=filters.changed_since)
        passages = passages.filter(Q(updated_at__gte=filters.changed_since) | Exists(tagged))
    if filters.q:
        passages = passages_matching(passages, filters.q)
    return _passages_out(passages)


@api.get("/passages/{uuid}/", response=ok(s.PassageOut), tags=["passages"])
def passage_detail(request, uuid: UUID):
    return _passages_out(_passages(request)).get(pk=_passage(request, uuid).pk)


@api.patch("/passages/{uuid}/", response=ok(s.PassageOut, more={409: s.PassageConflict}), tags=["passages"])
def passage_update(request, uuid: UUID, data: s.PassageStatusIn):
    """Curators set the review status; `version` must be the one you read, or you get 409 and the
    current passage."""
    passage = _passage(request, uuid, permissions.can_curate)
    try:
        services.passage_set_status(passage=passage, status=data.status, expected_version=data.version)
    except services.EditConflict as exc:
        current = _passages_out(Passage.objects.filter(pk=passage.pk)).get()
        return Status(409, {"detail": " ".join(exc.messages), "current": current})
    return _passages_out(Passage.objects.filter(pk=passage.pk)).get()


# --- Codebook and tag links ----------------------------------------------------------------------


@api.get("/workspaces/{slug}/tags/", response=ok(list[s.TagOut]), tags=["codebook"])
def tag_list(request, slug: str):
    """The workspace's codebook."""
    workspace = _workspace(request, slug)
    return Tag.objects.filter(workspace=workspace)


@api.post("/workspaces/{slug}/tags/", response=ok(s.TagOut, 201), tags=["codebook"])
def tag_create(request, slug: str, data: s.TagIn):
    """Curators add a tag to the codebook; a name it has already, in any case, is refused (400)."""
    workspace = _workspace(request, slug, permissions.can_curate)
    return Status(201, services.tag_create(workspace=workspace, **data.dict()))


@api.patch("/tags/{uuid}/", response=ok(s.TagOut), tags=["codebook"])
def tag_rename(request, uuid: UUID, data: s.TagRenameIn):
    """Curators rename a tag; every passage, highlight and report keeps it under the new name."""
    tag = get_object_or_404(visible(request, Tag).select_related("workspace"), uuid=uuid)
    require(permissions.can_curate, request.user, tag.workspace)
    return services.tag_rename(tag=tag, name=data.name)


@api.post("/workspaces/{slug}/tags/merge/", response=ok(s.TagMergeOut), tags=["codebook"])
def tag_merge(request, slug: str, data: s.TagMergeIn):
    """Curators fold tags into one: every tagging moves to the survivor, the others are deleted."""
    workspace = _workspace(request, slug, permissions.can_curate)
    codebook = Tag.objects.filter(workspace=workspace)
    survivor = get_object_or_404(codebook, name__iexact=data.survivor)
    merged = [get_object_or_404(codebook, name__iexact=name) for name in data.merged]
    count = services.tags_merge(survivor=survivor, merged=merged)
    survivor.refresh_from_db()
    return {"merged": count, "survivor": survivor}


@api.get("/passages/{uuid}/tags/", response=ok(list[s.TagLinkOut]), tags=["codebook"])
def passage_tag_list(request, uuid: UUID):
    passage = _passage(request, uuid)
    return passage.tag_links.select_related("tag", "added_by").order_by("tag__name")


@api.post("/passages/{uuid}/tags/", response=ok(s.TagLinkOut, 201), tags=["codebook"])
def passage_tag_add(request, uuid: UUID, data: s.TagLinkIn):
    passage = _passage(request, uuid, permissions.can_annotate)
    tag = services.passage_add_tag(passage=passage, name=data.name, user=request.user)
    return Status(201, passage.tag_links.select_related("tag", "added_by").get(tag=tag))


@api.delete("/passages/{uuid}/tags/{name}/", response=ok(None, 204), tags=["codebook"])
def passage_tag_remove(request, uuid: UUID, name: str):
    """Its author or a curator removes a tag from a passage."""
    passage = _passage(request, uuid, permissions.can_annotate)
    link = get_object_or_404(
        TaggedPassage.objects.select_related("tag"), content_object=passage, tag__name__iexact=name
    )
    if not permissions.can_change_item(request.user, passage.report.workspace, link.added_by_id):
        raise PermissionDenied
    services.passage_remove_tag(passage=passage, tag=link.tag)
    return Status(204, None)


# --- Highlights ----------------------------------------------------------------------------------


@api.get("/passages/{uuid}/highlights/", response=ok(list[s.HighlightOut]), tags=["highlights"])
def highlight_list(request, uuid: UUID):
    passage = _passage(request, uuid)
    return _highlights_out(passage.highlights.order_by("start", "end"))


@api.post("/passages/{uuid}/highlights/", response=ok(s.HighlightOut, 201), tags=["highlights"])
def highlight_create(request, uuid: UUID, data: s.HighlightIn):
    """A highlight from W3C selectors (code-point offsets), with tags and a first comment."""
    passage = _passage(request, uuid, permissions.can_annotate)
    start, end = span_of(passage.text, [selector.dict() for selector in data.selector])
    highlight = services.highlight_create(
        passage=passage, start=start, end=end, user=request.user, tags=data.tags, comment=data.comment
    )
    return Status(201, _highlights_out(Highlight.objects.filter(pk=highlight.pk)).get())


@api.get("/highlights/{uuid}/", response=ok(s.HighlightOut), tags=["highlights"])
def highlight_detail(request, uuid: UUID):
    return _highlights_out(Highlight.objects.filter(pk=_item(request, Highlight, uuid).pk)).get()


@api.delete("/highlights/{uuid}/", response=ok(None, 204), tags=["highlights"])
def highlight_delete(request, uuid: UUID):
    highlight = _item(request, Highlight, uuid)
    _may_change(request, highlight, highlight.created_by_id)
    services.highlight_delete(highlight=highlight)
    return Status(204, None)


@api.post("/highlights/{uuid}/tags/", response=ok(s.HighlightOut, 201), tags=["highlights"])
def highlight_tag_add(request, uuid: UUID, data: s.TagLinkIn):
    highlight = _item(request, Highlight, uuid)
    require(permissions.can_annotate, request.user, highlight.passage.report.workspace)
    services.highlight_add_tag(highlight=highlight, name=data.name, user=request.user)
    return Status(201, _highlights_out(Highlight.objects.filter(pk=highlight.pk)).get())


@api.delete("/highlights/{uuid}/tags/{name}/", response=ok(None, 204), tags=["highlights"])
def highlight_tag_remove(request, uuid: UUID, name: str):
    highlight = _item(request, Highlight, uuid)
    link = get_object_or_404(
        TaggedHighlight.objects.select_related("tag"), content_object=highlight, tag__name__iexact=name
    )
    _may_change(request, highlight, link.added_by_id)
    services.highlight_remove_tag(highlight=highlight, tag=link.tag)
    return Status(204, None)


# --- Comments ------------------------------------------------------------------------------------


@api.get("/passages/{uuid}/comments/", response=ok(list[s.CommentOut]), tags=["comments"])
def comment_list(request, uuid: UUID):
    """Every comment on the passage, oldest first; replies name their thread's first comment."""
    passage = _passage(request, uuid)
    return _comments_out(passage.comments.order_by("created_at", "id"))


@api.post("/passages/{uuid}/comments/", response=ok(s.CommentOut, 201), tags=["comments"])
def comment_create(request, uuid: UUID, data: s.CommentIn):
    passage = _passage(request, uuid, permissions.can_annotate)
    parent = get_object_or_404(Comment, passage=passage, uuid=data.parent) if data.parent else None
    highlight = get_object_or_404(Highlight, passage=passage, uuid=data.highlight) if data.highlight else None
    comment = services.comment_create(
        passage=passage, author=request.user, body=data.body, parent=parent, highlight=highlight
    )
    return Status(201, _comments_out(Comment.objects.filter(pk=comment.pk)).get())


@api.get("/comments/{uuid}/", response=ok(s.CommentOut), tags=["comments"])
def comment_detail(request, uuid: UUID):
    return _comments_out(Comment.objects.filter(pk=_item(request, Comment, uuid).pk)).get()


@api.patch("/comments/{uuid}/", response=ok(s.CommentOut, more={409: s.CommentConflict}), tags=["comments"])
def comment_update(request, uuid: UUID, data: s.CommentEditIn):
    """Its author or a curator edits a comment; `version` must be the one you read (else 409 with
    the current comment)."""
    comment = _item(request, Comment, uuid)
    _may_change(request, comment, comment.author_id)
    try:
        services.comment_edit(comment=comment, body=data.body, expected_version=data.version)
    except services.EditConflict as exc:
        current = _comments_out(Comment.objects.filter(pk=comment.pk)).get()
        return Status(409, {"detail": " ".join(exc.messages), "current": current})
    return _comments_out(Comment.objects.filter(pk=comment.pk)).get()


@api.post("/comments/{uuid}/resolve/", response=ok(s.CommentOut), tags=["comments"])
def comment_resolve(request, uuid: UUID, data: s.ResolveIn):
    """The thread's author or a curator resolves or reopens the comment's thread; answers with the
    thread's first comment."""
    comment = _item(request, Comment, uuid)
    thread = comment.parent or comment
    _may_change(request, comment, thread.author_id)
    root = services.comment_set_resolved(comment=thread, resolved=data.resolved)
    return _comments_out(Comment.objects.filter(pk=root.pk)).get()


@api.delete("/comments/{uuid}/", response=ok(None, 204), tags=["comments"])
def comment_delete(request, uuid: UUID):
    """Soft delete: the text goes, the thread keeps its replies."""
    comment = _item(request, Comment, uuid)
    _may_change(request, comment, comment.author_id)
    services.comment_delete(comment=comment)
    return Status(204, None)


# --- Sources and source links --------------------------------------------------------------------


@api.get("/workspaces/{slug}/sources/", response=ok(list[s.SourceOut]), tags=["sources"])
@paginate(CursorPagination, **PAGE)
def source_list(request, slug: str):
    workspace = _workspace(request, slug)
    return visible(request, Source).filter(workspace=workspace)


@api.post("/workspaces/{slug}/sources/", response=ok(s.SourceOut, 201, more={200: s.SourceOut}), tags=["sources"])
def source_create(request, slug: str, data: s.SourceIn):
    """Annotators add a source; one whose URL the workspace has already (compared normalized) is
    returned with 200 instead."""
    workspace = _workspace(request, slug, permissions.can_annotate)
    source, created = services.source_get_or_create(workspace=workspace, **data.dict())
    return Status(201 if created else 200, source)


@api.get("/sources/{uuid}/", response=ok(s.SourceOut), tags=["sources"])
def source_detail(request, uuid: UUID):
    return get_object_or_404(visible(request, Source), uuid=uuid)


@api.get("/passages/{uuid}/source-links/", response=ok(list[s.SourceLinkOut]), tags=["sources"])
def source_link_list(request, uuid: UUID):
    passage = _passage(request, uuid)
    return _links_out(passage.source_links.order_by("created_at", "id"))


@api.post(
    "/passages/{uuid}/source-links/", response=ok(s.SourceLinkOut, 201, more={200: s.SourceLinkOut}), tags=["sources"]
)
def source_link_create(request, uuid: UUID, data: s.SourceLinkIn):
    """Link a source of the workspace to the passage (or to one of its highlights)."""
    passage = _passage(request, uuid, permissions.can_annotate)
    source = get_object_or_404(Source, workspace=passage.report.workspace, uuid=data.source)
    highlight = get_object_or_404(Highlight, passage=passage, uuid=data.highlight) if data.highlight else None
    link, created = services.source_link_create(
        passage=passage,
        source=source,
        relation=data.relation,
        footnote=data.footnote,
        note=data.note,
        highlight=highlight,
        user=request.user,
    )
    return Status(201 if created else 200, _links_out(SourceLink.objects.filter(pk=link.pk)).get())


@api.delete("/source-links/{uuid}/", response=ok(None, 204), tags=["sources"])
def source_link_delete(request, uuid: UUID):
    link = _item(request, SourceLink, uuid)
    _may_change(request, link, link.added_by_id)
    services.source_link_delete(link=link)
    return Status(204, None)
