"""What a report says about itself: authors, publisher or series, date, report number, source URL.

Read from HTML meta tags (citation_*, Dublin Core, Open Graph), PDF document information, the
"**Key:** value" header lines of Markdown saved from a report page, and the byline block under
the title of a report's first page ("Barry J. McMillion" / "Congressional Research Service" /
"April 20, 2026"). Each reader returns a ReportMetadata; the parsers merge them, first found wins.
"""

import re
from datetime import date

from .structure import ReportMetadata

# Report series whose name on a first page, in a footer or in metadata names the publisher.
PUBLISHERS = {
    "congressional research service": "Congressional Research Service",
    "crs": "Congressional Research Service",
    "u.s. government accountability office": "U.S. Government Accountability Office",
    "united states government accountability office": "U.S. Government Accountability Office",
    "government accountability office": "U.S. Government Accountability Office",
    "gao": "U.S. Government Accountability Office",
    "congressional budget office": "Congressional Budget Office",
    "cbo": "Congressional Budget Office",
}
_ORGANISATION = re.compile(
    r"^(?:the\s+)?(?:[A-Z][\w.&'-]*\s+){0,7}(?:Institute|Institution|Center|Centre|Foundation|Office|Service|"
    r"University|Council|Commission|Agency|Department|Bureau|Library|Fund|Program|Programme)(?:\s+(?:of|for)\s+.{3,60})?$"
)
_MONTHS = {
    name: number
    for number, names in enumerate(
        (("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",), ("june", "jun"),
         ("july", "jul"), ("august", "aug"), ("september", "sept", "sep"), ("october", "oct"),
         ("november", "nov"), ("december", "dec")),
        start=1,
    )
    for name in names
}  # fmt: skip
_MONTH = r"(?P<month>[A-Za-z]{3,9})\.?"
_DATE_PATTERNS = (
    re.compile(rf"^{_MONTH}\s+(?P<day>\d{{1,2}}),?\s+(?P<year>\d{{4}})$"),
    re.compile(rf"^(?P<day>\d{{1,2}})\s+{_MONTH}\s+(?P<year>\d{{4}})$"),
    re.compile(r"^(?P<year>\d{4})[-/](?P<num_month>\d{1,2})[-/](?P<day>\d{1,2})(?:[T ].*)?$"),
    re.compile(r"^(?P<num_month>\d{1,2})/(?P<day>\d{1,2})/(?P<year>\d{4})$"),
    re.compile(r"^D:(?P<year>\d{4})(?P<num_month>\d{2})(?P<day>\d{2})"),  # PDF dates
)
_DATE_PREFIX = re.compile(
    r"^(?:(?:updated|published|revised|released|issued|dated?|as of)\s*:?\s+)?"
    r"(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day,?\s+)?",
    re.IGNORECASE,
)
REPORT_NUMBER = re.compile(
    r"^(?:(?:R|RL|RS|IF|IN|LSB|IG)\d{4,5}|\d{2}-\d{2,4}[A-Z]?|GAO-\d{2}-\d{1,5}[A-Z]{0,3}|CBO\s?\d{3,6})$"
)
# "September 23, 2015 (98-380)" and "Title...April 10, 2026   (R48903)" on report pages.
_DATE_AND_NUMBER = re.compile(r"^(?P<date>.+?)\s*\((?P<number>[A-Z]{0,3}[\w-]{3,12})\)$")
_URL = re.compile(r"^<?(https?://[^\s<>]+)>?$")
_NAME = r"(?:[A-Z][a-zA-Z'’-]+|[A-Z]\.)"
_PERSON = re.compile(rf"^{_NAME}(?:\s+{_NAME}){{1,3}}$")
_BY = re.compile(r"^by\s+", re.IGNORECASE)
# First-page lines of hearing testimonies and GAO products that say what the document is, not who wrote it.
_DOCUMENT_KIND = re.compile(
    r"^(?:(?:report|testimony|statement|letter)\s+(?:to|before)\b|for release on delivery\b|expected at\b|"
    r"highlights of\b|(?:gao|crs)\s+(?:report|testimony|insight|in focus)$)",
    re.IGNORECASE,
)
_STATEMENT_OF = re.compile(r"^(?:statement|testimony|prepared statement) of\s+(?P<who>.+)$", re.IGNORECASE)


def parse_date(text: str) -> date | None:
    """A date from "April 20, 2026", "20 April 2026", "2026-04-20", "2026/04/13", "04/13/2026", "D:2015…"."""
    text = _DATE_PREFIX.sub("", " ".join(text.split())).strip(" .,")
    for pattern in _DATE_PATTERNS:
        match = pattern.match(text)
        if not match:
            continue
        parts = match.groupdict()
        month = int(parts["num_month"]) if parts.get("num_month") else _MONTHS.get(parts["month"].lower())
        try:
            return date(int(parts["year"]), month, int(parts["day"])) if month else None
        except ValueError:
            return None
    return None


def publisher_name(text: str) -> str:
    """The canonical name of a known report series ("CRS", "Congressional Research Service"), else ""."""
    return PUBLISHERS.get(" ".join(text.split()).strip(" .").lower(), "")


def person_names(text: str) -> str:
    """Authors as "First Last; First Last", from "Last, First; Last, First" or "A and B" lists."""
    text = _BY.sub("", " ".join(text.split()).strip())
    if ";" in text:
        parts = [part.strip() for part in text.split(";")]
    elif text.count(",") == 1 and len(text.split(",")[1].split()) <= 3 and " and " not in text:
        parts = [text]  # "Heitshusen, Valerie"
    else:
        parts = [part.strip() for part in re.split(r",\s*(?:and\s+)?|\s+and\s+|\s*&\s*", text)]
    names = []
    for part in parts:
        if part.count(",") == 1:
            last, first = (piece.strip() for piece in part.split(","))
            part = f"{first} {last}"
        if part:
            names.append(part)
    return "; ".join(names)


