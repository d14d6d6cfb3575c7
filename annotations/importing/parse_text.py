"""Plain text (and the text layer of PDFs) to a ParsedReport.

Text extracted from a PDF keeps the page's line wraps, page breaks, running headers and
footers, page numbers, footnote blocks at the bottom of pages and hyphenation. This parser
repairs them with layout heuristics that hold across publishers:

- The document's wrap width W is the most common line length; a line much shorter than its
  paragraph's lines that ends a sentence ends the paragraph; two trailing spaces mark a paragraph
  end where the extractor left them (pdftotext does); a blank line ends a paragraph unless the
  paragraph stopped mid-sentence and the text goes on in lower case (a page break).
- A footnote body starts with a marker that the text has referenced and that has no body yet
  ("* This report ...", "12 See ..."); a paragraph interrupted by it goes on after it.
- Headings are short lines at a paragraph boundary, without closing punctuation and followed by
  text; numbered ("2. Background", "II. Findings"), ALL CAPS and well-known headings too.
- List items start with "1.", "a.", "(a)", "1)", "i." or a bullet; a lettered item under item 1
  gets the label "1.a".
- Lines that repeat at the top or bottom of many pages, bare page numbers and tables of
  contents are dropped before anything else.
"""

import re
import statistics
from dataclasses import dataclass

from . import metadata as meta
from .assemble import Block, build_report
from .cleaning import Vocabulary, collapse_whitespace, join_lines, normalise_characters
from .footnotes import note_start, referenced_markers
from .lists import label_kind
from .structure import ParsedReport, ReportImportError, is_notes_heading

# A sentence ends here: closing punctuation, maybe a closing quote or bracket, maybe a marker.
_SENTENCE_END = re.compile(r"[.!?:;][\"”’')\]]*(?:\d{1,3}|\*{1,3}|[†‡])?$")
# A heading does not end like a sentence or a clause (a question is fine).
_CLOSED = re.compile(r"[.,;:!][\"”’')\]]*(?:\d{1,3}|\*{1,3}|[†‡])?$")
_ABBREVIATION_END = re.compile(
    r"(?:^|\s)(?:(?:[A-Z]\.){1,3}|Mr\.|Mrs\.|Ms\.|Dr\.|Prof\.|No\.|Nos\.|vs\.|e\.g\.|i\.e\.|cf\.|St\.|Inc\.|"
    r"Jan\.|Feb\.|Mar\.|Apr\.|Aug\.|Sept?\.|Oct\.|Nov\.|Dec\.|p\.|pp\.|Vol\.|Art\.|Sec\.|Fig\.)$"
)
_PAGE_NUMBER = re.compile(
    r"^(?:(?:page|p\.)\s*)?(?:\d{1,4}|(?=[ivxlc])x{0,3}(?:ix|iv|v?i{0,3}))(?:\s*(?:of|/)\s*\d{1,4})?$"
    r"|^[-–—]\s*\d{1,4}\s*[-–—]$",
    re.IGNORECASE,
)
# Separator rules and ornaments: "-----", "_____", "=====", "* * *".
_RULE = re.compile(r"^[-_=~#.·─━═]{3,}$|^(?:[*·•]\s*){3,}$")
_DOT_LEADER = re.compile(r"(?:\.\s?){4,}\s*\d{1,4}$|…{2,}\s*\d{1,4}$|(?:\s\.){3,}")
# A contents entry ends in a page number (not a year, not a number in a list like "5, 6").
_TOC_ENTRY = re.compile(r"[^\s,\d]\s+(?:\d{1,3}|[ivxlc]{1,6})$|(?:\.\s?){4,}|…{2,}")
_MONTH = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|December"
    r"|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\.?"
)
_DATE = re.compile(rf"(?:{_MONTH}\s+(?:\d{{1,2}},?\s+)?\d{{4}}|\d{{1,2}}\s+{_MONTH}\s+\d{{4}})$", re.IGNORECASE)
_CONTENTS = re.compile(r"^(?:table of )?contents$", re.IGNORECASE)
_KNOWN_HEADINGS = re.compile(
    r"^(?:(?:\d{1,2}|[IVX]{1,4})\.?\s+)?(?:"
    r"abstract|summary|executive summary|summary of findings|introduction|background|overview|scope|"
    r"scope and methodology|objectives?,? scope,? and methodology|methodology|methods|approach|"
    r"findings|key findings|results|discussion|analysis|conclusions?|concluding remarks|"
    r"recommendations?|recommendations? for executive action|matters? for congressional consideration|"
    r"agency comments(?: and our evaluation)?|acknowledge?ments|preface|foreword|"
    r"notes|endnotes|footnotes|references|bibliography|sources|works cited|glossary|abbreviations|"
    r"appendix(?:es)?(?:\s+[A-Z0-9IVX]+)?|annex(?:es)?(?:\s+[A-Z0-9IVX]+)?|about the authors?|"
    r"what gao found|why gao did this study|what gao recommends|highlights"
    r")$",
    re.IGNORECASE,
)
_SUBSECTION = re.compile(r"^\d{1,2}(?:\.\d{1,2})+\.?\s+[A-Z][^.,;:]{0,80}$")
_NUMBERED_HEADING = re.compile(r"^(?P<number>\d{1,2}(?:\.\d{1,2})*\.?|[IVX]{1,5}\.|[A-Z]\.)\s+(?P<rest>\S.*)$")
_LIST_ITEM = re.compile(
    r"^(?:\((?P<paren>\d{1,2}|[a-zA-Z]|[ivx]{1,4}|[IVX]{1,4})\)|(?P<plain>\d{1,2}|[a-zA-Z]|[ivx]{1,4}|[IVX]{1,4})[.)])"
    r"\s+(?P<rest>\S.*)$"
)
# Bullets, including the private-use code points Symbol and Wingdings bullets come out as. Those
# start an item wherever they are; a dash or "*" only where a paragraph may end.
_BULLET_SIGNS = "•·▪◦‣●○■□➢►✓\uf0a7\uf0b7\uf076\uf0d8\uf0fc\uf0a8"
_BULLET = re.compile(rf"^(?:[{_BULLET_SIGNS}]\s*|[-–—*]\s+)(?P<rest>\S.*)$")

