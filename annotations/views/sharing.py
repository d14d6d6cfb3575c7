"""Sharing from the browser: curators import a fixture into their workspace and export the
workspace (or a report's annotations). Both are background jobs; the job's page shows progress,
then the outcome and, for an export, the download."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from .. import permissions, services
from ..forms import ExportForm, FixtureImportForm
from ..models import Job
from .scoping import get_workspace_for_user, require, roles_context

RECENT_JOBS = 20
CONTENT_TYPES = {".json": "application/json", ".csv": "text/csv; charset=utf-8", ".jsonld": "application/ld+json"}


def _share_page(request, workspace, *, import_form=None, export_form=None, status=200):
    return render(
        request,
        "annotations/workspace_share.html",
        {
            "import_form": import_form or FixtureImportForm(),
            "export_form": export_form or ExportForm(workspace=workspace),
            "jobs": Job.objects.filter(workspace=workspace).select_related("created_by")[:RECENT_JOBS],
            **roles_context(request.user, workspace),
        },
        status=status,
    )


@login_required
def workspace_share(request, slug):
    return _share_page(request, get_workspace_for_user(request, slug, permissions.can_curate))


@login_required
@require_POST
def fixture_import(request, slug):
    workspace = get_workspace_for_user(request, slug, permissions.can_curate)
    form = FixtureImportForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            job = services.fixture_import_upload(
                workspace=workspace,
                upload=form.cleaned_data["file"],
                user=request.user,
                dry_run=form.cleaned_data["dry_run"],
                apply_deletions=form.cleaned_data["apply_deletions"],
            )
        except services.ServiceError as error:
            form.add_error("file", error)
        else:
            return redirect(job)
    return _share_page(request, workspace, import_form=form, status=400)


@login_required
@require_POST
def export_start(request, slug):
    workspace = get_workspace_for_user(request, slug, permissions.can_curate)
    form = ExportForm(request.POST, workspace=workspace)
    if form.is_valid():
        try:
            job = services.export_start(
                workspace=workspace,
                user=request.user,
                what=form.cleaned_data["what"],
                report=form.cleaned_data["report"],
            )
        except services.ServiceError as error:
            form.add_error(None, error)
        else:
            return redirect(job)
    return _share_page(request, workspace, export_form=form, status=400)


@login_required
def job_download(request, uuid):
    """The file an export job wrote, for the curators of its workspace."""
    job = get_object_or_404(Job.objects.visible_to(request.user).select_related("workspace"), uuid=uuid)
    require(permissions.can_curate, request.user, job.workspace)
    if job.status != Job.Status.SUCCEEDED or not job.result_name:
        raise Http404
    extension = job.result_name[job.result_name.rfind(".") :]
    response = HttpResponse(bytes(job.result), content_type=CONTENT_TYPES.get(extension, "application/octet-stream"))
    response["Content-Disposition"] = f'attachment; filename="{job.result_name}"'
    return response
