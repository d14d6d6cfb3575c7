"""Markdown to a ParsedReport, with a small hand-written block parser.

Covers what reports converted to Markdown use: ATX and setext headings, paragraphs, ordered,
lettered and bullet lists (nested by indentation), block quotes, pipe tables (with or without a
delimiter row), fenced code, footnotes ("[^1]" references and "[^1]: text" definitions), "[1]"-style
notes, and YAML front matter with a title. Inline markup (emphasis, links, images, code, HTML tags)
is reduced to text.

Two shapes that are not Markdown by design are recognised from their content:
- a page saved from a report site: the site chrome before the body is dropped (see chrome.py), a
  contents list names the body headings (plain lines in the body), or without one, short lines
  standing alone are headings; notes come as a pipe table ("| 1. | text") under "# Footnotes";
- Markdown converted from a PDF: "[1]" markers, a note body "1 According to ..." where the page
  ended, interrupting a paragraph that goes on after it (it is rejoined), and page footers that
  repeat with their page number ("Congressional Research Service 2"), which are dropped.
"""

import re
from dataclasses import dataclass, field

from . import metadata as meta
from .assemble import Block, build_report, shift_heading_levels
from .chrome import CHROME_LINK, strip_lead
from .cleaning import Vocabulary, collapse_whitespace, join_lines, normalise_characters
from .footnotes import NOTE_START, sentinel, superscript
from .lists import label_kind
from .parse_text import ends_sentence
from .structure import ParsedReport, is_notes_heading

