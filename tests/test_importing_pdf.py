"""PDF import: the text layer page by page, then the plain-text repairs; PDFs are built in the test."""

import io

import pytest
from pypdf import PdfReader, PdfWriter

from annotations.importing import ReportImportError, parse_report
from tests.importing_samples.pdf import make_pdf

LIMIT = 10 * 1024 * 1024

PAGE_ONE = [
    "Annual Review of Widgets",
    "",
    ("Introduction", 14),
    "",
    "The widget market grew strongly in the last year, and the regi-",
    "onal producers gained most of it, as the figures show.1 This trend",
    "continued into the second quarter and the ones after it.",
    "",
    "A second paragraph starts here and it goes on with more words in",
    "every line of it, until the bottom of the page where it breaks off",
    "",
    "",
    ("1 Widget Council, Annual Statistics, 2023.", 8),
    ("1", 9),
]
PAGE_TWO = [
    "Annual Review of Widgets",
    "and goes on at the top of the next page, where it ends at last.",
    "",
    ("Findings", 14),
    "",
    "The findings are short.",
    ("2", 9),
]
PAGE_THREE = ["Annual Review of Widgets", "Closing words.", ("3", 9)]


def parse(data, name="report.pdf"):
    return parse_report(data, name, max_bytes=LIMIT)


def body(report):
    return [p for s in report.sections for p in s.passages]


def test_pdf_text_layer_becomes_sections_passages_and_notes():
    report = parse(make_pdf([PAGE_ONE, PAGE_TWO, PAGE_THREE], title="Annual Review of Widgets"))
    assert report.title == "Annual Review of Widgets"
    assert [s.title for s in report.sections] == ["Introduction", "Findings"]
    assert [(p.text, p.footnotes, p.page) for p in body(report)] == [
        (
            "The widget market grew strongly in the last year, and the regional producers gained most of it, as "
            "the figures show. This trend continued into the second quarter and the ones after it.",
            ["1"],
            1,
        ),
        (
            "A second paragraph starts here and it goes on with more words in every line of it, until the bottom "
            "of the page where it breaks off and goes on at the top of the next page, where it ends at last.",
            [],
            1,
        ),
        ("The findings are short.", [], 2),
        ("Closing words.", [], 3),
    ]
    assert [(n.label, n.text, n.page) for n in report.notes] == [("1", "Widget Council, Annual Statistics, 2023.", 1)]


def test_metadata_title_from_a_word_processor_is_ignored():
    report = parse(make_pdf([["The Real Title", "", "Some text of the report."]], title="Microsoft Word - draft3.docx"))
    assert report.title == "The Real Title"


def test_pdf_progress_reports_pages():
    seen = []
    parse_report(
        make_pdf([PAGE_ONE, PAGE_TWO, PAGE_THREE]), "r.pdf", max_bytes=LIMIT, progress=lambda d, t: seen.append((d, t))
    )
    assert seen == [(1, 3), (2, 3), (3, 3)]


def test_pdf_without_text_layer_asks_for_ocr():
    with pytest.raises(ReportImportError, match="no text layer: run OCR first"):
        parse(make_pdf([None, None]))


def test_encrypted_pdf_is_refused():
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(make_pdf([PAGE_ONE]))))
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    with pytest.raises(ReportImportError, match="encrypted PDF"):
        parse(out.getvalue())


def test_pdf_encrypted_only_against_editing_is_read():
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(make_pdf([PAGE_ONE, PAGE_TWO]))))
    writer.encrypt(user_password="", owner_password="owner", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    assert [s.title for s in parse(out.getvalue()).sections] == ["Introduction", "Findings"]


@pytest.mark.parametrize(
    "data",
    [
        b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n",
        b"%PDF-1.7\n" + bytes(range(256)) * 4,
        make_pdf([PAGE_ONE])[:300],
    ],
    ids=["no-pages", "junk-body", "truncated"],
)
def test_corrupt_pdf_is_refused_with_a_reason(data):
    with pytest.raises(ReportImportError, match="corrupt PDF"):
        parse(data)


def test_a_text_file_named_pdf_is_refused():
    with pytest.raises(ReportImportError, match="not a PDF file"):
        parse(b"Just some text, not a PDF at all.\n")


def test_pdf_document_information_gives_publisher_number_and_date():
    data = make_pdf(
        [["Hearings", "", "Committees invite witnesses to testify at their hearings."]],
        title="Hearings",
        info={"Author": "Congressional Research Service", "Subject": "98-304", "CreationDate": "D:20150825000000"},
    )
    metadata = parse(data).metadata
    assert (metadata.publisher, metadata.report_number, metadata.published_on.isoformat()) == (
        "Congressional Research Service",
        "98-304",
        "2015-08-25",
    )


def test_pdf_author_who_is_a_person_is_the_author():
    data = make_pdf([["Hearings", "", "Text of the report."]], title="Hearings", info={"Author": "Jane Doe"})
    assert parse(data).metadata.authors == "Jane Doe"
