"""Pure helpers of the reading view: how a passage's text is cut around its highlights and how
its footnote markers find their notes."""

from dataclasses import dataclass, field


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
