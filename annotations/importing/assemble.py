"""Turn the blocks a parser found into a ParsedReport: sections, passages, notes, markers."""

from dataclasses import dataclass

from .cleaning import collapse_whitespace
from .footnotes import SENTINEL_OPEN, MarkerScanner, strip_sentinels
from .structure import ParsedPassage, ParsedReport, ParsedSection, is_notes_heading

PASSAGE_KINDS = ("paragraph", "list_item", "note", "quote", "table")


@dataclass
class Block:
    """One unit of a document as a parser sees it; `text` may still hold footnote markers."""

    kind: str  # "heading" or one of PASSAGE_KINDS
    text: str
    label: str = ""
    level: int = 1
    page: int | None = None


def build_report(title: str, blocks: list[Block], warnings: list[str]) -> ParsedReport:
    """Group blocks into sections and take footnote markers out of the passages, in reading order.

    Where the markup marked footnote references (sentinels from HTML links or Markdown "[^1]"),
    those are the markers, and numbers in the text are left alone.
    """
    note_labels = {block.label for block in blocks if block.kind == "note" and block.label}
    marked = any(SENTINEL_OPEN in block.text for block in blocks if block.kind != "note")
    scanner = MarkerScanner(note_labels=note_labels, heuristic=not marked)
    sections: list[ParsedSection] = []
    notes: list[ParsedPassage] = []
    for block in blocks:
        if block.kind == "note":
            text = _keep_newlines_collapse(strip_sentinels(block.text))
            if text:
                notes.append(ParsedPassage(kind="note", text=text, label=block.label, page=block.page))
            continue
        text, markers = scanner.extract(block.text)
        text = _keep_newlines_collapse(text)
        if block.kind == "heading":
            if text:
                sections.append(ParsedSection(title=text, level=block.level))
            if is_notes_heading(text):
                scanner.expected = 1  # after a chapter's notes, the next chapter numbers from 1
            continue
        if not text:
            continue
        if not sections:
            sections.append(ParsedSection(title=""))
        passage = ParsedPassage(kind=block.kind, text=text, label=block.label, footnotes=markers, page=block.page)
        sections[-1].passages.append(passage)
    _warn_about_markers(scanner.seen, note_labels, warnings)
    return ParsedReport(
        title=collapse_whitespace(strip_sentinels(title)), sections=sections, notes=notes, warnings=warnings
    )


def _keep_newlines_collapse(text: str) -> str:
    """Collapse runs of spaces but keep line breaks (tables keep one row per line)."""
    return "\n".join(collapse_whitespace(line) for line in text.split("\n") if line.strip())


def _warn_about_markers(seen: list[str], note_labels: set[str], warnings: list[str]) -> None:
    if not note_labels:
        return
    missing = [marker for marker in dict.fromkeys(seen) if marker not in note_labels]
    if missing:
        warnings.append(f"{len(missing)} footnote marker(s) without a note text: {', '.join(missing[:10])}")


def shift_heading_levels(blocks: list[Block]) -> list[Block]:
    """Renumber heading levels so the highest heading present is level 1."""
    levels = [block.level for block in blocks if block.kind == "heading"]
    shift = min(levels, default=1) - 1
    for block in blocks:
        if block.kind == "heading":
            block.level -= shift
    return blocks