def report_number(text: str) -> str:
    text = " ".join(text.split()).strip(" .")
    text = re.sub(r"^(?:report\s+)?(?:no\.?|number)\s*:?\s*", "", text, flags=re.IGNORECASE)
    return text if REPORT_NUMBER.match(text) else ""


def byline(line: str, title: str = "") -> tuple[str, str] | None:
    """What a first-page line under the title says: ("published_on", …), ("publisher", …),
    ("report_number", …), ("source_url", …) or ("authors", …); None for a line of text."""
    text = " ".join(line.split()).strip("*_ ")
    if not text or len(text) > 120:
        return None
    if title and text.startswith(title) and text != title:
        text = text[len(title) :].strip()  # "Types of Committee HearingsUpdated April 13, 2026 (98-317)"
    found = parse_date(text)
    if found:
        return "published_on", found.isoformat()
    statement = _STATEMENT_OF.match(text)
    if statement:
        return "authors", person_names(statement.group("who").split(",")[0])
    if _DOCUMENT_KIND.match(text):
        return "document", text
    both = _DATE_AND_NUMBER.match(text)
    if both and parse_date(both.group("date")) and report_number(both.group("number")):
        return "date_and_number", f"{parse_date(both.group('date')).isoformat()} {both.group('number')}"
    number = report_number(text)
    if number:
        return "report_number", number
    url = _URL.match(text)
    if url:
        return "source_url", url.group(1)
    publisher = publisher_name(text)
    if publisher or _ORGANISATION.match(text):
        return "publisher", publisher or text
    if _BY.match(text) or all(_PERSON.match(name) for name in person_names(text).split("; ") if name):
        names = person_names(text)
        if names and len(names.split("; ")) <= 6:
            return "authors", names
    return None


def take_byline(lines: list[str], title: str = "") -> tuple[ReportMetadata, int]:
    """Read the run of byline lines at the start of `lines`; return what they say and how many there are.

    A run counts only if it holds a date, report number or URL: names or an organisation alone are
    more likely headings ("Department of Defense") than a byline.
    """
    metadata = ReportMetadata()
    taken = 0
    solid = False
    for line in lines:
        if not line.strip():
            taken += 1
            continue
        found = byline(line, title)
        if found is None:
            break
        name, value = found
        solid = solid or name not in ("authors", "publisher", "document")
        set_field(metadata, name, value)
        taken += 1
    if not solid:
        return ReportMetadata(), 0
    while taken and not lines[taken - 1].strip():
        taken -= 1
    return metadata, taken


def set_field(metadata: ReportMetadata, name: str, value: str) -> None:
    """Record what a byline line or a metadata pair says, unless the field is already known."""
    if name == "document":
        return  # "Testimony Before the Committee on ...": read past, not stored
    if name == "date_and_number":
        day, number = value.split(" ", 1)
        set_field(metadata, "published_on", day)
        set_field(metadata, "report_number", number)
    elif name == "published_on":
        metadata.published_on = metadata.published_on or date.fromisoformat(value)
    elif name == "source_url":
        # The series' home page ("https://crsreports.congress.gov") is not the report's address.
        if re.match(r"^https?://[^/]+/.+", value):
            metadata.source_url = metadata.source_url or value
    elif not getattr(metadata, name):
        setattr(metadata, name, value)


def from_pairs(pairs: list[tuple[str, str]]) -> ReportMetadata:
    """Metadata from "key: value" pairs: HTML meta tags, Markdown header lines, PDF information."""
    metadata = ReportMetadata()
    authors: list[str] = []
    for key, value in pairs:
        key = re.sub(r"[^a-z]", "", key.lower())
        value = " ".join(value.split())
        if not value:
            continue
        if key in ("citationauthor", "dccreator", "author", "authors", "creator", "articleauthor"):
            if publisher_name(value):
                set_field(metadata, "publisher", publisher_name(value))
            else:
                authors += [name for name in person_names(value).split("; ") if name not in authors]
        elif key in ("citationtechnicalreportinstitution", "citationpublisher", "dcpublisher", "publisher",
                     "ogsitename"):  # fmt: skip
            set_field(metadata, "publisher", publisher_name(value) or value)
        elif key in ("citationpublicationdate", "citationdate", "dcdate", "dcdateissued", "publicationdate",
                     "articlepublishedtime", "date", "creationdate", "published"):  # fmt: skip
            found = parse_date(value)
            if found:
                set_field(metadata, "published_on", found.isoformat())
        elif key in ("citationtechnicalreportnumber", "reportno", "reportnumber", "dcidentifier", "subject",
                     "crsproductnumber"):  # fmt: skip
            if report_number(value):
                set_field(metadata, "report_number", report_number(value))
        elif key in ("ogurl", "citationpublicurl", "citationabstracthtmlurl", "source", "url", "canonical"):
            set_field(metadata, "source_url", value)
    if authors and not metadata.authors:
        metadata.authors = "; ".join(authors)
    return metadata


def find_publisher(lines: list[str]) -> str:
    """A known series named on a line of its own (a footer, a first-page block)."""
    for line in lines:
        name = publisher_name(line.strip("*_ "))
        if name:
            return name
    return ""
