"""The one query shape the analysis exports (CSV, JSON-LD) read a report with: a fixed number of
queries whatever the number of passages."""

from django.db.models import Prefetch
from django.db.models.functions import Lower

from annotations.models import Comment, Highlight, Passage, SourceLink, TaggedHighlight, TaggedPassage


def passages_for_export(report):
    return (
        Passage.objects.filter(report=report)
        .with_annotation_counts()
        .select_related("section")
        .prefetch_related(
            Prefetch(
                "tag_links",
                queryset=TaggedPassage.objects.select_related("tag", "added_by").order_by(Lower("tag__name")),
            ),
            Prefetch(
                "highlights",
                queryset=Highlight.objects.filter(orphaned=False)
                .select_related("created_by")
                .prefetch_related(
                    Prefetch("tag_links", queryset=TaggedHighlight.objects.select_related("tag", "added_by"))
                ),
            ),
            Prefetch(
                "comments", queryset=Comment.objects.select_related("author", "parent").order_by("created_at", "pk")
            ),
            Prefetch("source_links", queryset=SourceLink.objects.select_related("source", "added_by").order_by("pk")),
        )
        .order_by("order")
    )


def _threads():
    """Live first comments with their live replies and authors: two queries whatever the threads."""
    return (
        Comment.objects.live()
        .filter(parent__isnull=True)
        .select_related("author")
        .prefetch_related(
            Prefetch("replies", queryset=Comment.objects.live().select_related("author"), to_attr="live_replies")
        )
    )


def tagged_for_excerpts(workspace, tags, limit=None):
    """The passages and highlights of the workspace's current reports that carry one of `tags`,
    each with the chosen tags it carries and its comment threads, in reading order: nine queries
    whatever the number of rows. Returns (passages, highlights), each cut at `limit` + 1 rows so
    the caller can tell a cut list from a complete one."""
    chosen = [tag.pk for tag in tags]
    current = {"report__workspace": workspace, "report__is_latest": True}
    passages = (
        Passage.objects.filter(**current, tag_links__tag__in=chosen)
        .distinct()
        .select_related("report", "section")
        .prefetch_related(
            Prefetch("tag_links", queryset=TaggedPassage.objects.filter(tag__in=chosen).select_related("tag")),
            Prefetch("comments", queryset=_threads().filter(highlight__isnull=True), to_attr="threads"),
        )
        .order_by(Lower("report__title"), "report_id", "order")
    )
    highlights = (
        Highlight.objects.filter(
            orphaned=False,
            passage__report__workspace=workspace,
            passage__report__is_latest=True,
            tag_links__tag__in=chosen,
        )
        .distinct()
        .select_related("passage__report", "passage__section", "created_by")
        .prefetch_related(
            Prefetch("tag_links", queryset=TaggedHighlight.objects.filter(tag__in=chosen).select_related("tag")),
            Prefetch("comments", queryset=_threads(), to_attr="threads"),
        )
        .order_by(Lower("passage__report__title"), "passage__report_id", "passage__order", "start", "end")
    )
    if limit is not None:
        passages, highlights = passages[: limit + 1], highlights[: limit + 1]
    return list(passages), list(highlights)
