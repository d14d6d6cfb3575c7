"""Report import: files to plain dataclasses (`parse_report`), then to the database (`load.py`).

Everything here but `load.py` is free of Django, so the parsers are tested on strings.
"""

from collections.abc import Callable
from pathlib import PurePath

from .decoding import decode_text
from .parse_html import parse_html
from .parse_markdown import parse_markdown
from .parse_pdf import parse_pdf
from .parse_text import parse_text
from .structure import ParsedPassage, ParsedReport, ParsedSection, ReportImportError

__all__ = [
    "SUPPORTED_EXTENSIONS",
    "ParsedPassage",
    "ParsedReport",
    "ParsedSection",
    "ReportImportError",
    "parse_report",
    "refuse_oversized",
    "refuse_unsupported",
]

SUPPORTED_EXTENSIONS = (".txt", ".md", ".markdown", ".html", ".htm", ".pdf")

# page_progress(done, total): pages of a PDF read so far.
PageProgress = Callable[[int, int], None]


def parse_report(data: bytes, filename: str, *, max_bytes: int, progress: PageProgress | None = None) -> ParsedReport:
    """Parse the bytes of a report file, choosing the parser by the file name's extension.

    `progress(done, total)` is called as pages are read (PDF only). Raises ReportImportError with
    a one-line reason when the file cannot be imported.
    """
    extension = refuse_unsupported(filename)
    refuse_oversized(len(data), max_bytes)
    if not data.strip():
        raise ReportImportError("empty file")
    if extension == ".pdf":
        report = parse_pdf(data, progress=progress)
    else:
        text, note = decode_text(data)
        warnings = [note] if note else []
        if extension in (".md", ".markdown"):
            report = parse_markdown(text, warnings=warnings)
        elif extension in (".html", ".htm"):
            report = parse_html(text, warnings=warnings)
        else:
            report = parse_text(text, warnings=warnings)
    if not any(section.passages for section in report.sections) and not report.notes:
        raise ReportImportError("no text found")
    if not report.title:
        report.title = PurePath(filename).stem
    return report


def refuse_unsupported(filename: str) -> str:
    """The file name's extension; ReportImportError when no parser reads it."""
    extension = PurePath(filename).suffix.lower()
    if extension not in SUPPORTED_EXTENSIONS:
        shown = extension or "no extension"
        raise ReportImportError(f"unsupported file type ({shown}): use {', '.join(SUPPORTED_EXTENSIONS)}")
    return extension


def refuse_oversized(size: int, max_bytes: int) -> None:
    """Raise ReportImportError for a file of `size` bytes over the limit."""
    if size > max_bytes:
        raise ReportImportError(f"file too large: {_size(size)}, the limit is {_size(max_bytes)}")


def _size(count: int) -> str:
    if count >= 1024 * 1024:
        return f"{count / (1024 * 1024):.1f} MB"
    if count >= 1024:
        return f"{count / 1024:.0f} KB"
    return f"{count} bytes"
