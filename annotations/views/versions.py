"""Versions of a report: uploading the next one, the curators' "Needs review" list of orphans, and
the comparison of two versions."""

import uuid as uuid_lib
from collections import defaultdict

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from .. import permissions, services, versioning
from ..comparing import compare_versions
from ..forms import ReportUploadForm
from ..importing import ReportImportError
from ..models import Orphan, Passage, Report, SourceLink
from ..versioning import OrphanError, report_versions
from .scoping import get_report_for_user, require, roles_context

ORPHAN_PAGE = 100


@login_required
@require_POST
def report_new_version(request, uuid):
    """Curators upload a revised edition: a background job imports it as the newest version and
    carries the annotations over (one transaction), while the job's page shows its progress."""
    report = get_report_for_user(request, uuid)
    require(permissions.can_curate, request.user, report.workspace)
    form = ReportUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "Choose a file to upload as the new version.")
        return redirect(report)
    upload = form.cleaned_data["file"]
    try:
        job = services.report_import_upload(
            workspace=report.workspace,
            upload=upload,
            title=form.cleaned_data["title"],
            user=request.user,
            new_version_of=report,
        )
    except ReportImportError as exc:
        messages.error(request, f"{upload.name}: {exc}")
        return redirect(report)
    return redirect(job)


def _orphans_of(report):
    return (
        Orphan.objects.filter(report=report, status=Orphan.Status.OPEN)
        .select_related("passage__report", "highlight__created_by")
        .order_by("passage__order", "highlight__start", "pk")
    )


def _for_review(orphans):
    """Each orphan's candidate passages, and the source links that wait with it (a highlight's, or
    a passage's own), each looked up in one query for the whole page."""
    wanted = {c["passage"] for o in orphans for c in o.candidates}
    found = {str(p.uuid): p for p in Passage.objects.filter(uuid__in=wanted).only("uuid", "order", "text", "label")}
    highlights = {o.highlight_id for o in orphans if o.highlight_id}
    passages = {o.passage_id for o in orphans if not o.highlight_id}
    links = defaultdict(list)
    for link in (
        SourceLink.objects.filter(Q(highlight_id__in=highlights) | Q(passage_id__in=passages, highlight__isnull=True))
        .select_related("source")
        .order_by("pk")
    ):
        links[("h", link.highlight_id) if link.highlight_id else ("p", link.passage_id)].append(link)
    for orphan in orphans:
        orphan.candidate_passages = [
            (found[c["passage"]], c["score"]) for c in orphan.candidates if c["passage"] in found
        ]
        orphan.waiting_links = links[("h", orphan.highlight_id) if orphan.highlight_id else ("p", orphan.passage_id)]
    return orphans


@login_required
def report_orphans(request, uuid):
    """Needs review: what could not be placed in this version, with its old context and the best
    candidates; one click places or dismisses."""
    report = get_report_for_user(request, uuid)
    require(permissions.can_curate, request.user, report.workspace)
    orphans = _orphans_of(report)
    total = orphans.count()
    return render(
        request,
        "annotations/orphan_list.html",
        {
            "report": report,
            "orphans": _for_review(list(orphans[:ORPHAN_PAGE])),
            "total": total,
            "versions": report_versions(report),
            **roles_context(request.user, report.workspace),
        },
    )


def _get_orphan_for_curator(request, uuid):
    orphan = get_object_or_404(
        Orphan.objects.filter(report__in=Report.objects.visible_to(request.user)).select_related(
            "report__workspace", "passage", "highlight"
        ),
        uuid=uuid,
    )
    require(permissions.can_curate, request.user, orphan.report.workspace)
    return orphan


def _after_orphan(request, orphan, error=None):
    if request.htmx:
        context = {"orphan": orphan, "error": error, "report": orphan.report}
        if error:
            _for_review([orphan])
        return render(request, "annotations/partials/_orphan.html", context, status=400 if error else 200)
    if error:
        messages.error(request, error)
    return redirect("annotations:report-orphans", uuid=orphan.report.uuid)


@login_required
@require_POST
def orphan_place(request, uuid):
    orphan = _get_orphan_for_curator(request, uuid)
    try:
        passage = Passage.objects.get(report=orphan.report, uuid=uuid_lib.UUID(request.POST.get("passage", "")))
    except (ValueError, Passage.DoesNotExist):
        return _after_orphan(request, orphan, error="Pick a passage of this version.")
    try:
        orphan = versioning.orphan_place(orphan=orphan, passage=passage, user=request.user)
    except OrphanError as exc:
        return _after_orphan(request, orphan, error=str(exc))
    return _after_orphan(request, orphan)


@login_required
@require_POST
def orphan_dismiss(request, uuid):
    orphan = _get_orphan_for_curator(request, uuid)
    try:
        orphan = versioning.orphan_dismiss(orphan=orphan, user=request.user)
    except OrphanError as exc:
        return _after_orphan(request, orphan, error=str(exc))
    return _after_orphan(request, orphan)


@login_required
def report_compare(request, uuid):
    """What changed between two versions: ?with=<uuid of the other version> (default: the previous)."""
    report = get_report_for_user(request, uuid)
    versions = report_versions(report)
    other_uuid = request.GET.get("with")
    if other_uuid:
        other = next((v for v in versions if str(v.uuid) == other_uuid), None)
        if other is None or other.pk == report.pk:
            raise Http404("No such other version of this report.")
    else:
        earlier = [v for v in versions if v.version_number < report.version_number]
        later = [v for v in versions if v.version_number > report.version_number]
        other = earlier[-1] if earlier else (later[0] if later else None)
    old, new = sorted([other or report, report], key=lambda v: v.version_number)
    annotated_only = request.GET.get("annotated") == "1"
    comparison = compare_versions(old, new, annotated_only=annotated_only) if other is not None else None
    return render(
        request,
        "annotations/report_compare.html",
        {
            "report": report,
            "old": old,
            "new": new,
            "comparison": comparison,
            "annotated_only": annotated_only,
            "versions": versions,
            **roles_context(request.user, report.workspace, report),
        },
    )
