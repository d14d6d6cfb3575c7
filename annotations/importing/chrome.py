"""Site chrome around a report saved from the web: what comes before the report's body.

A page saved as Markdown starts with the site: share and citation links, breadcrumbs, a
"**Key:** value" header, an overview table, download links, a version list, the title again
glued to its date and number, and a "Contents" list. `strip_lead` finds that run at the top of
the lines and takes it out, keeping what it says about the report (metadata, the contents list).
"""

import re
from dataclasses import dataclass, field

from . import metadata as meta
from .structure import ReportMetadata

_LINK = re.compile(r"!?\[([^\]]*)\]\((?:[^()\s]|\([^)]*\))*(?:\s+\"[^\"]*\")?\)")
_ATX = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*?)[ \t#]*$")
_HEADER_LINE = re.compile(r"^\*\*([^*:]{2,40}):\*\*[ \t]*(.*?)[ \t]*$")
_KEY_VALUE_ROW = re.compile(r"^\|[ \t]*\*\*([^*|]{2,40}?):?\*\*[ \t]*:?[ \t]*\|[ \t]*(.*?)[ \t]*\|?[ \t]*$")
_BREAK = re.compile(r"^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")
_ITEM = re.compile(r"^(?P<indent>[ \t]*)(?:[-*+]|\d{1,3}[.)])[ \t]+(?P<rest>.*)$")
_CONTENTS = re.compile(r"^(?:table of )?contents$", re.IGNORECASE)
_LEFTOVER = re.compile(r"[\s>|·•»/–—-]+")
# Links that are the site's, wherever they are: "Jump to main text", "Share/Save", "Subscribe".
CHROME_LINK = re.compile(
    r"^(?:jump|skip|go|back)\s+to\b|^(?:share(?:/save)?|subscribe|print|e-?mail|citation|cite|listen|"
    r"site feedback|hide overview|show overview|download pdf.*|pdf version history|tweet|facebook|linkedin|"
    r"back to top|top)$",
    re.IGNORECASE,
)


@dataclass
class Lead:
    lines: list[str]  # the document without the site chrome before its body
    title: str = ""  # the page's first level-1 heading, when it was part of the chrome
    metadata: ReportMetadata = field(default_factory=ReportMetadata)
    contents: dict[str, int] = field(default_factory=dict)  # heading text (normalised) -> level
    found: bool = False  # any site chrome at all


def link_only(line: str) -> bool:
    """A line of links and separators: navigation, breadcrumbs, share links ("Home > Reports > R1")."""
    text, count = _LINK.subn("", line)
    rest = _LEFTOVER.sub(" ", text).strip()
    return count > 0 and len(rest) <= 20 and not re.search(r"[.!?;:,]\s", rest + " ")


def strip_lead(lines: list[str]) -> Lead:
    """Take the site chrome off the top of a saved page (Markdown lines); leave any other document as is."""
    pairs: list[tuple[str, str]] = []
    contents: dict[str, int] = {}
    title = ""
    extra = ReportMetadata()
    last_chrome = -1
    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        heading = _ATX.match(line)
        header = _HEADER_LINE.match(stripped) or _KEY_VALUE_ROW.match(stripped)
        if not stripped or _BREAK.match(line):
            i += 1
            continue
        if heading:
            text = heading.group(2).strip()
            title = title or (text if len(heading.group(1)) == 1 else "")
            if _CONTENTS.match(text):
                i = _read_contents(lines, i + 1, contents)
                last_chrome = i - 1
                continue
            i += 1
            continue
        if header:
            pairs.append((header.group(1), _LINK.sub(r"\1", header.group(2))))
        elif link_only(_ITEM.sub(r"\g<rest>", line)):
            pass
        else:
            rest = _LINK.sub("", stripped).strip()
            found = meta.byline(rest, title) if rest else None
            if not (found and found[0] == "date_and_number"):
                break
            meta.set_field(extra, *found)
        last_chrome = i
        i += 1
    if last_chrome < 0:
        return Lead(lines=lines)
    metadata = meta.from_pairs(pairs)
    metadata.fill_from(extra)
    return Lead(lines=lines[last_chrome + 1 :], title=title, metadata=metadata, contents=contents, found=True)


def _read_contents(lines: list[str], i: int, contents: dict[str, int]) -> int:
    """Read a contents list from line i; return the index after it."""
    indents: list[int] = []
    while i < len(lines):
        item = _ITEM.match(lines[i])
        if not lines[i].strip():
            i += 1
            continue
        if not item:
            break
        indent = len(item.group("indent").expandtabs(4))
        while indents and indents[-1] > indent:
            indents.pop()
        if not indents or indents[-1] < indent:
            indents.append(indent)
        text = " ".join(_LINK.sub(r"\1", item.group("rest")).split())
        if text:
            contents[text.casefold()] = len(indents)
        i += 1
    return i
