"""CSV for analysis: one row per passage with its report, section, tags, highlight quotes (with
their tags), counts and sources. It starts with a UTF-8 byte order mark, without which spreadsheet
programs read the file in a legacy encoding and garble "Russia–China" and Chinese terms."""

import csv

from .export_query import passages_for_export

COLUMNS = [
    "report",
    "passage_uuid",
    "order",
    "section",
    "kind",
    "label",
    "page",
    "status",
    "text",
    "footnotes",
    "tags",
    "highlights",
    "highlight_quotes",
    "comments",
    "open_threads",
    "sources",
]
# A spreadsheet runs a cell starting with one of these as a formula (CSV/formula injection);
# tab and carriage return are on OWASP's list because some programs strip them first.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value):
    """The cell as text a spreadsheet shows rather than evaluates: a leading quote defuses formulas."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def _quote(highlight):
    tags = ", ".join(sorted((link.tag.name for link in highlight.tag_links.all()), key=str.lower))
    return f"“{highlight.exact}”" + (f" [{tags}]" if tags else "")


def passage_rows(report):
    for passage in passages_for_export(report):
        highlights = sorted(passage.highlights.all(), key=lambda h: (h.start, h.end))
        yield [
            report.title,
            str(passage.uuid),
            passage.order,
            passage.section.title if passage.section else "",
            passage.kind,
            passage.label,
            passage.page if passage.page is not None else "",
            passage.status,
            passage.text,
            " ".join(passage.footnotes),
            "; ".join(link.tag.name for link in passage.tag_links.all()),
            len(highlights),
            "; ".join(_quote(highlight) for highlight in highlights),
            passage.comment_count,
            passage.open_thread_count,
            "; ".join(
                f"{link.relation}: {link.source.title} <{link.source.url}>" for link in passage.source_links.all()
            ),
        ]


def write_csv(report, stream):
    stream.write("\ufeff")
    writer = csv.writer(stream)
    writer.writerow(COLUMNS)
    for row in passage_rows(report):
        writer.writerow([spreadsheet_safe(cell) for cell in row])
