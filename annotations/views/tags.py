from collections import defaultdict

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Prefetch
from django.shortcuts import get_object_or_404, render

from ..models import Highlight, Passage, Report, Tag, TaggedHighlight, TaggedPassage
from .scoping import get_workspace_for_user


@login_required
def tag_list(request, slug):
    """The shared codebook, with how often each tag is used in this workspace's reports."""
    workspace = get_workspace_for_user(request, slug)
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
    tags = list(Tag.objects.all())
    for tag in tags:
        tag.per_report = [usage[tag.pk].get(report.pk, 0) for report in reports]
        tag.total = sum(tag.per_report)
        tag.highlight_total = highlight_usage.get(tag.pk, 0)
    return render(request, "annotations/tag_list.html", {"workspace": workspace, "reports": reports, "tags": tags})


TAG_DETAIL_LIMIT = 500


@login_required
def tag_detail(request, slug, tag_slug):
    """Every passage and highlight of the workspace carrying the tag, with links into the text."""
    workspace = get_workspace_for_user(request, slug)
    tag = get_object_or_404(Tag, slug=tag_slug)
    passages = (
        Passage.objects.filter(report__workspace=workspace, tag_links__tag=tag)
        .select_related("report", "section")
        .order_by("report__title", "order")[:TAG_DETAIL_LIMIT]
    )
    highlights = (
        Highlight.objects.filter(passage__report__workspace=workspace, tag_links__tag=tag)
        .select_related("passage__report", "created_by")
        .prefetch_related(Prefetch("tag_links", queryset=TaggedHighlight.objects.select_related("tag")))
        .order_by("passage__report__title", "passage__order", "start")[:TAG_DETAIL_LIMIT]
    )
    return render(
        request,
        "annotations/tag_detail.html",
        {"workspace": workspace, "tag": tag, "passages": passages, "highlights": highlights, "limit": TAG_DETAIL_LIMIT},
    )
