"""What the reading view shows, apart from handling the request: which chunk of passages a page
holds, the section outline with its counts and page links, how a passage's text is cut around its
highlights and how its footnote markers find their notes."""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db.models import Count, Exists, Min, OuterRef, Q

from .models import Passage, TaggedPassage

PAGE_SIZE = 200
# Long reports page their section outline (a few thousand headings would be megabytes on every open).
OUTLINE_SIZE = 100


def _page_start(index, size=PAGE_SIZE):
    return index // size * size


def passage_page(report, filters, offset):
    """The chunk of passages from `offset` (clamped to the report), and per section how many passages
    match, how many carry a tag and where the section starts: a fixed number of queries whatever
    the report's length."""
    matching = filters.apply(Passage.objects.filter(report=report))
    groups = list(
        matching.annotate(has_tag=Exists(TaggedPassage.objects.filter(content_object=OuterRef("pk"))))
        .order_by()
        .values("section_id")
        .annotate(n=Count("pk"), tagged=Count("pk", filter=Q(has_tag=True)), first=Min("order"))
    )
    groups.sort(key=lambda g: g["first"])
    first_order = {g["section_id"]: g["first"] for g in groups}
    total = sum(g["n"] for g in groups)
    # An offset past the end (typed, or left over from a longer filter) shows the last page.
    offset = min(offset, _page_start(max(0, total - 1)))

    # Only what the chunk needs around the passages' fragments; the stamps are read before any
    # fragment is rendered, so a fragment is never cached under a newer stamp than its content.
    page = list(
        matching.select_related("section")
        .only("uuid", "order", "annotation_stamp", "section__order", "section__title", "section__level")
        .order_by("order")[offset : offset + PAGE_SIZE]
    )
    for passage in page:
        passage.starts_section = passage.section_id is not None and first_order.get(passage.section_id) == passage.order
    return {
        "passages": page,
        "groups": groups,
        "total": total,
        "offset": offset,
        "next_offset": offset + PAGE_SIZE if offset + PAGE_SIZE < total else None,
        "previous_offset": max(0, offset - PAGE_SIZE) if offset else None,
    }


def page_state(page):
    """What a chunk shows, for its ETag: the passages' stamps, headings and the paging."""
    return (
        [(p.uuid, p.annotation_stamp, p.starts_section, _heading(p.section)) for p in page["passages"]],
        page["total"],
        page["next_offset"],
    )


def _heading(section):
    return section and (section.order, section.title, section.level)


def page_holding(report, filters, passage_uuid):
    """The offset of the chunk holding a passage (?at=<uuid>), so links into long reports land."""
    matching = filters.apply(Passage.objects.filter(report=report))
    try:
        order = matching.filter(uuid=passage_uuid).values_list("order", flat=True).first()
    except ValidationError:  # not a uuid
        return 0
    if order is None:
        return 0
    return _page_start(matching.filter(order__lt=order).count())


def counted_sections(report, groups):
    """The report's sections, each with how many passages match the filters, how many of them are
    tagged, and the offset of the page on which it begins (None when none of it matches), so
    outline links can jump there."""
    by_section = {g["section_id"]: g for g in groups}
    starts, running = {}, 0
    for group in groups:
        starts[group["section_id"]] = running
        running += group["n"]
    sections = list(report.sections.all())
    for section in sections:
        group = by_section.get(section.pk, {})
        section.match_count = group.get("n", 0)
        section.tagged_count = group.get("tagged", 0)
        section.page_offset = _page_start(starts[section.pk]) if section.pk in starts else None
    return sections


def sections_state(sections):
    """What the outline shows, for the ETag."""
    return [(s.pk, s.order, s.title, s.level, s.match_count, s.tagged_count, s.page_offset) for s in sections]


def outline_page(sections, offset, outline=None):
    """The outline's OUTLINE_SIZE sections: from `outline` (a section index) when given, else around
    the page of passages at `offset`; with the start of the outline pages before and after (None
    at either end)."""
    context = {"section_count": len(sections), "outline_earlier": None, "outline_later": None}
    if len(sections) <= OUTLINE_SIZE:
        return {**context, "sections": sections}
    last_start = _page_start(len(sections) - 1, OUTLINE_SIZE)
    if outline is not None:
        start = min(_page_start(outline, OUTLINE_SIZE), last_start)
    else:
        here = next((i for i, s in enumerate(sections) if s.page_offset is not None and s.page_offset >= offset), 0)
        start = _page_start(here, OUTLINE_SIZE)
    return {
        **context,
        "sections": sections[start : start + OUTLINE_SIZE],
        "outline_earlier": start - OUTLINE_SIZE if start else None,
        "outline_later": start + OUTLINE_SIZE if start < last_start else None,
    }


@dataclass
class Segment:
    text: str
    start: int
    highlights: list = field(default_factory=list)


def split_segments(text, highlights):
    """Cut `text` at every highlight boundary (code-point offsets), so overlapping and nested
    highlights render as flat runs, each knowing every highlight that covers it."""
    length = len(text)
    spans = [(h, max(0, min(h.start, length)), max(0, min(h.end, length))) for h in highlights]
    spans = [(h, s, e) for h, s, e in spans if e > s]
    bounds = sorted({0, length, *(s for _, s, _ in spans), *(e for _, _, e in spans)})
    segments = []
    for start, end in zip(bounds, bounds[1:], strict=False):
        covering = [h for h, s, e in spans if s <= start and end <= e]
        # Innermost (shortest) first: a click on the run opens the most specific highlight.
        covering.sort(key=lambda h: (h.end - h.start, h.start))
        segments.append(Segment(text[start:end], start, covering))
    return segments


def note_finder(notes):
    """A function passage -> [(marker, note or None)] for the footnote markers of a passage.

    `notes` are the report's note passages in reading order. Markers can repeat across chapters
    ("1" again in chapter 2), so a marker resolves to the first note with that label after the
    passage, falling back to the first note with that label anywhere."""
    by_label = {}
    for note in notes:
        by_label.setdefault(note.label, []).append(note)

    def find(passage):
        found = []
        for marker in passage.footnotes or []:
            candidates = by_label.get(str(marker), [])
            after = next((n for n in candidates if n.order > passage.order), None)
            found.append((str(marker), after or (candidates[0] if candidates else None)))
        return found

    return find
