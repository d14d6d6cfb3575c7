"""Plain dataclasses that every parser returns; `load.py` turns them into database rows."""

import re
from dataclasses import dataclass, field
from datetime import date

_NOTES_HEADING = re.compile(r"^(?:\d{1,2}\.?\s+)?(?:notes|endnotes|footnotes)$", re.IGNORECASE)


def is_notes_heading(title: str) -> bool:
    """A heading over the report's notes ("Notes", "Endnotes", "3. Footnotes")."""
    return bool(_NOTES_HEADING.match(" ".join(title.split())))


class ReportImportError(Exception):
    """A file cannot be imported; the message is a one-line reason for a person to read."""


@dataclass
class ParsedPassage:
    kind: str  # "paragraph" | "list_item" | "note" | "quote" | "table"
    text: str  # clean text: no footnote markers, no hyphenation or page-break artefacts
    label: str = ""  # list label like "1", "1.a", "2.b"; note marker like "*" or "12"
    footnotes: list[str] = field(default_factory=list)  # markers referenced in this passage, e.g. ["3","4"]
    page: int | None = None  # 1-based page where the passage starts, when known


@dataclass
class ParsedSection:
    title: str
    level: int = 1
    passages: list[ParsedPassage] = field(default_factory=list)


@dataclass
class ReportMetadata:
    """What a file says about the report itself: from meta tags, PDF metadata, header lines or the first page."""

    authors: str = ""  # "First Last; First Last"
    publisher: str = ""  # the organisation or series: "Congressional Research Service"
    published_on: date | None = None
    report_number: str = ""  # "R48903", "GAO-15-541T", "98-380"
    source_url: str = ""

    def fill_from(self, other: "ReportMetadata") -> None:
        """Take `other`'s values for the fields this one has not found."""
        for name in ("authors", "publisher", "published_on", "report_number", "source_url"):
            if not getattr(self, name) and getattr(other, name):
                setattr(self, name, getattr(other, name))


@dataclass
class ParsedReport:
    title: str
    # In reading order; passages before the first heading go in a first section whose title is ""
    # (load.py makes those passages section-less).
    sections: list[ParsedSection]
    notes: list[ParsedPassage]  # footnote/endnote bodies, kind="note", label=marker
    warnings: list[str] = field(default_factory=list)
    metadata: ReportMetadata = field(default_factory=ReportMetadata)