# A line shorter than this share of its paragraph's width that ends a sentence ends the paragraph.
_SHORT_LINE = 0.8
# Footnotes are set in a smaller font, so their lines hold this much more text than body lines.
_WIDE_LINE = 1.1


@dataclass
class Line:
    text: str  # stripped
    page: int | None
    indent: int
    trailing: int  # trailing spaces: pdftotext leaves two after the last line of a paragraph
    page_start: bool = False  # the first line of a page, where a page break may split a paragraph
    page_tail: bool = False  # in the lower half of its page, where footnotes are printed


@dataclass
class _Open:
    """The block being built from lines."""

    kind: str
    label: str
    lines: list[Line]
    ended: bool = False  # its last line ended the paragraph (short line, or two trailing spaces)

    @property
    def last(self) -> str:
        return self.lines[-1].text


@dataclass
class _Layout:
    width: int  # the wrap width W
    wrapped: bool  # False when every line is a paragraph of its own
    steady: bool  # many lines share the width, so lines clearly wider are set in a smaller font
    trailing_marks_end: bool  # two trailing spaces mark a paragraph end
    indent_marks_start: bool  # an indented line starts a paragraph (typewritten style)


def parse_text(
    text: str, *, title_hint: str = "", warnings: list[str] | None = None, paged: bool = False
) -> ParsedReport:
    """Parse plain text, where form feeds ("\\f") separate pages, into a ParsedReport.

    `paged` says the text comes in pages (from a PDF) even when there is only one.
    """
    warnings = warnings if warnings is not None else []
    text = normalise_characters(text)
    lines = _split_lines(text, paged)
    furniture = _furniture(lines)
    # A running header often repeats the title: the title is looked for before furniture goes.
    title, title_index = _find_title(lines, furniture, title_hint)
    dropped = sum(1 for i in furniture if lines[i].text)
    if dropped:
        warnings.append(f"dropped {dropped} line(s) of page furniture (page numbers, running headers, contents)")
    series = meta.find_publisher([lines[i].text for i in sorted(furniture)])
    lines = [line for i, line in enumerate(lines) if i not in furniture and i != title_index]
    # The byline under the title: "Barry J. McMillion" / "Congressional Research Service" / "April 20, 2026".
    metadata, taken = meta.take_byline([line.text for line in lines[:40]], title)
    lines = lines[taken:]
    if not any(line.text for line in lines):
        raise ReportImportError("no text found")
    segmenter = _Segmenter(lines, _measure(lines), Vocabulary(text))
    blocks = segmenter.run()
    report = build_report(title, blocks, warnings)
    metadata.publisher = metadata.publisher or series
    report.metadata = metadata
    return report


