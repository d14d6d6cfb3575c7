from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Exists, F, Min, OuterRef, Q
from django.db.models.functions import Greatest
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from .. import jobs, permissions, services
from ..forms import PassageFilterForm, ReportMetadataForm, ReportUploadForm
from ..importing import ReportImportError
from ..models import Job, Passage, Report, Tag, TaggedPassage
from ..versioning import report_versions
from .conditional import etag_for, not_modified, with_etag
from .fragments import passage_fragments
from .scoping import get_report_for_user, get_workspace_for_user, require, roles_context

PAGE_SIZE = 200
# Long reports page their section outline (a few thousand headings would be megabytes on every open).
OUTLINE_SIZE = 100

REPORT_SORTS = {
    "recent": "-created_at",
    "title": "title",
    "activity": "-last_activity",
    "progress": "-tagged_share",
    "published": F("published_on").desc(nulls_last=True),
}


def reports_for_list(workspace):
    return (
        Report.objects.filter(workspace=workspace)
        .latest_versions()
        .with_progress()
        .with_last_activity()
        .annotate(tagged_share=F("tagged_count") * 1.0 / Greatest(F("passage_count"), 1))
    )


def _report_list(request, workspace, upload_form=None, status=200):
    reports = reports_for_list(workspace)
    q = request.GET.get("q", "").strip()
    if q:
        reports = reports.filter(Q(title__icontains=q) | Q(authors__icontains=q) | Q(publisher__icontains=q))
    sort = request.GET.get("sort", "recent")
    if sort not in REPORT_SORTS:
        sort = "recent"
    return render(
        request,
        "annotations/report_list.html",
        {
            "reports": reports.order_by(REPORT_SORTS[sort], "pk"),
            "q": q,
            "sort": sort,
            "sorts": list(REPORT_SORTS),
            "upload_form": upload_form or ReportUploadForm(),
            **roles_context(request.user, workspace),
        },
        status=status,
    )


@login_required
def report_list(request, slug):
    return _report_list(request, get_workspace_for_user(request, slug))


@login_required
@require_POST
def report_upload(request, slug):
    """Curators upload a report file; a background job imports it (the same importer as
    `import_report`, all or nothing) while the job page shows its progress."""
    workspace = get_workspace_for_user(request, slug)
    require(permissions.can_curate, request.user, workspace)
    form = ReportUploadForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            job = services.report_import_upload(
                workspace=workspace, upload=upload, title=form.cleaned_data["title"], user=request.user
            )
        except ReportImportError as exc:
            form.add_error("file", f"{upload.name}: {exc}")
        else:
            return redirect(job)
    return _report_list(request, workspace, upload_form=form, status=400)


@login_required
def job_detail(request, uuid):
    """A job's progress and outcome; htmx polls the fragment until the job has finished."""
    job = get_object_or_404(Job.objects.visible_to(request.user).select_related("workspace", "report"), uuid=uuid)
    require(permissions.can_curate, request.user, job.workspace)
    job = jobs.status(job)
    template = "annotations/partials/_job.html" if request.htmx else "annotations/job_detail.html"
    return render(request, template, {"job": job, "workspace": job.workspace})


def _offset(request, name="offset"):
    """?offset= (or another count), clamped by the caller; anything but a plain number is 0."""
    value = request.GET.get(name, "")
    return int(value) if value.isascii() and value.isdigit() else 0


