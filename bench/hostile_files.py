"""The hostile and huge files of issue 13, made on the fly (tests use small versions, the benchmark
the sizes that were seen)."""

import io

from pypdf import PdfWriter
from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject


def slow_pdf(repeats=150_000, pages=1):
    """One content stream repeating `(x) Tj T*`, shared by `pages` pages: a few KB compressed, yet
    text extraction takes minutes without a limit (150,000 repeats: 17 KB, 57 s)."""
    writer = PdfWriter()
    stream = DecodedStreamObject()
    stream.set_data(b"BT /F1 12 Tf 72 720 Td 14 TL " + b"(x) Tj T* " * repeats + b"ET")
    stream = stream.flate_encode()
    content = writer._add_object(stream)
    font = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/Type1"),
            NameObject("/BaseFont"): NameObject("/Helvetica"),
        }
    )
    resources = DictionaryObject(
        {NameObject("/Font"): DictionaryObject({NameObject("/F1"): writer._add_object(font)})}
    )
    for _ in range(pages):
        page = writer.add_blank_page(612, 792)
        page[NameObject("/Contents")] = content
        page[NameObject("/Resources")] = resources
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def many_headings_markdown(headings=600_000):
    """A Markdown file that is almost all headings (600,000: 17 MB)."""
    return "".join(f"## Topic {i} here\n\nText.\n\n" for i in range(headings)).encode()


def many_paragraphs_text(paragraphs=400_000):
    """A plain-text file of short paragraphs (400,000: about 18.7 MB)."""
    return "".join(f"Paragraph {i} of a very long report, words.\n\n" for i in range(paragraphs)).encode()


def expensive_comment(length=20_000):
    """Markdown that costs the renderer quadratic time: `*[` repeated."""
    return ("*[" * (length // 2))[:length]
