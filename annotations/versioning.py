"""Versions of a report: carrying a team's annotations from one version to the next, and the
orphans a curator places or dismisses. The text work is done by `alignment` (pure, no Django);
this module reads and writes the records, in bulk and in one transaction.

The carry-over copies: the old version keeps its own annotations, read-only, and the new version
gets copies on the aligned passages that keep their authors and times.
"""

from collections import defaultdict
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from rapidfuzz import fuzz
from simple_history.utils import bulk_create_with_history

from .alignment import GroupAnchorer, Piece, Quote, best_candidates, locate, plan_carry_over
from .models import (
    Comment,
    Highlight,
    Orphan,
    Passage,
    Report,
    SourceLink,
    TaggedHighlight,
    TaggedPassage,
    Work,
)

BATCH_SIZE = 1000
CHANGE_REASON = "carried over from the previous version"


def report_versions(report: Report) -> list[Report]:
    """Every version of the report's work, oldest first (one query, none for a first and only version)."""
    if report.work_id is None or (report.version_number == 1 and report.is_latest):
        return [report]
    fields = ("uuid", "title", "version_number", "is_latest", "created_at", "work_id")
    return list(Report.objects.filter(work_id=report.work_id).order_by("version_number").only(*fields))


def work_after_version_deleted(report: Report) -> None:
    """A deleted version leaves its work coherent: the newest remaining version becomes the
    latest, and a work with no versions left goes too."""
    if report.work_id is None:
        return
    remaining = Report.objects.filter(work_id=report.work_id).order_by("-version_number").first()
    if remaining is None:
        Work.objects.filter(pk=report.work_id).delete()
    elif report.is_latest and not remaining.is_latest:
        Report.objects.filter(pk=remaining.pk).update(is_latest=True)


@dataclass
class CarryOverResult:
    passages_aligned: int = 0
    highlights: int = 0
    tag_links: int = 0
    comments: int = 0
    source_links: int = 0
    orphans: int = 0


def run_carry_over(*, old_report: Report, new_report: Report, user=None) -> CarryOverResult:
    """The one entry point the importer calls after writing a new version, inside the import's
    transaction. From the browser the whole of it (import and carry-over) is one background job
    (`jobs`, Job.Kind.NEW_VERSION), so the new version never shows without its annotations."""
    return annotations_carry_over(old_report=old_report, new_report=new_report, user=user)


@transaction.atomic
def annotations_carry_over(*, old_report: Report, new_report: Report, user=None) -> CarryOverResult:
    """Copy tag links, highlights (re-anchored), comment threads and source links of `old_report`
    onto the aligned passages of `new_report`; record what cannot be placed as orphans."""
    old = list(old_report.passages.order_by("order"))
    new = list(new_report.passages.order_by("order"))
    old_at = {p.pk: k for k, p in enumerate(old)}
    highlights = list(
        Highlight.objects.filter(passage__report=old_report, orphaned=False).order_by("passage__order", "start", "pk")
    )
    quotes = [(old_at[h.passage_id], Quote(h.exact, h.prefix, h.suffix, h.start, h.end)) for h in highlights]
    plan = plan_carry_over(pieces_of(old), pieces_of(new), quotes)
    targets = {old[i].pk: [new[j] for j in js] for i, js in plan.passages.items()}

    placed = {}  # old highlight pk -> (new passage, start, end)
    for highlight, placement in zip(highlights, plan.highlights, strict=True):
        if placement is not None:
            placed[highlight.pk] = (new[placement.passage], placement.start, placement.end)
    result = CarryOverResult(passages_aligned=len(targets))
    new_highlights = _copy_highlights(highlights, placed, user)
    result.highlights = len(new_highlights)
    result.tag_links = _copy_tag_links(TaggedPassage.objects.filter(content_object__report=old_report), targets)
    result.tag_links += _copy_highlight_tag_links(new_highlights)
    result.comments = _copy_comments(
        Comment.objects.filter(passage__report=old_report), targets, new_highlights, user=user
    )
    markers = _note_markers(old, new, plan)
    result.source_links = _copy_source_links(
        SourceLink.objects.filter(passage__report=old_report), targets, new_highlights, markers, user=user
    )
    _carry_status(old, new, plan)
    result.orphans = _record_orphans(old, new, highlights, placed, targets, new_report)
    return result


def pieces_of(passages):
    return [Piece(p.text, p.kind == Passage.Kind.NOTE) for p in passages]


