from collections import defaultdict
from uuid import UUID

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Prefetch
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from .. import permissions
from ..models import Highlight, Passage, Report, Tag, TaggedHighlight, TaggedPassage
from ..services import ServiceError, codebook_merge
from ..sharing.excerpts import EXCERPT_LIMIT, collect_excerpts, excerpts_docx, excerpts_html
from ..sharing.qdc import MAX_QDC_BYTES, CodebookError, read_codebook
from .scoping import get_workspace_for_user, roles_context


class CodebookUploadForm(forms.Form):
    file = forms.FileField(label="REFI-QDA codebook (.qdc)")


# A GET download: more tags would make an address longer than servers accept (gunicorn: 4 kB).
MAX_EXCERPT_TAGS = 50


class ChosenTagsField(forms.ModelMultipleChoiceField):
    """Tags by uuid; a malformed uuid is "not a tag", like an unknown or another codebook's one."""

    def clean(self, value):
        # Counted before the database is asked about thousands of values.
        if value and len(value) > MAX_EXCERPT_TAGS:
            raise forms.ValidationError(f"Choose at most {MAX_EXCERPT_TAGS} tags for one export ({len(value)} chosen).")
        for item in value or ():
            try:
                UUID(str(item))
            except ValueError:
                raise forms.ValidationError(self.error_messages["invalid_choice"]) from None
        return super().clean(value)


class ExcerptsForm(forms.Form):
    """Which tags of the workspace's codebook, in which format (by uuid: any name works)."""

    tag = ChosenTagsField(
        queryset=Tag.objects.none(),
        to_field_name="uuid",
        error_messages={
            "required": "Choose at least one tag to export its excerpts.",
            "invalid_choice": "That is not a tag of this codebook.",
            "invalid_pk_value": "That is not a tag of this codebook.",
        },
    )
    format = forms.ChoiceField(choices=[("html", "HTML (read, print)"), ("docx", "Word (.docx)")], initial="html")

    def __init__(self, *args, workspace, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tag"].queryset = Tag.objects.filter(workspace=workspace)

    @property
    def chosen(self):
        """The tags ticked when the form comes back with an error, to tick them again."""
        return set(self.data.getlist("tag")) if self.is_bound else set()


def _tag_list(request, workspace, upload_form=None, excerpts_form=None, status=200):
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
        "excerpts_form": excerpts_form or ExcerptsForm(workspace=workspace),
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
    workspace = get_workspace_for_user(request, slug, permissions.can_curate)
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


@login_required
@require_GET
def tag_excerpts(request, slug):
    """Coded excerpts of the chosen tags: a page to read and print, or a Word file to write in."""
    workspace = get_workspace_for_user(request, slug)
    form = ExcerptsForm(request.GET, workspace=workspace)
    if not form.is_valid():
        return _tag_list(request, workspace, excerpts_form=form, status=400)
    excerpts = collect_excerpts(workspace, form.cleaned_data["tag"], limit=EXCERPT_LIMIT)
    name = f"excerpts-{workspace.slug}-{timezone.localdate():%Y%m%d}"
    if form.cleaned_data["format"] == "docx":
        response = HttpResponse(
            excerpts_docx(excerpts),
            content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        )
        response["Content-Disposition"] = f'attachment; filename="{name}.docx"'
    else:
        response = HttpResponse(excerpts_html(excerpts, base_url=request.build_absolute_uri("/")[:-1]))
        response["Content-Disposition"] = f'inline; filename="{name}.html"'
    return response
