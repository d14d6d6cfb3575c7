from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Exists, F, Min, OuterRef, Q
from django.db.models.functions import Greatest
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from .. import permissions, services
from ..forms import PassageFilterForm, ReportMetadataForm, ReportUploadForm
from ..importing import ReportImportError, refuse_oversized
from ..importing.load import import_report_file
from ..models import Passage, Report, Tag, TaggedPassage
from ..reading import note_finder
from .scoping import get_report_for_user, get_workspace_for_user, require, roles_context

PAGE_SIZE = 200

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
    """Curators import a report file: the same importer as `import_report`, all or nothing."""
    workspace = get_workspace_for_user(request, slug)
    require(permissions.can_curate, request.user, workspace)
    form = ReportUploadForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            refuse_oversized(upload.size, settings.REPORT_MAX_UPLOAD_BYTES)
            result = import_report_file(
                upload.read(),
                filename=upload.name,
                workspace=workspace,
                title=form.cleaned_data["title"] or None,
                imported_by=request.user,
            )
        except ReportImportError as exc:
            form.add_error("file", f"{upload.name}: {exc}")
        else:
            if result.created:
                messages.success(
                    request, f"Imported “{result.report.title}”: {result.passages} passages, {result.notes} notes."
                )
            else:
                messages.info(request, f"This file was imported before, as “{result.report.title}”.")
            return redirect(result.report)
    return _report_list(request, workspace, upload_form=form, status=400)


def _offset(request):
    try:
        return max(0, int(request.GET.get("offset", 0)))
    except ValueError:
        return 0


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

    page = list(matching.for_reading()[offset : offset + PAGE_SIZE])
    find_notes = note_finder(
        Passage.objects.filter(report=report, kind=Passage.Kind.NOTE).only("uuid", "order", "label", "text")
    )
    for passage in page:
        passage.note_refs = find_notes(passage)
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
        **roles_context(request.user, report.workspace),
    }


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
    context.update(
        sections=sections,
        codebook=Tag.objects.filter(workspace=report.workspace).only("name", "description"),
        members=permissions.workspace_members(request.user, report.workspace),
        previous_offset=max(0, offset - PAGE_SIZE) if offset else None,
        metadata_form=ReportMetadataForm(instance=report) if context["can_curate"] else None,
    )
    return render(request, "annotations/report_read.html", context)


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
    return render(request, "annotations/partials/_passage_chunk.html", context)
