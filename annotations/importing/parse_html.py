"""HTML to a ParsedReport, with the standard library's html.parser.

Headings h1-h6 become sections, p/div text paragraphs, li list items (labelled from the
enclosing ordered lists, "1.a" for <ol type="a"> inside item 1), blockquote quotes and tables
one passage each (cells joined by " | ", one row a line). Footnote references are <sup> numbers
and links to a footnote ("#fn1", "#_ftn1", class "footnote-ref"); footnote bodies are the items
of a footnotes container (class or id "footnotes", role "doc-endnotes") or elements whose id
names a footnote ("fn1", "ftn1", "footnote-1"); under a "Footnotes" heading, a table whose rows
start with a marker ("1." with a link back to the reference) holds one note a row. Navigation,
scripts, styles, the site's own links ("Jump to…", "Share", "Subscribe"), an author-contact
block and a table of contents under a "Contents" heading are skipped. Metadata comes from <meta>
tags (citation_*, Dublin Core, Open Graph), the canonical link, and the byline lines under the
title ("September 23, 2015 (98-380)").
"""

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from . import metadata as meta
from .assemble import Block, build_report, shift_heading_levels
from .chrome import CHROME_LINK
from .cleaning import collapse_whitespace, normalise_characters
from .footnotes import note_start, sentinel, superscript
from .structure import ParsedReport, ReportImportError, is_notes_heading

# Site furniture and non-text: skipped with everything inside.
_SKIP = {"script", "style", "noscript", "template", "nav", "footer", "svg", "button", "select", "iframe", "form"}
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
_BLOCK = {
    "p", "div", "section", "article", "main", "aside", "header", "footer", "body", "li", "dd", "dt", "dl",
    "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "ul", "ol", "figure", "figcaption", "address",
    "details", "summary", "caption",
}  # fmt: skip
_HEADING = re.compile(r"^h([1-6])$")
_NOTE_ID = re.compile(r"^_?(?:fn|ftn|footnote|endnote|edn|en|note)[-_:]?(\d{1,4})$", re.IGNORECASE)
_NOTE_REF_HREF = re.compile(r"^#_?(?:fn|ftn|footnote|endnote|edn|en|note)[-_:]?\d{1,4}$", re.IGNORECASE)
_BACK_HREF = re.compile(r"^#_?(?:fnref|ftnref|footnote-ref|endnoteref|ednref|ref)", re.IGNORECASE)
_MAIN = re.compile(r"<main\b|\brole\s*=\s*[\"']?main\b", re.IGNORECASE)
_NOTES_CONTAINER = re.compile(r"\b(?:footnotes|endnotes|doc-endnotes|doc-footnotes)\b", re.IGNORECASE)
_NOTE_CLASS = re.compile(r"\b(?:footnote|endnote|MsoFootnoteText|MsoEndnoteText)\b", re.IGNORECASE)
_MARKER_TEXT = re.compile(r"^[\[(]?(\d{1,4}|[*†‡§]{1,3})[\])]?$")
_NOTE_ROW_MARKER = re.compile(r"^[\[(]?(\d{1,4}|[*†‡§]{1,3})[\])]?\.?$")
# A paragraph that only labels a block: the author-contact block is the site's; the others are headings.
_CONTACT_LABEL = re.compile(r"^(?:author|authors'?|contact)(?: contact)? information$", re.IGNORECASE)
_CONTENTS = re.compile(r"^(?:table of )?contents$", re.IGNORECASE)
_LABEL_HEADING = re.compile(r"^(?:acknowledge?ments?|about the authors?)$", re.IGNORECASE)
_META_NAME = re.compile(r"^(?:citation_|dc\.|dcterms\.|og:|article:|author$|publisher$|date$)", re.IGNORECASE)


@dataclass
class _List:
    ordered: bool
    style: str  # "1", "a", "A", "i", "I"
    count: int


@dataclass
class _Capture:
    """Text inside <sup> or <a>, held back until the end tag shows whether it is a marker."""

    tag: str
    is_reference: bool  # a link to a footnote, or a footnote-ref class
    is_backlink: bool  # a link from a note back to its reference
    parts: list[str] = field(default_factory=list)


