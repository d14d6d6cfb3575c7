"""Hostile and huge report files: the parser runs in a child process with a time and a memory
limit, and a report may have only so many headings, passages and characters. Each refusal is a
one-line reason and leaves nothing behind."""

import pytest
from django.test import override_settings

from annotations.importing import ReportImportError
from annotations.importing.bounded import Limits, parse_report_bounded
from annotations.importing.load import import_report_file
from annotations.models import Passage, Report, Section
from bench.hostile_files import many_headings_markdown, many_paragraphs_text, slow_pdf
from tests.importing_samples.pdf import make_pdf

MB = 1024 * 1024


def nothing_stored():
    return not (Report.objects.exists() or Section.objects.exists() or Passage.objects.exists())


@override_settings(IMPORT_TIME_LIMIT_SECONDS=1)
def test_a_pdf_whose_text_takes_too_long_to_extract_is_refused(workspace):
    with pytest.raises(ReportImportError, match=r"^this PDF is too complex to extract \(it needs more than 1 s\)$"):
        import_report_file(slow_pdf(repeats=150_000), filename="slow.pdf", workspace=workspace)
    assert nothing_stored()


# A generous time limit, so that on a busy machine the memory limit is the one that ends it.
@override_settings(IMPORT_MEMORY_LIMIT_BYTES=400 * MB, IMPORT_TIME_LIMIT_SECONDS=600)
def test_a_file_that_needs_too_much_memory_is_refused(workspace):
    # 20,000 × 1,000 characters on one line: the text parser's copies of it exceed 400 MB.
    huge = ("word " * 200 + "\n") * 20_000
    with pytest.raises(ReportImportError, match=r"^this file is too complex to import \(it needs more than 400 MB"):
        import_report_file(huge.encode(), filename="huge.txt", workspace=workspace)
    assert nothing_stored()


@override_settings(REPORT_MAX_SECTIONS=100)
def test_too_many_headings_are_refused(workspace):
    with pytest.raises(ReportImportError, match=r"^too many headings: 600 \(the limit is 100 per report\)$"):
        import_report_file(many_headings_markdown(600), filename="headings.md", workspace=workspace)
    assert nothing_stored()


@override_settings(REPORT_MAX_PASSAGES=1_000)
def test_too_many_passages_are_refused(workspace):
    with pytest.raises(ReportImportError, match=r"^too many passages: 4,000 \(the limit is 1,000 per report\)$"):
        import_report_file(many_paragraphs_text(4_000), filename="long.txt", workspace=workspace)
    assert nothing_stored()


@override_settings(REPORT_MAX_CHARACTERS=10_000)
def test_too_much_text_is_refused(workspace):
    message = r"^too much text: [\d,]+ characters \(the limit is 10,000 per report\)$"
    with pytest.raises(ReportImportError, match=message):
        import_report_file(many_paragraphs_text(400), filename="long.txt", workspace=workspace)
    assert nothing_stored()


def test_within_the_limits_the_bounded_parser_returns_the_report_and_reports_progress():
    pages = []
    pdf = make_pdf([["Introduction", "", "The first page's paragraph."], ["The second page."], ["The third."]])
    report = parse_report_bounded(
        pdf, "small.pdf", max_bytes=MB, limits=Limits(), progress=lambda done, total: pages.append((done, total))
    )
    assert pages == [(1, 3), (2, 3), (3, 3)]
    assert report.title == "Introduction"
    assert "The first page's paragraph." in [p.text for s in report.sections for p in s.passages]


def test_the_bounded_parser_passes_the_parsers_own_refusals_on():
    with pytest.raises(ReportImportError, match="^empty file$"):
        parse_report_bounded(b"   ", "empty.txt", max_bytes=MB, limits=Limits())