_ATX = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_BREAK = re.compile(r"^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_QUOTE = re.compile(r"^ {0,3}>[ \t]?(.*)$")
_ITEM = re.compile(
    r"^(?P<indent>[ \t]*)(?P<marker>[-*+]|\d{1,9}[.)]|[a-zA-Z][.)]|[ivxIVX]{1,4}[.)])[ \t]+(?P<rest>.*)$"
)
_FOOTNOTE_DEF = re.compile(r"^ {0,3}\[\^(?P<label>[^\]\s]+)\]:[ \t]*(?P<rest>.*)$")
_BRACKET_NOTE = re.compile(r"^ {0,3}\[(?P<label>\d{1,3})\][ \t]+(?P<rest>\S.*)$")
_LINK_DEFINITION = re.compile(r"^ {0,3}\[[^\]^][^\]]*\]:[ \t]*\S+")
_NOTE_ROW = re.compile(r"^[ \t]*\|[ \t]*(?P<label>\d{1,3}|[*†‡])\.?[ \t]*\|[ \t]*(?P<rest>.*?)[ \t]*\|?[ \t]*$")
_BRACKET_MARKER = re.compile(r"\[(\d{1,3})\](?![(:])")
_PLAIN_HEADING_EXCLUDED = re.compile(r"^(?:table|figure|source|sources|note|notes|box|chart|map)\b", re.IGNORECASE)
_EMPHASIS_LINE = re.compile(r"^(\*{1,2}|_{1,2})(?=\S)(?P<text>[^*_]+?)(?<=\S)\1$")
_DISCLAIMER = re.compile(r"^(?:disclaimer|legal notice)s?:?$", re.IGNORECASE)
_TABLE_DELIMITER = re.compile(r"^[ \t]*\|?[ \t]*:?-{2,}:?[ \t]*(?:\|[ \t]*:?-{2,}:?[ \t]*)*\|?[ \t]*$")

_ENDS_IN_NUMBER = re.compile(r"\s\d{1,4}\s*$")
_MARKUP = re.compile(r"[\[\]<>`*_~\\]")
_ESCAPES = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|>~])")
_INLINE_RULES = [
    (re.compile(r"\[\^([^\]\s]+)\]"), lambda m: sentinel(m.group(1))),
    (re.compile(r"\[([^\]]+)\]\([^)]*\)"), lambda m: "" if CHROME_LINK.match(m.group(1).strip()) else m.group(0)),
    (re.compile(r"(?<=[^\s_])_{3,}(?=[^\s_])"), "_ "),  # "_Expenses___includes": italic, then a stray "__"
    (re.compile(r"(?<=[^\W_])\*{4,}(?=[^\W_])"), ""),  # "**Note****s**": two bold runs in one word
    (re.compile(r"(?<=[^\s_*])(?:__|\*{4,})(?=[^\s_*])"), " "),  # empty emphasis between words: ",__container"
    (re.compile(r"<sup>\s*\[?(\d{1,3}|[*†‡])\]?\s*</sup>", re.IGNORECASE), lambda m: superscript(m.group(1))),
    (re.compile(r"!\[([^\]]*)\]\([^)]*\)"), r"\1"),
    (re.compile(r"\[([^\]]+)\]\((?:[^()\s]|\([^)]*\))*(?:\s+\"[^\"]*\")?\)"), r"\1"),
    (re.compile(r"\[([^\]]+)\]\[[^\]]*\]"), r"\1"),
    (re.compile(r"<(https?://[^>\s]+)>"), r"\1"),
    (re.compile(r"</?[a-zA-Z][^>]*>"), ""),
    (re.compile(r"`+([^`]+?)`+"), r"\1"),
    (re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1"), r"\2"),
    (re.compile(r"(?<![\w*])\*(?=\S)(.+?)(?<=\S)\*(?![\w*])"), r"\1"),
    (re.compile(r"(?<![\w_])_(?=\S)([^_]+?)(?<=\S)_(?![\w_])"), r"\1"),
    (re.compile(r"~~(?=\S)(.+?)(?<=\S)~~"), r"\1"),
    (re.compile(r"(?<!\\)(?:\*{2,}|_{2,})"), ""),  # emphasis left unpaired by a page's markup
    (re.compile(r"(?:(?<=\s)|^)_(?=\w)|(?<=\w)_(?=[\s,.;:]|$)"), ""),  # "_Stena Imperative _in"
]


@dataclass
class _Item:
    indent: int
    kind: str  # "bullet" or a label kind
    value: str


@dataclass
class _State:
    vocabulary: Vocabulary
    blocks: list[Block] = field(default_factory=list)
    kind: str = ""  # kind of the open block, "" when none
    label: str = ""
    lines: list[str] = field(default_factory=list)
    items: list[_Item] = field(default_factory=list)  # enclosing list items, outermost first
    in_notes_section: bool = False
    gap: bool = False  # a blank line inside the open block (only notes run on across one)
    contents: dict[str, int] = field(default_factory=dict)  # headings a contents list named
    plain_headings: bool = False  # short lines standing alone are headings (a saved page without any)
    referenced: set[str] = field(default_factory=set)  # "[N]" markers seen in the text
    bodied: set[str] = field(default_factory=set)  # markers whose note body has been read
    interrupted: int | None = None  # index of a paragraph a page-bottom note cut off mid-sentence
    last_filled: int = 0  # index of the last line with text

    def flush(self) -> None:
        if self.lines:
            if self.kind == "table":
                body = "\n".join(self.lines)
            else:
                body = join_lines(self.lines, self.vocabulary)
            kind = "note" if self.in_notes_section and self.kind in ("paragraph", "list_item") else self.kind
            text = _inline(body)
            if kind == "paragraph" and self.interrupted is not None:
                self.blocks[self.interrupted].text += " " + text  # the sentence goes on after the notes
                self.interrupted = None if ends_sentence(text) else self.interrupted
            elif kind != "note":
                self.blocks.append(Block(kind, text, self.label))
                self.interrupted = None
            else:
                self.blocks.append(Block(kind, text, self.label))
        self.kind, self.label, self.lines, self.gap = "", "", [], False

    def start_page_note(self, label: str, first: str) -> None:
        """A note printed at the page bottom: the paragraph before it may go on after it."""
        self.flush()
        last = self.blocks[-1] if self.blocks else None
        if self.interrupted is None and last is not None and last.kind == "paragraph" and not ends_sentence(last.text):
            self.interrupted = len(self.blocks) - 1
        self.kind, self.label, self.lines = "note", label, [first]
        self.bodied.add(label)

    def start(self, kind: str, label: str, first: str) -> None:
        self.flush()
        self.kind, self.label, self.lines = kind, label, [first]


def parse_markdown(text: str, *, warnings: list[str] | None = None) -> ParsedReport:
    """Parse Markdown into a ParsedReport; the title is the front matter's, else the first heading."""
    warnings = warnings if warnings is not None else []
    text = normalise_characters(text)
    front_title, front_pairs, lines = _front_matter(text.split("\n"))
    lead = strip_lead(lines)
    lines = _drop_furniture(_drop_disclaimers(lead.lines))
    state = _State(Vocabulary(text), contents=lead.contents)
    state.last_filled = max((i for i, line in enumerate(lines) if line.strip()), default=0)
    state.plain_headings = (
        lead.found
        and not lead.contents
        and not any((heading := _ATX.match(line)) and not is_notes_heading(heading.group(2) or "") for line in lines)
    )
    i = 0
    while i < len(lines):
        i = _take(state, lines, i)
    state.flush()
    title, blocks = _title(front_title or lead.title, state.blocks, lines)
    metadata = meta.from_pairs(front_pairs)
    metadata.fill_from(lead.metadata)
    blocks = _take_byline(blocks, title, metadata)
    if not metadata.publisher:
        metadata.publisher = _named_publisher(text)
    report = build_report(title, blocks, warnings)
    report.metadata = metadata
    return report


def _take_byline(blocks: list[Block], title: str, metadata) -> list[Block]:
    """Byline paragraphs before the body ("Updated September 23, 2015", "Congressional Research Service")."""
    lead = 0
    while lead < len(blocks) and blocks[lead].kind == "paragraph" and "\n" not in blocks[lead].text:
        lead += 1
    found, taken = meta.take_byline([block.text for block in blocks[:lead]], title)
    metadata.fill_from(found)
    return blocks[taken:]


def _named_publisher(text: str) -> str:
    """A saved page's disclaimer or footer naming the series: "prepared by the Congressional Research Service"."""
    for match in re.finditer(r"prepared by (?:the )?([A-Z][\w.]*(?: [A-Z][\w.]*){1,5})", text):
        if meta.publisher_name(match.group(1)):
            return meta.publisher_name(match.group(1))
    return ""


def _drop_disclaimers(lines: list[str]) -> list[str]:
    """A "Disclaimer:" paragraph at the end of a saved page is the site's, not the report's."""
    out: list[str] = []
    skipping = False
    for line in lines:
        if _DISCLAIMER.match(line.strip()):
            skipping = True
        elif skipping and not line.strip():
            skipping = False
        if not skipping:
            out.append(line)
    return out


def _drop_furniture(lines: list[str]) -> list[str]:
    """Page footers and headers a PDF conversion left as paragraphs: short lines that repeat with a page number."""
    keys: dict[str, list[int]] = {}
    for i, line in enumerate(lines):
        if not _ENDS_IN_NUMBER.search(line):
            continue
        text = _inline(line.strip())
        standalone = (i == 0 or not lines[i - 1].strip()) and (i + 1 == len(lines) or not lines[i + 1].strip())
        if standalone and re.search(r"\s\d{1,4}$", text) and len(text.split()) <= 8 and not ends_sentence(text):
            keys.setdefault(re.sub(r"\d+", "#", text.lower()), []).append(i)
    drop = {i for indexes in keys.values() if len(indexes) >= 2 for i in indexes}
    return [line for i, line in enumerate(lines) if i not in drop]


def _take(state: _State, lines: list[str], i: int) -> int:
    """Read the block construct starting at line i; return the index of the next line to read."""
    line = lines[i]
    nxt = lines[i + 1] if i + 1 < len(lines) else ""
    if not line.strip():
        if state.kind == "note":
            state.gap = True
        else:
            state.flush()
        return i + 1
    if state.kind == "note" and state.gap:
        if line.startswith(("  ", "\t")):
            state.lines.append(line)
            state.gap = False
            return i + 1
        state.flush()
    state.referenced.update(_BRACKET_MARKER.findall(line))
    note_row = _NOTE_ROW.match(line) if state.in_notes_section else None
    if note_row:
        state.start("note", note_row.group("label"), note_row.group("rest"))
        return i + 1
    fence = _FENCE.match(line)
    if fence:
        state.flush()
        marker = fence.group(1)
        close = re.compile(rf"^ {{0,3}}{re.escape(marker[0])}{{{len(marker)},}}[ \t]*$")
        end = next((j for j in range(i + 1, len(lines)) if close.match(lines[j])), len(lines))
        state.blocks.append(Block("paragraph", "\n".join(lines[i + 1 : end])))
        return end + 1
    heading = _ATX.match(line)
    if heading:
        state.flush()
        _add_heading(state, len(heading.group(1)), heading.group(2) or "")
        return i + 1
    if state.kind == "paragraph" and _SETEXT.match(line):
        title = " ".join(state.lines)
        state.lines = []
        state.flush()
        _add_heading(state, 1 if line.strip()[0] == "=" else 2, title)
        return i + 1
    if _BREAK.match(line) or _LINK_DEFINITION.match(line):
        state.flush()
        return i + 1
    if "|" in line and _TABLE_DELIMITER.match(nxt):
        state.start("table", "", _table_row(line))
        i += 2
        while i < len(lines) and "|" in lines[i] and lines[i].strip():
            state.lines.append(_table_row(lines[i]))
            i += 1
        state.flush()
        return i
    if line.lstrip().startswith("|") and state.kind != "paragraph":
        return _take_pipe_rows(state, lines, i)
    quote = _QUOTE.match(line)
    if quote:
        if state.kind == "quote":
            state.lines.append(quote.group(1))
        else:
            state.start("quote", "", quote.group(1))
        return i + 1
    note = _FOOTNOTE_DEF.match(line) or _BRACKET_NOTE.match(line)
    if note:
        state.start("note", note.group("label"), note.group("rest"))
        return i + 1
    page_note = _page_note(state, line) if not state.kind else None
    if page_note:
        state.start_page_note(*page_note)
        return i + 1
    item = _ITEM.match(line)
    if item and _take_item(state, item):
        return i + 1
    if state.kind:
        state.lines.append(line)
        return i + 1
    alone = not nxt.strip() and (i == 0 or not lines[i - 1].strip())
    level = _named_heading(state, line, i) if alone else None
    if level:
        state.flush()
        _add_heading(state, level, _EMPHASIS_LINE.sub(r"\g<text>", line.strip()))
    else:
        state.start("paragraph", "", line)
    return i + 1


def _page_note(state: _State, line: str) -> tuple[str, str] | None:
    """ "1 According to ..." opening a block, for a "[1]" the text referenced and no note has yet."""
    match = NOTE_START.match(line.strip())
    number = match.group("num") if match else None
    if number and not match.group("dot") and number in state.referenced and number not in state.bodied:
        return number, match.group("rest")
    return None


def _named_heading(state: _State, line: str, i: int) -> int | None:
    """The level of a line standing alone that a contents list names, or that looks like a heading on a
    saved page without headings (short, no closing punctuation; in italics: a subheading)."""
    text = collapse_whitespace(_inline(line))
    if text.casefold() in state.contents:
        return state.contents[text.casefold()]
    if not state.plain_headings or i >= state.last_filled:
        return None  # a heading has text after it
    words = text.split()
    if not 1 <= len(words) <= 12 or len(text) > 100 or ends_sentence(text) or text.endswith(","):
        return None
    if not (text[0].isupper() or text[0].isdigit()) or _PLAIN_HEADING_EXCLUDED.match(text):
        return None
    return 2 if _EMPHASIS_LINE.match(line.strip()) else 1


def _take_pipe_rows(state: _State, lines: list[str], i: int) -> int:
    """Table rows without a delimiter row ("| a | b"), as pages saved to Markdown give them. A line of
    text between rows, after a blank line, is the rest of the row above (a cell's second paragraph)."""
    state.start("table", "", _table_row(lines[i]))
    i += 1
    while i < len(lines):
        line = lines[i]
        if line.lstrip().startswith("|"):
            state.lines.append(_table_row(line))
            i += 1
            continue
        after = lines[i + 1] if i + 1 < len(lines) else ""
        if not line.strip() and i + 2 < len(lines) and lines[i + 1].strip() and lines[i + 2].lstrip().startswith("|"):
            if not after.lstrip().startswith("|"):
                state.lines[-1] += " " + after.strip()
                i += 2
                continue
            i += 1
            continue
        break
    state.flush()
    return i


def _take_item(state: _State, item: re.Match) -> bool:
    """Open a list item, labelled from its enclosing items ("1.a"); False if it is not one after all."""
    indent = len(item.group("indent").expandtabs(4))
    marker = item.group("marker")
    value = "" if marker in "-*+" else marker[:-1]
    if state.kind == "paragraph" and value and value.lower() not in ("1", "a", "i"):
        return False  # only a list starting at 1 (or a, i) may interrupt a paragraph: "1984. That year"
    items = list(state.items)
    while items and items[-1].indent > indent:
        items.pop()
    sibling = items.pop() if items and items[-1].indent == indent else None
    kind = "bullet" if not value else label_kind(value, {sibling.kind: sibling.value} if sibling else {})
    if kind is None:
        return False
    items.append(_Item(indent, kind, value))
    state.start("list_item", "" if kind == "bullet" else ".".join(e.value for e in items if e.value), item["rest"])
    state.items = items
    return True


def _add_heading(state: _State, level: int, title: str) -> None:
    title = _inline(title.strip())
    state.blocks.append(Block("heading", title, level=level))
    state.interrupted = None
    state.items = []
    state.in_notes_section = is_notes_heading(title)


def _table_row(line: str) -> str:
    cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
    return " | ".join(cells)


def _inline(text: str) -> str:
    """Reduce inline Markdown to plain text; footnote references become sentinels."""
    if not _MARKUP.search(text):
        return text  # most lines: nothing to reduce, and twenty substitutions saved
    escaped: list[str] = []

    def protect(match):
        escaped.append(match.group(1))
        return f"\ue010{len(escaped) - 1}\ue011"

    text = _ESCAPES.sub(protect, text)
    for pattern, replacement in _INLINE_RULES:
        text = pattern.sub(replacement, text)
    return re.sub("\ue010(\\d+)\ue011", lambda m: escaped[int(m.group(1))], text)


def _front_matter(lines: list[str]) -> tuple[str, list[tuple[str, str]], list[str]]:
    """YAML front matter: the title, the other "key: value" pairs (authors, date...), the lines after it."""
    if not lines or lines[0].strip() != "---":
        return "", [], lines
    for end in range(1, min(len(lines), 100)):
        if lines[end].strip() in ("---", "..."):
            title, pairs = "", []
            for line in lines[1:end]:
                match = re.match(r"^([A-Za-z_][\w.-]*):\s*(.+?)\s*$", line)
                if match:
                    value = match.group(2).strip("'\"")
                    if match.group(1).lower() == "title":
                        title = value
                    else:
                        pairs.append((match.group(1), value.strip("[]")))
            return title, pairs, lines[end + 1 :]
    return "", [], lines


def _title(front_title: str, blocks: list[Block], lines: list[str]) -> tuple[str, list[Block]]:
    """The front matter title, else a lone leading level-1 heading (taken out of the sections)."""
    headings = [block for block in blocks if block.kind == "heading"]
    top = [block for block in headings if block.level == 1]
    first = blocks[0] if blocks else None
    lone = first is not None and first.kind == "heading" and first.level == 1 and len(top) == 1
    if lone and (not front_title or collapse_whitespace(first.text) == collapse_whitespace(front_title)):
        blocks = blocks[1:]
        return front_title or first.text, shift_heading_levels(blocks)
    if front_title:
        return front_title, shift_heading_levels(blocks)
    if headings:
        return headings[0].text, shift_heading_levels(blocks)
    first_line = next((collapse_whitespace(line) for line in lines if line.strip()), "")
    return _inline(first_line)[:200], blocks
