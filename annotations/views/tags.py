from collections import defaultdict

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from .. import permissions
from ..models import Highlight, Passage, Report, Tag, TaggedHighlight, TaggedPassage
from ..services import ServiceError, codebook_merge
from ..sharing.qdc import MAX_QDC_BYTES, CodebookError, read_codebook
from .scoping import get_workspace_for_user, require, roles_context


class CodebookUploadForm(forms.Form):
    file = forms.FileField(label="REFI-QDA codebook (.qdc)")


def _tag_list(request, workspace, upload_form=None, status=200):
    reports = list(Report.objects.filter(workspace=workspace).only("uuid", "title").order_by("title"))
    usage = defaultdict(dict)
    for row in (
        TaggedPassage.objects.filter(content_object__report__workspace=workspace)
        .values("tag_id", "content_object__report_id")
        .annotate(n=Count("pk"))
    ):
        usage[row["tag_id"]][row["content_object__report_id"]] = row["n"]
    highlight_usage = dict(
        TaggedHighlight.objects.filter(content_object__passage__report__workspace=workspace)
        .values("tag_id")
        .annotate(n=Count("pk"))
        .values_list("tag_id", "n")
    )
    tags = list(Tag.objects.filter(workspace=workspace))
    for tag in tags:
        tag.per_report = [usage[tag.pk].get(report.pk, 0) for report in reports]
        tag.total = sum(tag.per_report)
        tag.highlight_total = highlight_usage.get(tag.pk, 0)
    context = {
        "reports": reports,
        "tags": tags,
        "upload_form": upload_form or CodebookUploadForm(),
        **roles_context(request.user, workspace),
    }
    return render(request, "annotations/tag_list.html", context, status=status)


@login_required
def tag_list(request, slug):
    """The workspace's codebook, with how often each tag is used in its reports."""
    return _tag_list(request, get_workspace_for_user(request, slug))


@login_required
@require_POST
def codebook_import(request, slug):
    """Curators merge a REFI-QDA codebook into the workspace's, as `import_codebook` does."""
    workspace = get_workspace_for_user(request, slug)
    require(permissions.can_curate, request.user, workspace)
    form = CodebookUploadForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            if upload.size > MAX_QDC_BYTES:
                raise CodebookError(f"The file is {upload.size:,} bytes; codebooks are at most {MAX_QDC_BYTES:,}.")
            result = codebook_merge(workspace=workspace, codes=read_codebook(upload.read()))
        except CodebookError as error:
            form.add_error("file", str(error))
        except ServiceError as error:
            form.add_error("file", " ".join(error.messages))
        else:
            messages.success(request, f"Imported {upload.name}: {result.summary()}")
            return redirect("annotations:tag-list", workspace.slug)
    return _tag_list(request, workspace, upload_form=form, status=400)


TAG_DETAIL_LIMIT = 500


@login_required
def tag_detail(request, slug, uuid):
    """Every passage and highlight of the workspace carrying the tag, with links into the text."""
    workspace = get_workspace_for_user(request, slug)
    tag = get_object_or_404(Tag, workspace=workspace, uuid=uuid)
    passages = (
        Passage.objects.filter(tag_links__tag=tag)
        .select_related("report", "section")
        .order_by("report__title", "order")[:TAG_DETAIL_LIMIT]
    )
    highlights = (
        Highlight.objects.filter(tag_links__tag=tag)
        .select_related("passage__report", "created_by")
        .prefetch_related(Prefetch("tag_links", queryset=TaggedHighlight.objects.select_related("tag")))
        .order_by("passage__report__title", "passage__order", "start")[:TAG_DETAIL_LIMIT]
    )
    return render(
        request,
        "annotations/tag_detail.html",
        {"workspace": workspace, "tag": tag, "passages": passages, "highlights": highlights, "limit": TAG_DETAIL_LIMIT},
    )