def _copy_highlights(highlights, placed, user) -> dict[int, Highlight]:
    rows, sources = [], []
    for highlight in highlights:
        if highlight.pk not in placed:
            continue
        passage, start, end = placed[highlight.pk]
        rows.append(
            Highlight(
                passage=passage,
                start=start,
                end=end,
                created_by_id=highlight.created_by_id,
                created_at=highlight.created_at,
                **Highlight.quote_for(passage.text, start, end),
            )
        )
        sources.append(highlight.pk)
    Highlight.objects.bulk_create(rows, batch_size=BATCH_SIZE)
    return dict(zip(sources, rows, strict=True))


def _copy_tag_links(links, targets) -> int:
    """Passage tag links go to every passage the old one continues in (each part of a split)."""
    rows, seen = [], set()
    for link in links.order_by("pk"):
        for passage in targets.get(link.content_object_id, []):
            if (passage.pk, link.tag_id) not in seen:
                seen.add((passage.pk, link.tag_id))
                rows.append(
                    TaggedPassage(
                        content_object=passage,
                        tag_id=link.tag_id,
                        added_by_id=link.added_by_id,
                        created_at=link.created_at,
                    )
                )
    TaggedPassage.objects.bulk_create(rows, batch_size=BATCH_SIZE, ignore_conflicts=True)
    return len(rows)


def _copy_highlight_tag_links(new_highlights: dict[int, Highlight]) -> int:
    rows = [
        TaggedHighlight(
            content_object=new_highlights[link.content_object_id],
            tag_id=link.tag_id,
            added_by_id=link.added_by_id,
            created_at=link.created_at,
        )
        for link in TaggedHighlight.objects.filter(content_object_id__in=list(new_highlights)).order_by("pk")
    ]
    TaggedHighlight.objects.bulk_create(rows, batch_size=BATCH_SIZE, ignore_conflicts=True)
    return len(rows)


def _copy_comments(comments, targets, new_highlights, *, user) -> int:
    """Threads follow their highlight when it has one (and wait with it when it is an orphan),
    else go to the old passage's main continuation. Replies follow their thread."""
    roots, replies = [], []
    for comment in comments.order_by("created_at", "pk"):
        (replies if comment.parent_id else roots).append(comment)
    copies = {}
    rows = []
    for comment in roots:
        if comment.highlight_id is not None:
            highlight = new_highlights.get(comment.highlight_id)
            if highlight is None:
                continue
            passage = highlight.passage
        else:
            main = targets.get(comment.passage_id)
            if not main:
                continue
            passage, highlight = main[0], None
        copy = _comment_copy(comment, passage, highlight, parent=None)
        copies[comment.pk] = copy
        rows.append(copy)
    reply_rows = []
    for comment in replies:
        root = copies.get(comment.parent_id)
        if root is not None:
            reply_rows.append(_comment_copy(comment, root.passage, root.highlight, parent=root))
    bulk_create_with_history(
        rows, Comment, batch_size=BATCH_SIZE, default_user=user, default_change_reason=CHANGE_REASON
    )
    bulk_create_with_history(
        reply_rows, Comment, batch_size=BATCH_SIZE, default_user=user, default_change_reason=CHANGE_REASON
    )
    return len(rows) + len(reply_rows)


def _comment_copy(comment, passage, highlight, parent):
    return Comment(
        passage=passage,
        highlight=highlight,
        parent=parent,
        author_id=comment.author_id,
        body=comment.body,
        resolved=comment.resolved,
        created_at=comment.created_at,
        edited_at=comment.edited_at,
        deleted_at=comment.deleted_at,
    )


def _note_markers(old, new, plan) -> dict[str, str]:
    """Old footnote marker -> new marker, from the aligned notes: links keep pointing at the same note."""
    markers = {}
    for i, js in plan.passages.items():
        if old[i].kind == Passage.Kind.NOTE and old[i].label and new[js[0]].kind == Passage.Kind.NOTE:
            markers[old[i].label] = new[js[0]].label
    return markers


