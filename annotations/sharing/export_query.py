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
