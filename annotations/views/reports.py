from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import F, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from .. import jobs, permissions, reading, services
from ..forms import PassageFilterForm, ReportMetadataForm, ReportUploadForm
from ..importing import ReportImportError
from ..models import Job, Report, Tag
from ..versioning import report_versions
from .conditional import etag_for, not_modified, with_etag
from .fragments import passage_fragments
from .scoping import get_report_for_user, get_workspace_for_user, require, roles_context

REPORT_SORTS = {
    "recent": "-created_at",
    "title": "title",
    "activity": "-last_activity",
    "progress": "-tagged_share",
    "published": F("published_on").desc(nulls_last=True),
}


def _report_list(request, workspace, upload_form=None, status=200):
    reports = Report.objects.filter(workspace=workspace).for_list()
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
    workspace = get_workspace_for_user(request, slug, permissions.can_curate)
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


def _number(request, name):
    """A count from the query string (?offset=, ?outline=); anything but a plain number is 0."""
    value = request.GET.get(name, "")
    return int(value) if value.isascii() and value.isdigit() else 0


def _passage_list(request, report, filters, offset):
    """The chunk of passages at `offset`, with what the reader may do; its ETag parts."""
    context = {
        "report": report,
        "filters": filters,
        **reading.passage_page(report, filters, offset),
        **roles_context(request.user, report.workspace, report),
    }
    return context, (reading.page_state(context), context["can_annotate"], context["can_curate"])


def _attach_fragments(context):
    fragments = passage_fragments(context["passages"], report=context["report"], can_annotate=context["can_annotate"])
    for passage in context["passages"]:
        passage.fragment = fragments[passage.pk]


@login_required
def report_read(request, uuid):
    report = get_report_for_user(request, uuid)
    filters = PassageFilterForm(request.GET)
    offset = _number(request, "offset")
    if "at" in request.GET and "offset" not in request.GET:
        offset = reading.page_holding(report, filters, request.GET["at"])
    context, page_state = _passage_list(request, report, filters, offset)
    sections = reading.counted_sections(report, context["groups"])
    outline = _number(request, "outline") if "outline" in request.GET else None
    context.update(
        reading.outline_page(sections, context["offset"], outline),
        codebook=list(Tag.objects.filter(workspace=report.workspace).only("name", "description")),
        members=list(permissions.workspace_members(request.user, report.workspace)),
        metadata_form=ReportMetadataForm(instance=report) if context["can_curate"] else None,
        versions=report_versions(report),
        version_form=ReportUploadForm(),
    )
    etag = etag_for(
        request,
        (report.uuid, report.title, report.authors, report.publisher, report.published_on, report.updated_at),
        (report.workspace.slug, report.workspace.name),
        reading.sections_state(sections),
        page_state,
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
    context, page_state = _passage_list(request, report, PassageFilterForm(request.GET), _number(request, "offset"))
    etag = etag_for(request, page_state)
    if unchanged := not_modified(request, etag):
        return unchanged
    _attach_fragments(context)
    return with_etag(render(request, "annotations/partials/_passage_chunk.html", context), etag)