def _copy_source_links(links, targets, new_highlights, markers, *, user) -> int:
    links = list(links.order_by("pk"))
    rows = []
    # A passage links a source once per relation: what the target passages have already stays.
    reached = {p.pk for passages in targets.values() for p in passages} | {
        h.passage.pk for h in new_highlights.values()
    }
    seen = set(SourceLink.objects.filter(passage_id__in=reached).values_list("passage_id", "source_id", "relation"))
    for link in links:
        if link.highlight_id:
            # A link on a highlight follows it, and waits with it when it is an orphan (placing
            # the orphan brings it): on the passage it would cite something the text no longer says.
            highlight = new_highlights.get(link.highlight_id)
            if highlight is None:
                continue
            passage = highlight.passage
        else:
            highlight = None
            main = targets.get(link.passage_id)
            if not main:
                continue
            passage = main[0]
        key = (passage.pk, link.source_id, link.relation)
        if key in seen:
            continue
        seen.add(key)
        rows.append(
            SourceLink(
                passage=passage,
                source_id=link.source_id,
                highlight=highlight,
                relation=link.relation,
                footnote=markers.get(link.footnote, link.footnote),
                note=link.note,
                added_by_id=link.added_by_id,
                created_at=link.created_at,
            )
        )
    bulk_create_with_history(
        rows, SourceLink, batch_size=BATCH_SIZE, default_user=user, default_change_reason=CHANGE_REASON
    )
    return len(rows)


def _carry_status(old, new, plan):
    """A review status stays with text that did not change; edited text is open for review again."""
    by_status = defaultdict(list)
    for link in plan.alignment.links:
        if link.how == "same":
            status = old[link.old[0]].status
            if status != Passage.Status.OPEN:
                by_status[status].append(new[link.new[0]].pk)
    for status, pks in by_status.items():
        Passage.objects.filter(pk__in=pks).update(status=status)


def _record_orphans(old, new, highlights, placed, targets, new_report) -> int:
    """An orphan for each highlight not placed, and for each old passage with annotations of its
    own (tags, threads not on a highlight, source links) that no new passage continues."""
    annotated = (
        set(TaggedPassage.objects.filter(content_object__in=old).values_list("content_object_id", flat=True))
        | set(
            Comment.objects.filter(passage__in=old, highlight__isnull=True, parent__isnull=True).values_list(
                "passage_id", flat=True
            )
        )
        | set(SourceLink.objects.filter(passage__in=old, highlight__isnull=True).values_list("passage_id", flat=True))
    )
    new_texts = [p.text for p in new]
    rows = []
    for passage in old:
        if passage.pk in annotated and passage.pk not in targets:
            quote = Quote(exact=passage.text[:200])
            rows.append(
                Orphan(
                    report=new_report,
                    passage=passage,
                    reason="The passage was removed or rewritten.",
                    candidates=_candidates(quote, new, new_texts),
                )
            )
    for highlight in highlights:
        if highlight.pk not in placed:
            reason = (
                "Its words changed or occur in several places."
                if highlight.passage_id in targets
                else "Its passage was removed or rewritten."
            )
            quote = Quote(highlight.exact, highlight.prefix, highlight.suffix)
            rows.append(
                Orphan(
                    report=new_report,
                    passage_id=highlight.passage_id,
                    highlight=highlight,
                    reason=reason,
                    candidates=_candidates(quote, new, new_texts),
                )
            )
    Orphan.objects.bulk_create(rows, batch_size=BATCH_SIZE)
    return len(rows)


def _candidates(quote, new, new_texts):
    return [{"passage": str(new[j].uuid), "score": score} for j, score in best_candidates(quote, new_texts)]


# --- A passage's text edited in place ----------------------------------------------------------------


@transaction.atomic
def passage_text_changed(*, passage: Passage, old_text: str) -> tuple[int, int]:
    """Re-anchor the passage's highlights after its text changed from `old_text`, with the code
    that carries them across versions. A highlight that cannot be placed with confidence is hidden
    (orphaned) and listed for curators; it keeps its tags, comments and source links. Returns
    (highlights kept, highlights orphaned)."""
    if old_text == passage.text:
        return 0, 0
    anchorer = GroupAnchorer([old_text], [passage.text])
    kept, orphans = 0, []
    for highlight in passage.highlights.filter(orphaned=False).order_by("start", "pk"):
        quote = Quote(highlight.exact, highlight.prefix, highlight.suffix, highlight.start, highlight.end)
        anchor = anchorer.place(0, quote)
        if anchor is not None:
            _set_span(highlight, passage.text, anchor.start, anchor.end)
            highlight.save(update_fields=["start", "end", "exact", "prefix", "suffix"])
            kept += 1
        else:
            highlight.orphaned = True
            highlight.save(update_fields=["orphaned"])
            orphans.append((highlight, quote))
    if orphans:
        others = list(Passage.objects.filter(report_id=passage.report_id).order_by("order"))
        texts = [p.text for p in others]
        Orphan.objects.bulk_create(
            Orphan(
                report_id=passage.report_id,
                passage=passage,
                highlight=highlight,
                reason="The passage's text was edited and the highlighted words could not be found again.",
                candidates=_candidates(Quote(quote.exact, quote.prefix, quote.suffix), others, texts),
            )
            for highlight, quote in orphans
        )
    return kept, len(orphans)


