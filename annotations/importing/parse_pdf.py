"""PDF: the text layer, page by page (pypdf), then the plain-text repair pipeline."""

import io
import logging
import re
import statistics
from collections.abc import Callable
from contextlib import contextmanager

from pypdf import PdfReader
from pypdf.errors import DependencyError, FileNotDecryptedError

from .metadata import from_pairs
from .parse_text import parse_text
from .structure import ParsedReport, ReportImportError, ReportMetadata

# Below this many letters and digits in the whole file there is no text layer worth importing.
_MIN_TEXT = 20
# A vertical step this many times the usual line step is a paragraph gap.
_GAP = 1.4
# Metadata titles that name the authoring tool or the file rather than the report.
_USELESS_TITLE = re.compile(
    r"^(?:untitled|microsoft word\b|document\d*$|slide \d+$)|\.(?:docx?|pdf|indd|qxd|rtf|tex|odt)$",
    re.IGNORECASE,
)


def parse_pdf(data: bytes, *, progress: Callable[[int, int], None] | None = None) -> ParsedReport:
    """Extract the text layer of a PDF and parse it like plain text, one form feed between pages."""
    if not data.lstrip()[:1024].startswith(b"%PDF") and b"%PDF-" not in data[:1024]:
        raise ReportImportError("not a PDF file (no %PDF header): corrupt or wrongly named")
    warnings: list[str] = []
    try:
        with _quiet_pypdf():
            reader = PdfReader(io.BytesIO(data), strict=False)
            _decrypt(reader)
            pages = _page_texts(reader, warnings, progress)
            title = _metadata_title(reader)
            information = _information(reader)
    except ReportImportError:
        raise
    except (FileNotDecryptedError, DependencyError):
        raise ReportImportError("encrypted PDF: save a copy without a password and import that") from None
    except Exception as error:  # a damaged file can fail anywhere inside pypdf
        raise ReportImportError(f"corrupt PDF: {_one_line(error)}") from None
    if sum(_text_size(text) for text in pages) < _MIN_TEXT:
        raise ReportImportError("no text layer: run OCR first (the PDF holds only images of pages)")
    empty = [number for number, text in enumerate(pages, start=1) if _text_size(text) == 0]
    if empty:
        warnings.append(f"{len(empty)} page(s) without a text layer (scanned?): {_page_list(empty)}")
    report = parse_text("\f".join(pages), title_hint=title, warnings=warnings, paged=True)
    report.metadata.fill_from(information)  # what the first page says comes first
    return report


def _information(reader: PdfReader) -> ReportMetadata:
    """Author, subject (a report number), creation date from the document information dictionary."""
    try:
        entries = dict(reader.metadata or {})
    except Exception:  # a damaged info dictionary only costs the metadata
        return ReportMetadata()
    pairs = [(str(key).lstrip("/"), str(value)) for key, value in entries.items() if key != "/Title"]
    return from_pairs(pairs)


@contextmanager
def _quiet_pypdf():
    """pypdf logs (even as errors) every oddity it works around in a damaged file; the import reports what matters."""
    logger = logging.getLogger("pypdf")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)


def _decrypt(reader: PdfReader) -> None:
    if not reader.is_encrypted:
        return
    # Many PDFs are encrypted only against editing, with an empty password for reading.
    if not reader.decrypt(""):
        raise ReportImportError("encrypted PDF: it needs a password to open; save a copy without one")


def _page_texts(reader: PdfReader, warnings: list[str], progress) -> list[str]:
    total = len(reader.pages)
    if total == 0:
        raise ReportImportError("corrupt PDF: it has no pages")
    texts: list[str] = []
    unreadable: list[int] = []
    for number, page in enumerate(reader.pages, start=1):
        try:
            texts.append(_page_text(page))
        except Exception:  # one damaged page should not cost the others
            texts.append("")
            unreadable.append(number)
        if progress is not None:
            progress(number, total)
    if unreadable:
        warnings.append(f"text of {len(unreadable)} page(s) could not be read: {_page_list(unreadable)}")
    return texts


def _page_text(page) -> str:
    """The page's text, with a blank line wherever the vertical gap between lines is wider than usual.

    pypdf's plain text has no blank lines, so paragraphs set apart by space, not indentation, would
    run together; the positions pypdf reports for each piece of text show the gaps.
    """
    pieces: list[tuple[str, float, float]] = []

    def visit(text, cm, tm, font_dict, font_size):
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        scale = abs(tm[3] * cm[3]) or 1.0
        pieces.append((text, y, (font_size or 0) * scale))

    text = page.extract_text(visitor_text=visit) or ""
    if "".join(piece for piece, _, _ in pieces) != text:
        return text  # the pieces do not add up to the text: keep it as pypdf gives it
    lines: list[list] = [["", None, 0.0]]  # text, baseline y, font size
    for piece, y, size in pieces:
        for i, part in enumerate(piece.split("\n")):
            if i:
                lines.append(["", None, 0.0])
            if part.strip():
                line = lines[-1]
                line[0] += part
                line[1] = y if line[1] is None else line[1]
                line[2] = max(line[2], size)
            else:
                lines[-1][0] += part
    return "\n".join(_with_gaps(lines))


def _with_gaps(lines: list[list]) -> list[str]:
    placed = [(text, y, size) for text, y, size in lines if y is not None and size > 0]
    steps = [
        (above[1] - below[1]) / below[2]
        for above, below in zip(placed, placed[1:], strict=False)
        if 0 < above[1] - below[1] < 4 * below[2]
    ]
    if len(steps) < 3:
        return [text for text, _, _ in lines]
    usual = statistics.median(steps)
    out: list[str] = []
    previous = None
    for text, y, size in lines:
        if previous is not None and y is not None and size > 0 and previous[1] is not None:
            step = (previous[1] - y) / size
            if step > _GAP * usual:
                out.append("")
        out.append(text)
        if y is not None and size > 0:
            previous = (text, y, size)
    return out


def _metadata_title(reader: PdfReader) -> str:
    try:
        title = (reader.metadata.title if reader.metadata else None) or ""
    except Exception:  # a damaged info dictionary only costs the title
        return ""
    title = " ".join(str(title).split())
    if len(title) < 4 or _USELESS_TITLE.search(title):
        return ""
    return title


def _text_size(text: str) -> int:
    return sum(1 for ch in text if ch.isalnum())


def _page_list(numbers: list[int]) -> str:
    shown = ", ".join(str(n) for n in numbers[:10])
    return shown + (", …" if len(numbers) > 10 else "")


def _one_line(error: Exception) -> str:
    message = " ".join(str(error).split()) or type(error).__name__
    return message[:200]