class _ReportHTMLParser(HTMLParser):
    def __init__(self, main_only: bool):
        super().__init__(convert_charrefs=True)
        self.main_only = main_only  # read only the <main> element: the rest is the site around it
        self.main_depth = 0
        self.blocks: list[Block] = []
        self.title_parts: list[str] = []
        self.parts: list[str] = []  # text of the open block
        self.stack: list[tuple[str, dict]] = []  # open elements and their attributes
        self.skip_tag = ""  # inside an element whose content is skipped (nav, script...)
        self.skip_count = 0
        self.in_title = False
        self.lists: list[_List] = []
        self.item_label = ""
        self.captures: list[_Capture] = []
        self.table: list[list[str]] | None = None
        self.row: list[str] | None = None
        self.cell: list[str] | None = None
        self.note_label: str | None = None  # inside a footnote body: its marker
        self.note_depth = 0  # depth of the element that holds the footnote body
        self.notes_container_depth = 0
        self.in_notes_section = False
        self.pre_depth = 0
        self.meta_pairs: list[tuple[str, str]] = []  # (name, content) of <meta> tags and the canonical link
        self.in_contact = False  # inside an author-contact block, skipped up to the next heading
        self.in_contents = False  # under a "Contents" heading, skipped up to the next heading

    # --- tags -----------------------------------------------------------------------------

    def handle_starttag(self, tag, attrs):
        attributes = {name: value or "" for name, value in attrs}
        if tag in ("meta", "link"):
            self._meta(attributes)
        if tag == "title":
            self.in_title = True
        elif self.skip_tag:
            self.skip_count += tag == self.skip_tag
        elif tag in _SKIP or (tag == "aside" and not _holds_notes(attributes)):
            self.skip_tag, self.skip_count = tag, 1  # asides are sidebars, unless they hold notes
        elif tag in ("br", "hr"):
            self._text("\n" if self.pre_depth else " ")
        elif tag in _VOID:
            return
        elif self.table is not None:
            self.stack.append((tag, attributes))
            if tag == "tr":
                self.row = []
            elif tag in ("td", "th"):
                self.cell = []
            elif tag in ("sup", "a"):
                self._begin_capture(tag, attributes)
        elif tag in ("sup", "a"):
            self.stack.append((tag, attributes))
            self._begin_capture(tag, attributes)
        else:
            self._open_block(tag, attributes)

    def _open_block(self, tag: str, attributes: dict) -> None:
        container = bool(_NOTES_CONTAINER.search(_names(attributes)))
        if tag == "li" and self.lists:
            current = self.lists[-1]
            current.count = int(attributes["value"]) if attributes.get("value", "").isdigit() else current.count + 1
        note = self._note_marker_of(tag, attributes)
        if tag in _BLOCK or tag == "table" or note is not None or container:
            self._flush()  # the text so far belongs to the enclosing block
        self.stack.append((tag, attributes))
        depth = len(self.stack)
        if note is not None and self.note_label is None:
            self.note_label, self.note_depth = note, depth
        if container and not self.notes_container_depth:
            self.notes_container_depth = depth
        if self.main_only and not self.main_depth and (tag == "main" or attributes.get("role") == "main"):
            self.main_depth = depth
        if tag == "table":
            self.table = []
        elif tag == "pre":
            self.pre_depth += 1
        elif tag in ("ol", "ul"):
            self.lists.append(_List(tag == "ol", attributes.get("type") or "1", _start(attributes) - 1))
        elif tag == "li" and self.lists:
            self.item_label = self._list_label()

    def handle_endtag(self, tag):
        if tag == "title":
            self.in_title = False
            return
        if self.skip_tag:
            if tag == self.skip_tag:
                self.skip_count -= 1
                self.skip_tag = self.skip_tag if self.skip_count else ""
            return
        if not any(open_tag == tag for open_tag, _ in self.stack):
            return  # a stray end tag
        # Elements left open inside this one (<li>, <p> without end tags) close with it.
        while self.stack:
            open_tag = self.stack[-1][0]
            self._close(open_tag, len(self.stack))
            self.stack.pop()
            if open_tag == tag:
                break

    def _close(self, tag: str, depth: int) -> None:
        if self.captures and self.captures[-1].tag == tag:
            self._end_capture()
        elif self.table is not None:
            if tag in ("td", "th") and self.cell is not None and self.row is not None:
                self.row.append(collapse_whitespace("".join(self.cell)))
                self.cell = None
            elif tag == "tr" and self.row is not None:
                if any(self.row):
                    self.table.append(self.row)
                self.row = None
            elif tag == "table":
                rows, self.table = self.table, None
                notes = self._note_rows(rows)
                if notes:
                    self.blocks.extend(notes)
                elif any(any(row) for row in rows):
                    self.blocks.append(Block(self._kind("table"), "\n".join(" | ".join(row) for row in rows)))
        else:
            if tag in _BLOCK or depth in (self.note_depth, self.notes_container_depth):
                self._flush()
            if depth == self.note_depth:
                self.note_label, self.note_depth = None, 0
            if depth == self.notes_container_depth:
                self.notes_container_depth = 0
            if depth == self.main_depth:
                self.main_depth = 0
            if tag == "pre":
                self.pre_depth -= 1
            elif tag in ("ol", "ul") and self.lists:
                self.lists.pop()
            elif tag == "li":
                self.item_label = ""

    def handle_data(self, data):
        if self.in_title:
            self.title_parts.append(data)
        elif not self.skip_tag and (self.main_depth or not self.main_only):
            self._text(data)

    # --- markers --------------------------------------------------------------------------

    def _begin_capture(self, tag: str, attributes: dict) -> None:
        href = attributes.get("href", "")
        classes = attributes.get("class", "")
        is_reference = bool(_NOTE_REF_HREF.match(href)) or "footnote-ref" in classes or "noteref" in classes
        is_backlink = bool(_BACK_HREF.match(href)) or "footnote-back" in classes or "backref" in classes
        self.captures.append(_Capture(tag, is_reference, is_backlink))

    def _end_capture(self) -> None:
        capture = self.captures.pop()
        inner = "".join(capture.parts)
        marker = _MARKER_TEXT.match(collapse_whitespace(inner))
        in_note = self.note_label is not None or self.notes_container_depth
        if capture.is_backlink or (in_note and capture.is_reference and marker):
            text = ""  # "↩" back links, and the note's own marker linking back
        elif capture.tag == "a" and CHROME_LINK.match(collapse_whitespace(inner)):
            text = ""  # the site's own links: "Jump to Main Text of Report", "Share/Save"
        elif marker and (capture.is_reference or _inside_reference(self.captures)):
            text = sentinel(marker.group(1))
        elif marker and capture.tag == "sup":
            text = superscript(marker.group(1))  # a marker only if a note has that number
        else:
            text = inner
        self._text(text)

    def _note_marker_of(self, tag: str, attributes: dict) -> str | None:
        identifier = _NOTE_ID.match(attributes.get("id", "") or attributes.get("name", ""))
        if identifier and tag not in ("a", "sup", "span"):
            return identifier.group(1)
        if tag == "li" and self.notes_container_depth:
            return str(self.lists[-1].count) if self.lists else ""
        if tag == "p" and _NOTE_CLASS.search(attributes.get("class", "")) and "ref" not in attributes.get("class", ""):
            return ""  # the marker is at the start of its text
        return None

    def _note_rows(self, rows: list[list[str]]) -> list[Block]:
        """Under a notes heading, a table of "1. | text" rows holds the notes; [] for another table."""
        if not (self.in_notes_section or self.notes_container_depth) or not rows:
            return []
        markers = [_NOTE_ROW_MARKER.match(row[0]) if len(row) >= 2 else None for row in rows]
        if not all(markers):
            return []
        return [Block("note", " ".join(row[1:]), marker.group(1)) for row, marker in zip(rows, markers, strict=True)]

    def _meta(self, attributes: dict) -> None:
        name = attributes.get("name") or attributes.get("property") or ""
        if attributes.get("rel", "").lower() == "canonical" and attributes.get("href"):
            self.meta_pairs.append(("canonical", attributes["href"]))
        elif _META_NAME.match(name) and attributes.get("content"):
            self.meta_pairs.append((name, attributes["content"]))

    # --- text and blocks ------------------------------------------------------------------

    def _text(self, text: str) -> None:
        if self.captures:
            self.captures[-1].parts.append(text)
        elif self.cell is not None:
            self.cell.append(text)
        elif self.table is None:
            self.parts.append(text)

    def _kind(self, default: str) -> str:
        inside = {tag for tag, _ in self.stack}
        if self.note_label is not None or self.notes_container_depth:
            return "note"
        if "blockquote" in inside:
            return "quote"
        return default

    def _list_label(self) -> str:
        labels = [_format(level.count, level.style) for level in self.lists if level.ordered]
        return ".".join(labels) if self.lists[-1].ordered else ""

    def _flush(self) -> None:
        while self.captures:
            self._end_capture()
        raw = "".join(self.parts)
        self.parts = []
        text = raw.strip("\n") if self.pre_depth else collapse_whitespace(raw)
        if not text.strip():
            return
        heading = next((_HEADING.match(tag) for tag, _ in reversed(self.stack) if _HEADING.match(tag)), None)
        if heading is None and _LABEL_HEADING.match(text) and self.note_label is None:
            heading = _HEADING.match("h2")
        if heading and self.note_label is None:
            self.in_contents = bool(_CONTENTS.match(text))
            if not self.in_contents:  # a table of contents repeats the headings: neither section nor text
                self.blocks.append(Block("heading", text, level=int(heading.group(1))))
            self.in_notes_section = is_notes_heading(text)
            self.in_contact = False
            return
        if _CONTACT_LABEL.match(text):
            self.in_contact = True
        if self.in_contact or self.in_contents:
            return
        kind = self._kind("paragraph")
        label = ""
        in_item = any(tag == "li" for tag, _ in self.stack)
        if kind == "note" or (self.in_notes_section and (in_item or kind == "paragraph")):
            kind, label, text = "note", self.note_label or (self.item_label if in_item else ""), text
            if not label:
                found = note_start(text)
                if found:
                    label, text = found[0], found[1]
            elif re.match(rf"^[\[(]?{re.escape(label)}[\])]?[.)]?\s", text):
                text = text.split(None, 1)[1]  # the note's own number, printed before it
            if self.blocks and self.blocks[-1].kind == "note" and self.blocks[-1].label == label and label:
                self.blocks[-1].text += " " + text  # a second paragraph of the same note
                return
        elif in_item:
            kind, label = "list_item", self.item_label
        self.blocks.append(Block(kind, text, label))