def _set_span(highlight, text, start, end):
    highlight.start, highlight.end = start, end
    for name, value in Highlight.quote_for(text, start, end).items():
        setattr(highlight, name, value)


# --- Curators place or dismiss orphans --------------------------------------------------------------


class OrphanError(ValueError):
    pass


@transaction.atomic
def orphan_place(*, orphan: Orphan, passage: Passage, user) -> Orphan:
    """Put an orphan's annotations on `passage` (a passage of the orphan's report version)."""
    orphan = Orphan.objects.select_for_update().get(pk=orphan.pk)
    if orphan.status != Orphan.Status.OPEN:
        raise OrphanError("This orphan was already placed or dismissed.")
    if passage.report_id != orphan.report_id:
        raise OrphanError("Pick a passage of the version the orphan belongs to.")
    if orphan.highlight_id is not None:
        _place_highlight(orphan.highlight, passage, user)
    else:
        old_passage = orphan.passage
        targets = {old_passage.pk: [passage]}
        _copy_tag_links(TaggedPassage.objects.filter(content_object=old_passage), targets)
        _copy_comments(Comment.objects.filter(passage=old_passage, highlight__isnull=True), targets, {}, user=user)
        _copy_source_links(
            SourceLink.objects.filter(passage=old_passage, highlight__isnull=True), targets, {}, {}, user=user
        )
    return _resolve(orphan, Orphan.Status.PLACED, user, placed_in=passage)


def _place_highlight(highlight: Highlight, passage: Passage, user) -> Highlight:
    start, end = _span_in(highlight, passage)
    if highlight.orphaned:  # orphaned by an edit of its own passage: it moves, with what hangs on it
        moved_from = highlight.passage_id
        _set_span(highlight, passage.text, start, end)
        highlight.passage, highlight.orphaned = passage, False
        highlight.save()
        Comment.objects.filter(highlight=highlight).update(passage=passage)
        taken = set(SourceLink.objects.filter(passage=passage).values_list("source_id", "relation"))
        for link in SourceLink.objects.filter(highlight=highlight, passage_id=moved_from):
            if (link.source_id, link.relation) in taken:
                link.highlight = None  # the passage already cites it so: the old link stays where it was
            else:
                link.passage = passage
            link.save()
        return highlight
    placed = {highlight.pk: (passage, start, end)}
    new_highlights = _copy_highlights([highlight], placed, user)
    _copy_highlight_tag_links(new_highlights)
    _copy_comments(Comment.objects.filter(highlight=highlight), {}, new_highlights, user=user)
    _copy_source_links(SourceLink.objects.filter(highlight=highlight), {}, new_highlights, {}, user=user)
    return new_highlights[highlight.pk]


def _span_in(highlight: Highlight, passage: Passage) -> tuple[int, int]:
    quote = Quote(highlight.exact, highlight.prefix, highlight.suffix)
    anchor = locate(quote, [passage.text])
    if anchor is not None:
        start, end = anchor.start, anchor.end
    else:
        # The curator vouches for the passage: the closest run of its text to the quote.
        match = fuzz.partial_ratio_alignment(highlight.exact, passage.text)
        if match is None or match.score < 60 or match.dest_end <= match.dest_start:
            raise OrphanError("The highlighted words are not in that passage; pick another one.")
        start, end = match.dest_start, match.dest_end
    return start, end


@transaction.atomic
def orphan_dismiss(*, orphan: Orphan, user) -> Orphan:
    orphan = Orphan.objects.select_for_update().get(pk=orphan.pk)
    if orphan.status != Orphan.Status.OPEN:
        raise OrphanError("This orphan was already placed or dismissed.")
    return _resolve(orphan, Orphan.Status.DISMISSED, user)


def _resolve(orphan, status, user, placed_in=None):
    orphan.status = status
    orphan.placed_in = placed_in
    orphan.resolved_by = user
    orphan.resolved_at = timezone.now()
    orphan.save(update_fields=["status", "placed_in", "resolved_by", "resolved_at"])
    return orphan