def ends_sentence(text: str) -> bool:
    """Does the line end a sentence or clause (". ! ? : ;", maybe then a marker), not an abbreviation?"""
    return bool(_SENTENCE_END.search(text)) and not _ABBREVIATION_END.search(text)


def _split_lines(text: str, paged: bool) -> list[Line]:
    pages = text.split("\f")
    if pages and not pages[-1].strip():
        pages.pop()
    paged = paged or len(pages) > 1
    lines: list[Line] = []
    for page_number, page in enumerate(pages, start=1):
        raw_lines = page.split("\n")
        filled = [i for i, raw in enumerate(raw_lines) if raw.strip()]
        for i, raw in enumerate(raw_lines):
            stripped = raw.strip()
            line = Line(
                text=stripped,
                page=page_number if paged else None,
                indent=len(raw) - len(raw.lstrip()) if stripped else 0,
                trailing=len(raw) - len(raw.rstrip()) if stripped else 0,
            )
            if paged and filled:
                line.page_start = i == filled[0]
                line.page_tail = i >= filled[len(filled) // 2]
            lines.append(line)
    if not paged:
        _mark_single_space_page_starts(lines)
    return lines


def _mark_single_space_page_starts(lines: list[Line]) -> None:
    """pdftotext without form feeds starts each page's first line with one space; use it as a hint."""
    filled = [line for line in lines if line.text]
    single = [line for line in filled if line.indent == 1]
    if single and len(single) <= 0.15 * len(filled):
        for line in single:
            line.page_start = True


def _furniture_key(text: str) -> str:
    return re.sub(r"\d+", "#", collapse_whitespace(text.lower()))


def _furniture(lines: list[Line]) -> set[int]:
    """Indexes of page numbers, running headers and footers, rules and table-of-contents lines."""
    drop = {
        i
        for i, line in enumerate(lines)
        if line.text and (_PAGE_NUMBER.match(line.text) or _RULE.match(line.text) or _dot_leader(line.text))
    }
    return drop | _running_lines(lines) | _table_of_contents(lines) | _series_lines(lines)


def _series_lines(lines: list[Line]) -> set[int]:
    """The report series named at the top or bottom of a page ("Congressional Research Service 1"):
    page furniture, however few pages there are."""
    by_page: dict[int | None, list[int]] = {}
    for i, line in enumerate(lines):
        if line.text and not _PAGE_NUMBER.match(line.text):
            by_page.setdefault(line.page, []).append(i)
    return {
        i
        for indexes in by_page.values()
        for i in indexes[:2] + indexes[-3:]
        if meta.publisher_name(re.sub(r"\s+\d{1,4}$", "", lines[i].text))
    }


def _dot_leader(text: str) -> bool:
    return ("...." in text or ". ." in text or "…" in text) and bool(_DOT_LEADER.search(text))


def _running_lines(lines: list[Line]) -> set[int]:
    """Running headers and footers: lines repeated at the top or bottom of pages."""
    pages = {line.page for line in lines if line.page is not None}
    if len(pages) >= 2:
        return _running_lines_on_pages(lines, len(pages))
    return _running_lines_without_pages(lines)


def _running_lines_on_pages(lines: list[Line], page_count: int) -> set[int]:
    by_page: dict[int, list[int]] = {}
    for i, line in enumerate(lines):
        if line.text:
            by_page.setdefault(line.page, []).append(i)
    candidates: dict[str, list[int]] = {}
    for indexes in by_page.values():
        for i in dict.fromkeys(indexes[:3] + indexes[-3:]):
            candidates.setdefault(_furniture_key(lines[i].text), []).append(i)
    # Headers run over neighbouring pages (every other page in books): three in a row are enough,
    # as they often change with the chapter; two if the number in them changes ("Background 3",
    # "Background 4"). A "Chapter 1" ... "Chapter 2" heading opening chapters far apart is no header.
    needed = 3 if page_count >= 5 else 2
    running: set[int] = set()
    for indexes in candidates.values():
        run = _longest_run(sorted({lines[i].page for i in indexes}))
        numbered = run >= 2 and len({lines[i].text for i in indexes}) == len(indexes)
        if (run >= needed or numbered) and not _KNOWN_HEADINGS.match(lines[indexes[0]].text):
            running.update(indexes)
    return running


def _longest_run(pages: list[int]) -> int:
    """The most pages in a row, allowing one page between (left and right pages of a book)."""
    longest = current = 1 if pages else 0
    for before, after in zip(pages, pages[1:], strict=False):
        current = current + 1 if after - before <= 2 else 1
        longest = max(longest, current)
    return longest


def _running_lines_without_pages(lines: list[Line]) -> set[int]:
    """Without page breaks: short lines set apart by blank lines, repeated, usually with a page number."""
    candidates: dict[str, list[int]] = {}
    for i, line in enumerate(lines):
        if line.text and len(line.text.split()) <= 15 and not ends_sentence(line.text):
            before = lines[i - 1].text if i > 0 else ""
            after = lines[i + 1].text if i + 1 < len(lines) else ""
            if not before or not after:
                candidates.setdefault(_furniture_key(line.text), []).append(i)
    running: set[int] = set()
    for key, indexes in candidates.items():
        if len(indexes) >= 5 or (len(indexes) >= 3 and "#" in key):
            if not _KNOWN_HEADINGS.match(lines[indexes[0]].text):
                running.update(indexes)
    return running


def _table_of_contents(lines: list[Line]) -> set[int]:
    """A "Contents" heading and the entries after it that end in page numbers."""
    drop: set[int] = set()
    i = 0
    while i < len(lines):
        if not _CONTENTS.match(lines[i].text):
            i += 1
            continue
        drop.add(i)
        i += 1
        while i < len(lines):
            text = lines[i].text
            if not text or _TOC_ENTRY.search(text):
                drop.add(i)
                i += 1
                continue
            following = next((line.text for line in lines[i + 1 :] if line.text), "")
            if following and _TOC_ENTRY.search(following) and len(text.split()) <= 15:
                drop.add(i)  # a long entry wrapped onto a second line
                i += 1
                continue
            break
    return drop


def _find_title(lines: list[Line], furniture: set[int], hint: str) -> tuple[str, int | None]:
    """The title (the hint from PDF metadata, else the first line) and the index of its line, if it
    is a line of its own rather than the start of the text."""
    first = next(
        (
            i
            for i, line in enumerate(lines)
            if line.text and not _PAGE_NUMBER.match(line.text) and not (i in furniture and _dot_leader(line.text))
        ),
        None,
    )
    if first is None:
        return hint, None
    text = lines[first].text
    following = lines[first + 1].text if first + 1 < len(lines) else ""
    stands_alone = (
        len(text.split()) <= 25
        and not _CLOSED.search(text)
        and not following[:1].islower()
        and not _KNOWN_HEADINGS.match(text)
    )
    if hint:
        same = collapse_whitespace(text).casefold() in collapse_whitespace(hint).casefold()
        return hint, first if same else None
    if stands_alone:
        return text, first
    words = text.split()
    return " ".join(words[:12]) + ("…" if len(words) > 12 else ""), None


def _measure(lines: list[Line]) -> _Layout:
    filled = [line for line in lines if line.text]
    # Lines inside a paragraph (not ending one) fill the width; last lines and headings do not.
    inner = [
        len(line.text)
        for line, nxt in zip(lines, lines[1:], strict=False)
        if line.text and nxt.text and not ends_sentence(line.text)
    ]
    lengths = sorted(inner if len(inner) >= 3 else [len(line.text) for line in filled])
    width, count = _densest_width(lengths)
    dense = len(lengths) >= 3 and count >= 0.35 * len(lengths) and width <= 300
    if not dense and lengths:
        width = lengths[int(0.9 * (len(lengths) - 1))]
    # Lines that stop mid-sentence and go on in lower case on the next line are wrapped, however
    # uneven their lengths; text written one paragraph a line has next to none.
    broken = sum(
        1
        for line, nxt in zip(lines, lines[1:], strict=False)
        if line.text and nxt.text and nxt.text[0].islower() and not ends_sentence(line.text)
    )
    wrapped = dense or broken >= max(1, 0.05 * len(filled))
    steady = dense and count >= 10  # enough lines of one width to call others wider
    with_trailing = [line for line in filled if line.trailing >= 2]
    trailing_marks_end = bool(with_trailing) and len(with_trailing) <= 0.4 * len(filled)
    base_indent = min((line.indent for line in filled), default=0)
    indented = [line for line in filled if line.indent >= base_indent + 2]
    indent_marks_start = 0.02 * len(filled) <= len(indented) <= 0.6 * len(filled)
    return _Layout(width, wrapped, steady, trailing_marks_end, indent_marks_start)


def _densest_width(lengths: list[int]) -> tuple[int, int]:
    """The length L with the most lines in [0.85 L, L]: the width wrapped body lines fill."""
    best, best_count, start = 0, 0, 0
    for end, length in enumerate(lengths):
        while lengths[start] < 0.85 * length:
            start += 1
        if end - start + 1 >= best_count:
            best, best_count = length, end - start + 1
    return best, best_count


class _Segmenter:
    """Walks the lines once and cuts them into blocks (headings, paragraphs, list items, notes)."""

    def __init__(self, lines: list[Line], layout: _Layout, vocabulary: Vocabulary):
        self.lines = lines
        self.layout = layout
        self.vocabulary = vocabulary
        self.blocks: list[Block] = []
        self.current: _Open | None = None
        self.suspended: _Open | None = None  # a paragraph a footnote block interrupted
        self.blank_before = False
        self.referenced: set[str] = set()  # markers seen in body text, so their note bodies are known
        self.bodied: set[str] = set()  # markers whose note body has been read
        self.list_levels: list[tuple[str, str]] = []  # (kind, value) of the enclosing list items
        self.in_notes_section = False
        self.next_filled: list[int] = self._next_filled_indexes()
        self.heading_tail: int | None = None  # the second line of a heading that wrapped

    def _next_filled_indexes(self) -> list[int]:
        following = [-1] * len(self.lines)
        upcoming = -1
        for i in range(len(self.lines) - 1, -1, -1):
            following[i] = upcoming
            if self.lines[i].text:
                upcoming = i
        return following

    def run(self) -> list[Block]:
        for i, line in enumerate(self.lines):
            if not line.text:
                self.blank_before = True
                continue
            if i == self.heading_tail:
                self.heading_tail = None
                continue
            self._take(i, line)
            self.blank_before = False
        self._close()
        if self.suspended is not None:
            self.current, self.suspended = self.suspended, None
            self._close()
        return self.blocks

    # --- one line -------------------------------------------------------------------------

    def _take(self, i: int, line: Line) -> None:
        current = self.current
        if current is not None and current.kind == "note":
            if self._note_goes_on(current, line):
                self._append(line)
                return
            self._close()
            current = None
        note = self._note_start(line)
        if note is not None:
            if current is not None and current.kind != "note" and not ends_sentence(current.last):
                self._suspend()
            self._close()
            self._start("note", note[0], line, note[1])
            self.bodied.add(note[0])
            return
        if self.suspended is not None:
            # The paragraph a footnote interrupted goes on here, unless a heading comes first.
            self.current, self.suspended = self.suspended, None
            if not self._is_heading(i, line, "hard"):
                self._append(line)
                return
            self._close()
        boundary = self._boundary(line)
        if boundary == "hard" and self._continues_after_break(line):
            self._append(line)
            return
        if (boundary is not None or self._is_unmistakable_heading(i, line)) and self._is_heading(i, line, boundary):
            self._close()
            self._add_heading(line)
            return
        if boundary is not None or line.text[0] in _BULLET_SIGNS:
            item = self._list_item(line)
            if item is not None:
                self._close()
                label, rest = item
                self._start("list_item", label, line, rest)
                return
        if boundary == "hard" or self.current is None:
            self._close()
            self._start("note" if self.in_notes_section else "paragraph", "", line, line.text)
            return
        self._append(line)

    def _boundary(self, line: Line) -> str | None:
        """ "hard": a new block starts here; "soft": one may (the previous line ended a sentence)."""
        current = self.current
        if current is None or self.blank_before or current.ended:
            return "hard"
        previous = current.lines[-1]
        indented = line.indent >= previous.indent + 2
        if self.layout.indent_marks_start and indented and ends_sentence(previous.text):
            return "hard"
        if ends_sentence(previous.text):
            return "soft"
        return None

    def _continues_after_break(self, line: Line) -> bool:
        """After a blank line, a paragraph that stopped mid-sentence goes on in lower case."""
        current = self.current
        return (
            current is not None
            and self.blank_before
            and current.kind in ("paragraph", "list_item")
            and not ends_sentence(current.last)
            and line.text[0].islower()
        )

    # --- notes ----------------------------------------------------------------------------

    def _note_start(self, line: Line) -> tuple[str, str] | None:
        found = note_start(line.text)
        if found is None:
            return None
        marker, rest, has_dot = found
        if self.in_notes_section:
            return (marker, rest) if marker not in self.bodied else None
        if has_dot or marker not in self.referenced or marker in self.bodied:
            return None
        current = self.current
        at_gap = (
            current is None
            or self.blank_before
            or line.page_start
            or line.page_tail
            or current.kind == "note"
            or current.ended
        )
        starts_like_text = rest[:1].isupper() or rest[:1].isdigit() or rest[:1] in "“\"'‘(["
        return (marker, rest) if at_gap and starts_like_text else None

    def _note_goes_on(self, note: _Open, line: Line) -> bool:
        if self.blank_before or line.page_start or self._note_start(line) is not None:
            return False
        if note.lines[-1].page != line.page:
            return False
        if self.suspended is not None and ends_sentence(note.last) and line.text[0].islower():
            return False  # the interrupted paragraph goes on
        return not note.ended or self.in_notes_section

    def _suspend(self) -> None:
        """Set the current paragraph aside while a footnote printed in its middle is read."""
        self.suspended = self.current
        self.current = None

    # --- headings -------------------------------------------------------------------------

    def _is_unmistakable_heading(self, i: int, line: Line) -> bool:
        """A heading that needs no paragraph end before it: "2.4 Library Notes", "1. Introduction"."""
        following = self.next_filled[i]
        if following < 0 or not self.lines[following].text[0].isupper():
            return False
        return bool(_KNOWN_HEADINGS.match(line.text) or _SUBSECTION.match(line.text))

    def _is_heading(self, i: int, line: Line, boundary: str | None) -> bool:
        text = line.text
        following = self.next_filled[i]
        if following < 0:
            return False
        nxt = self.lines[following].text
        if _KNOWN_HEADINGS.match(text.rstrip(":")):
            return True
        if not self._heading_shape(text):
            return False
        if nxt[0].islower():
            return False  # the line wraps on: it is the start of a paragraph
        numbered = _NUMBERED_HEADING.match(text)
        if numbered:
            return self._heading_shape(numbered.group("rest")) and _LIST_ITEM.match(nxt) is None
        if _is_all_caps(text):
            return True
        if boundary != "hard" and len(text) > 0.7 * self.layout.width:
            return False
        # Several short lines in a row are an address, a cover page or a list, not a heading.
        short_next = self._heading_shape(nxt) and len(nxt) < 0.8 * self.layout.width
        if following == i + 1 and short_next and self._wraps_onto(following):
            self.heading_tail = following
            return True
        return following != i + 1 or not short_next or _KNOWN_HEADINGS.match(nxt) is not None

    def _wraps_onto(self, second: int) -> bool:
        """A heading too long for its line: a word or three on the next line, then the text at full width."""
        after = self.next_filled[second]
        if after < 0 or len(self.lines[second].text.split()) > 3:
            return False
        text = self.lines[after].text
        return len(text) >= 0.7 * self.layout.width and not text[0].islower()

    def _heading_shape(self, text: str) -> bool:
        words = text.split()
        if not 1 <= len(words) <= 12 or len(text) > 100:
            return False
        if self.layout.wrapped and len(text) >= 0.9 * self.layout.width:
            return False
        if _CLOSED.search(text) or not (text[0].isupper() or text[0].isdigit() or text[0] in "“\"'‘"):
            return False
        if _DATE.search(text) and len(words) <= 6:
            return False  # a date line on a cover or under a letter's address: "Updated March 3, 2022"
        letters = sum(ch.isalpha() for ch in text)
        return letters >= 2 and letters >= 0.5 * len(text.replace(" ", ""))

    def _add_heading(self, line: Line) -> None:
        text = line.text
        if self.heading_tail is not None:
            text = f"{text} {self.lines[self.heading_tail].text}"
        numbered = _NUMBERED_HEADING.match(text)
        level = 1
        if numbered and numbered.group("number")[0].isdigit():
            level = min(numbered.group("number").rstrip(".").count(".") + 1, 6)
        self.blocks.append(Block("heading", text, level=level, page=line.page))
        self.referenced |= referenced_markers(text)
        self.list_levels = []
        self.in_notes_section = is_notes_heading(text)
        if self.in_notes_section:
            self.bodied = set()  # notes numbered by chapter start again at 1 in each notes section

    # --- list items -----------------------------------------------------------------------

    def _list_item(self, line: Line) -> tuple[str, str] | None:
        bullet = _BULLET.match(line.text)
        if bullet:
            return "", bullet.group("rest")
        match = _LIST_ITEM.match(line.text)
        if not match:
            return None
        value = match.group("paren") or match.group("plain")
        kind = label_kind(value, dict(self.list_levels))
        if kind is None:
            return None
        for depth in range(len(self.list_levels) - 1, -1, -1):
            if self.list_levels[depth][0] == kind:
                del self.list_levels[depth:]
                break
        self.list_levels.append((kind, value))
        return ".".join(v for _, v in self.list_levels), match.group("rest")

    # --- building blocks ------------------------------------------------------------------

    def _start(self, kind: str, label: str, line: Line, first_text: str) -> None:
        self.current = _Open(kind, label, [])
        self._append(line, first_text)

    def _append(self, line: Line, text: str | None = None) -> None:
        current = self.current
        if text is not None and text != line.text:
            line = Line(text, line.page, line.indent, line.trailing, line.page_start, line.page_tail)
        current.lines.append(line)
        if current.kind != "note":
            self.referenced |= referenced_markers(line.text)
        current.ended = self._ends_block(current, line)

    def _ends_block(self, block: _Open, line: Line) -> bool:
        if not self.layout.wrapped:
            return not line.text.endswith("-")
        if not ends_sentence(line.text):
            return False
        if self.layout.trailing_marks_end and line.trailing >= 2:
            return True
        reference = max(len(earlier.text) for earlier in block.lines[:-1]) if len(block.lines) > 1 else 0
        reference = max(reference, self.layout.width) if len(block.lines) == 1 else reference
        return len(line.text) < _SHORT_LINE * reference

    def _close(self) -> None:
        block = self.current
        self.current = None
        if block is None:
            return
        kind = block.kind
        if kind == "paragraph" and self._set_in_small_print(block):
            kind = "note"
        text = join_lines((line.text for line in block.lines), self.vocabulary)
        self.blocks.append(Block(kind, text, block.label, page=block.lines[0].page))

    def _set_in_small_print(self, block: _Open) -> bool:
        """Unmarked notes: lines clearly wider than the body's, as a smaller font makes them."""
        if not self.layout.steady or len(block.lines) < 3:
            return False
        widths = [len(line.text) for line in block.lines[:-1]]
        return statistics.median(widths) > _WIDE_LINE * self.layout.width


def _is_all_caps(text: str) -> bool:
    letters = [ch for ch in text if ch.isalpha()]
    return len(letters) >= 3 and all(ch.isupper() for ch in letters)
