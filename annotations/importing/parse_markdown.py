"""Markdown to a ParsedReport, with a small hand-written block parser.

Covers what reports converted to Markdown use: ATX and setext headings, paragraphs, ordered,
lettered and bullet lists (nested by indentation), block quotes, pipe tables, fenced code,
footnotes ("[^1]" references and "[^1]: text" definitions), "[1]"-style notes, and YAML front
matter with a title. Inline markup (emphasis, links, images, code, HTML tags) is reduced to text.
"""

import re
from dataclasses import dataclass, field

from .assemble import Block, build_report, shift_heading_levels
from .cleaning import Vocabulary, collapse_whitespace, join_lines, normalise_characters
from .footnotes import sentinel, superscript
from .lists import label_kind
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
_TABLE_DELIMITER = re.compile(r"^[ \t]*\|?[ \t]*:?-{2,}:?[ \t]*(?:\|[ \t]*:?-{2,}:?[ \t]*)*\|?[ \t]*$")

_ESCAPES = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|>~])")
_INLINE_RULES = [
    (re.compile(r"\[\^([^\]\s]+)\]"), lambda m: sentinel(m.group(1))),
    (re.compile(r"<sup>\s*\[?(\d{1,3}|[*†‡])\]?\s*</sup>", re.IGNORECASE), lambda m: superscript(m.group(1))),
    (re.compile(r"!\[([^\]]*)\]\([^)]*\)"), r"\1"),
    (re.compile(r"\[([^\]]+)\]\((?:[^()\s]|\([^)]*\))*(?:\s+\"[^\"]*\")?\)"), r"\1"),
    (re.compile(r"\[([^\]]+)\]\[[^\]]*\]"), r"\1"),
    (re.compile(r"<(https?://[^>\s]+)>"), r"\1"),
    (re.compile(r"</?[a-zA-Z][^>]*>"), ""),
    (re.compile(r"`+([^`]+?)`+"), r"\1"),
    (re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1"), r"\2"),
    (re.compile(r"(?<![\w*])\*(?=\S)(.+?)(?<=\S)\*(?![\w*])"), r"\1"),
    (re.compile(r"(?<![\w_])_(?=\S)(.+?)(?<=\S)_(?![\w_])"), r"\1"),
    (re.compile(r"~~(?=\S)(.+?)(?<=\S)~~"), r"\1"),
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

    def flush(self) -> None:
        if self.lines:
            if self.kind == "table":
                body = "\n".join(self.lines)
            else:
                body = join_lines(self.lines, self.vocabulary)
            kind = "note" if self.in_notes_section and self.kind in ("paragraph", "list_item") else self.kind
            self.blocks.append(Block(kind, _inline(body), self.label))
        self.kind, self.label, self.lines, self.gap = "", "", [], False

    def start(self, kind: str, label: str, first: str) -> None:
        self.flush()
        self.kind, self.label, self.lines = kind, label, [first]


def parse_markdown(text: str, *, warnings: list[str] | None = None) -> ParsedReport:
    """Parse Markdown into a ParsedReport; the title is the front matter's, else the first heading."""
    warnings = warnings if warnings is not None else []
    text = normalise_characters(text)
    front_title, lines = _front_matter(text.split("\n"))
    state = _State(Vocabulary(text))
    i = 0
    while i < len(lines):
        i = _take(state, lines, i)
    state.flush()
    title, blocks = _title(front_title, state.blocks, lines)
    return build_report(title, blocks, warnings)


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
    item = _ITEM.match(line)
    if item and _take_item(state, item):
        return i + 1
    if state.kind:
        state.lines.append(line)
    else:
        state.start("paragraph", "", line)
    return i + 1


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
    state.items = []
    state.in_notes_section = is_notes_heading(title)


def _table_row(line: str) -> str:
    cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
    return " | ".join(cells)


def _inline(text: str) -> str:
    """Reduce inline Markdown to plain text; footnote references become sentinels."""
    escaped: list[str] = []

    def protect(match):
        escaped.append(match.group(1))
        return f"\ue010{len(escaped) - 1}\ue011"

    text = _ESCAPES.sub(protect, text)
    for pattern, replacement in _INLINE_RULES:
        text = pattern.sub(replacement, text)
    return re.sub("\ue010(\\d+)\ue011", lambda m: escaped[int(m.group(1))], text)


def _front_matter(lines: list[str]) -> tuple[str, list[str]]:
    if not lines or lines[0].strip() != "---":
        return "", lines
    for end in range(1, min(len(lines), 100)):
        if lines[end].strip() in ("---", "..."):
            title = ""
            for line in lines[1:end]:
                match = re.match(r"^title:\s*(.+?)\s*$", line)
                if match:
                    title = match.group(1).strip("'\"")
            return title, lines[end + 1 :]
    return "", lines


def _title(front_title: str, blocks: list[Block], lines: list[str]) -> tuple[str, list[Block]]:
    """The front matter title, else a lone leading level-1 heading (taken out of the sections)."""
    headings = [block for block in blocks if block.kind == "heading"]
    top = [block for block in headings if block.level == 1]
    first = blocks[0] if blocks else None
    if first is not None and first.kind == "heading" and first.level == 1 and len(top) == 1:
        blocks = blocks[1:]
        return front_title or first.text, shift_heading_levels(blocks)
    if front_title:
        return front_title, shift_heading_levels(blocks)
    if headings:
        return headings[0].text, shift_heading_levels(blocks)
    first_line = next((collapse_whitespace(line) for line in lines if line.strip()), "")
    return _inline(first_line)[:200], blocks