def _outline_page(request, sections, offset):
    """The outline's OUTLINE_SIZE sections: from ?outline= when given, else around the current page
    of passages; with the start of the pages before and after (None at either end)."""
    if len(sections) <= OUTLINE_SIZE:
        return sections, None, None
    last_start = (len(sections) - 1) // OUTLINE_SIZE * OUTLINE_SIZE
    if "outline" in request.GET:
        start = min(_offset(request, "outline") // OUTLINE_SIZE * OUTLINE_SIZE, last_start)
    else:
        here = next((i for i, s in enumerate(sections) if s.page_offset is not None and s.page_offset >= offset), 0)
        start = here // OUTLINE_SIZE * OUTLINE_SIZE
    earlier = start - OUTLINE_SIZE if start else None
    later = start + OUTLINE_SIZE if start < last_start else None
    return sections[start : start + OUTLINE_SIZE], earlier, later


def _reading_context(request, report, filters, offset):
    """Everything the passage list needs, in a fixed number of queries whatever its length."""
    matching = filters.apply(Passage.objects.filter(report=report))
    # Per section: how many passages match, how many carry a tag, where the section starts.
    groups = list(
        matching.annotate(has_tag=Exists(TaggedPassage.objects.filter(content_object=OuterRef("pk"))))
        .order_by()
        .values("section_id")
        .annotate(n=Count("pk"), tagged=Count("pk", filter=Q(has_tag=True)), first=Min("order"))
    )
    groups.sort(key=lambda g: g["first"])
    first_order = {g["section_id"]: g["first"] for g in groups}
    total = sum(g["n"] for g in groups)
    # An offset past the end (typed, or left over from a longer filter) shows the last page.
    offset = min(offset, max(0, total - 1) // PAGE_SIZE * PAGE_SIZE)

    # Only what the chunk needs around the passages' fragments; the stamps are read before any
    # fragment is rendered, so a fragment is never cached under a newer stamp than its content.
    page = list(
        matching.select_related("section")
        .only("uuid", "order", "annotation_stamp", "section__order", "section__title", "section__level")
        .order_by("order")[offset : offset + PAGE_SIZE]
    )
    for passage in page:
        passage.starts_section = passage.section_id is not None and first_order.get(passage.section_id) == passage.order
    next_offset = offset + PAGE_SIZE if offset + PAGE_SIZE < total else None
    return {
        "report": report,
        "filters": filters,
        "filter_query": filters.query_items(),
        "passages": page,
        "groups": groups,
        "total": total,
        "offset": offset,
        "next_offset": next_offset,
        **roles_context(request.user, report.workspace, report),
    }


def _page_state(context):
    """What the passage list shows, for the ETag: the passages' stamps, headings and the paging."""
    return (
        [(p.uuid, p.annotation_stamp, p.starts_section, _heading(p.section)) for p in context["passages"]],
        context["total"],
        context["next_offset"],
        context["can_annotate"],
        context["can_curate"],
    )


def _heading(section):
    return section and (section.order, section.title, section.level)


def _attach_fragments(context):
    fragments = passage_fragments(context["passages"], report=context["report"], can_annotate=context["can_annotate"])
    for passage in context["passages"]:
        passage.fragment = fragments[passage.pk]


def _page_holding(report, filters, passage_uuid):
    """The offset of the chunk holding a passage (?at=<uuid>), so links into long reports land."""
    matching = filters.apply(Passage.objects.filter(report=report))
    try:
        order = matching.filter(uuid=passage_uuid).values_list("order", flat=True).first()
    except ValidationError:  # not a uuid
        return 0
    if order is None:
        return 0
    return matching.filter(order__lt=order).count() // PAGE_SIZE * PAGE_SIZE


@login_required
def report_read(request, uuid):
    report = get_report_for_user(request, uuid)
    filters = PassageFilterForm(request.GET)
    offset = _offset(request)
    if "at" in request.GET and "offset" not in request.GET:
        offset = _page_holding(report, filters, request.GET["at"])
    context = _reading_context(request, report, filters, offset)
    sections = list(report.sections.all())
    by_section = {g["section_id"]: g for g in context["groups"]}
    running = 0
    starts = {}
    for group in context["groups"]:
        starts[group["section_id"]] = running
        running += group["n"]
    for section in sections:
        group = by_section.get(section.pk, {})
        section.match_count = group.get("n", 0)
        section.tagged_count = group.get("tagged", 0)
        # The page of the chunked list on which the section begins, so outline links can jump there.
        section.page_offset = starts[section.pk] // PAGE_SIZE * PAGE_SIZE if section.pk in starts else None
    offset = context["offset"]  # clamped to the report
    outline, outline_earlier, outline_later = _outline_page(request, sections, offset)
    context.update(
        sections=outline,
        section_count=len(sections),
        outline_earlier=outline_earlier,
        outline_later=outline_later,
        codebook=list(Tag.objects.filter(workspace=report.workspace).only("name", "description")),
        members=list(permissions.workspace_members(request.user, report.workspace)),
        previous_offset=max(0, offset - PAGE_SIZE) if offset else None,
        metadata_form=ReportMetadataForm(instance=report) if context["can_curate"] else None,
        versions=report_versions(report),
        version_form=ReportUploadForm(),
    )
    etag = etag_for(
        request,
        (report.uuid, report.title, report.authors, report.publisher, report.published_on, report.updated_at),
        (report.workspace.slug, report.workspace.name),
        [(s.pk, s.order, s.title, s.level, s.match_count, s.tagged_count, s.page_offset) for s in sections],
        _page_state(context),
        [(tag.name, tag.description) for tag in context["codebook"]],
        [member.username for member in context["members"]],
    )
    if unchanged := not_modified(request, etag):
        return unchanged
    _attach_fragments(context)
    return with_etag(render(request, "annotations/report_read.html", context), etag)


@login_required
@require_POST
def report_metadata(request, uuid):
    """Curators correct a report's title, authors, publisher, date, number and source URL."""
    report = get_report_for_user(request, uuid)
    require(permissions.can_curate, request.user, report.workspace)
    form = ReportMetadataForm(request.POST, instance=Report.objects.get(pk=report.pk))
    if form.is_valid():
        fields = {name: form.cleaned_data[name] for name in services.REPORT_METADATA_FIELDS}
        services.report_update_metadata(report=report, user=request.user, **fields)
        messages.success(request, "Report details saved.")
        return redirect(report)
    context = {"report": report, "metadata_form": form, **roles_context(request.user, report.workspace)}
    return render(request, "annotations/report_metadata.html", context, status=400)


@login_required
def report_passages(request, uuid):
    """The next chunk of a long report's passages (htmx: appended when the end comes into view)."""
    report = get_report_for_user(request, uuid)
    context = _reading_context(request, report, PassageFilterForm(request.GET), _offset(request))
    etag = etag_for(request, _page_state(context))
    if unchanged := not_modified(request, etag):
        return unchanged
    _attach_fragments(context)
    return with_etag(render(request, "annotations/partials/_passage_chunk.html", context), etag)