def _names(attributes: dict) -> str:
    return " ".join(attributes.get(name, "") for name in ("class", "id", "role", "epub:type"))


def _holds_notes(attributes: dict) -> bool:
    names = _names(attributes)
    return bool(_NOTES_CONTAINER.search(names) or _NOTE_CLASS.search(names) or _NOTE_ID.match(attributes.get("id", "")))


def _inside_reference(captures: list[_Capture]) -> bool:
    return any(capture.is_reference for capture in captures)


def _start(attributes: dict) -> int:
    start = attributes.get("start", "")
    return int(start) if start.lstrip("-").isdigit() else 1


def _format(number: int, style: str) -> str:
    if style in ("a", "A"):
        letter = chr(ord("a") + (number - 1) % 26)
        return letter.upper() if style == "A" else letter
    if style in ("i", "I"):
        roman = _roman(number)
        return roman.upper() if style == "I" else roman
    return str(number)


def _roman(number: int) -> str:
    out = ""
    for value, digits in ((1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"), (50, "l"),
                          (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i")):  # fmt: skip
        while number >= value:
            out, number = out + digits, number - value
    return out


def parse_html(text: str, *, warnings: list[str] | None = None) -> ParsedReport:
    """Parse an HTML document into a ParsedReport.

    The title is a lone <h1> that opens the document, else <title>, else the first <h1>.
    """
    warnings = warnings if warnings is not None else []
    parser = _ReportHTMLParser(main_only=bool(_MAIN.search(text)))
    parser.feed(normalise_characters(text))
    parser.close()
    parser._flush()
    blocks = parser.blocks
    if not blocks:
        raise ReportImportError("no text found in the HTML")
    title = collapse_whitespace("".join(parser.title_parts))
    top = [block for block in blocks if block.kind == "heading" and block.level == 1]
    if len(top) == 1 and blocks[0] is top[0]:
        # The document's own title heading: the title (<title> often adds the site's name), not a section.
        blocks = blocks[1:]
        title = top[0].text
    elif not title and top:
        title = top[0].text
    metadata = meta.from_pairs(parser.meta_pairs)
    blocks = _take_byline(blocks, title, metadata)
    report = build_report(title, shift_heading_levels(blocks), warnings)
    report.metadata = metadata
    return report


def _take_byline(blocks: list[Block], title: str, metadata) -> list[Block]:
    """Byline paragraphs before the body: "September 23, 2015 (98-380)", "By Jane Doe"."""
    lead = 0
    while lead < len(blocks) and blocks[lead].kind == "paragraph":
        lead += 1
    found, taken = meta.take_byline([block.text for block in blocks[:lead]], title)
    metadata.fill_from(found)
    return blocks[taken:]
