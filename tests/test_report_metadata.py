"""Report metadata: read by the import, overridden on the command line, shown and corrected by curators."""

import io
from datetime import date
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from annotations.importing.load import import_report_file
from annotations.models import Report

CORPUS = Path(__file__).parent / "corpus"


def metadata_of(report):
    return (report.authors, report.publisher, report.published_on, report.report_number, report.source_url)


def test_import_stores_what_the_file_says_about_the_report(workspace):
    result = import_report_file(CORPUS / "crs_R48903_web.md", workspace=workspace)
    report = Report.objects.get(pk=result.report.pk)
    assert report.title == "The Strait of Hormuz in Brief: Non-Oil Shipments and Effects on U.S. Shippers"
    assert metadata_of(report) == (
        "John Frittelli; Ben Goldman",
        "Congressional Research Service",
        date(2026, 4, 10),
        "R48903",
        "https://www.congress.gov/crs-product/R48903?s=1&r=5",
    )


def test_import_from_a_pdf_reads_its_document_information(workspace):
    report = import_report_file(CORPUS / "crs_98-304.pdf", workspace=workspace).report
    assert metadata_of(report)[1:4] == ("Congressional Research Service", date(2015, 8, 25), "98-304")


def test_command_options_override_what_the_file_says(workspace):
    out = io.StringIO()
    call_command(
        "import_report",
        str(CORPUS / "crs_98-317_web.md"),
        "--workspace", workspace.slug,
        "--title", "Committee hearings",
        "--authors", "A. Reader",
        "--published-on", "2026-05-01",
        "--report-number", "98-317b",
        "--source-url", "https://example.org/98-317",
        stdout=out,
    )  # fmt: skip
    report = Report.objects.get()
    assert report.title == "Committee hearings"
    assert metadata_of(report) == (
        "A. Reader",
        "Congressional Research Service",  # not overridden: read from the file
        date(2026, 5, 1),
        "98-317b",
        "https://example.org/98-317",
    )


@pytest.mark.parametrize(
    "option, value",
    [("--published-on", "13/04/2026"), ("--source-url", "javascript:alert(1)"), ("--source-url", "ftp://x.org/a")],
)
def test_command_refuses_a_bad_date_or_address(workspace, option, value):
    with pytest.raises(CommandError, match="not a date|not an http"):
        call_command("import_report", str(CORPUS / "crs_98-317_web.md"), option, value, stderr=io.StringIO())
    assert not Report.objects.exists()


def test_overlong_metadata_from_a_file_is_cut_to_fit(workspace, tmp_path):
    path = tmp_path / "long.md"
    path.write_text(f"---\ntitle: Long\nauthor: {'Jane Doe and ' * 100}Jane Doe\n---\n\nText.\n", encoding="utf-8")
    report = import_report_file(path, workspace=workspace).report
    assert len(Report.objects.get(pk=report.pk).authors) == 500


def metadata_url(report):
    return reverse("annotations:report-metadata", args=[report.uuid])


FIELDS = {
    "title": "Types of Committee Hearings",
    "authors": "Valerie Heitshusen",
    "publisher": "Congressional Research Service",
    "published_on": "2026-04-13",
    "report_number": "98-317",
    "source_url": "https://www.congress.gov/crs-product/98-317",
}


def test_curator_corrects_the_report_details(client, curator, report):
    client.force_login(curator)
    response = client.post(metadata_url(report), FIELDS)
    assert response.status_code == 302
    assert response["Location"] == report.get_absolute_url()
    report.refresh_from_db()
    assert (report.title, *metadata_of(report)) == (
        "Types of Committee Hearings",
        "Valerie Heitshusen",
        "Congressional Research Service",
        date(2026, 4, 13),
        "98-317",
        "https://www.congress.gov/crs-product/98-317",
    )
    assert report.history.first().history_user == curator


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("published_on", "13 April", b"Enter a valid date"),
        ("source_url", "javascript:alert(1)", b"Enter a valid URL"),
        ("authors", "x" * 501, b"at most 500 characters"),
        ("title", "", b"This field is required"),
        ("report_number", "R" * 51, b"at most 50 characters"),
    ],
)
def test_bad_details_are_refused_and_nothing_changes(client, curator, report, field, value, message):
    client.force_login(curator)
    response = client.post(metadata_url(report), {**FIELDS, field: value})
    assert response.status_code == 400
    assert message in response.content
    report.refresh_from_db()
    assert (report.title, report.authors) == ("A report", "")


def test_viewers_and_annotators_cannot_change_the_details(client, viewer, annotator, report):
    for user in (viewer, annotator):
        client.force_login(user)
        assert client.post(metadata_url(report), FIELDS).status_code == 403
    report.refresh_from_db()
    assert report.authors == ""


def test_report_page_shows_the_details_escaped_and_the_form_only_to_curators(
    client, viewer, curator, report, django_assert_max_num_queries
):
    Report.objects.filter(pk=report.pk).update(
        authors="<script>alert(1)</script>", report_number="R48903", source_url="https://example.org/r"
    )
    client.force_login(viewer)
    with django_assert_max_num_queries(12):
        response = client.get(report.get_absolute_url())
    page = response.content.decode()
    assert response.status_code == 200
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert(1)" not in page
    assert "R48903" in page
    assert 'href="https://example.org/r"' in page
    assert "Edit report details" not in page
    client.force_login(curator)
    assert "Edit report details" in client.get(report.get_absolute_url()).content.decode()
