"""Report metadata from dates, names, report numbers and byline lines, on short strings."""

from datetime import date

import pytest

from annotations.importing.metadata import byline, from_pairs, parse_date, person_names, report_number, take_byline


@pytest.mark.parametrize(
    "text",
    ["April 20, 2026", "20 April 2026", "Apr. 20, 2026", "2026-04-20", "2026/04/20", "04/20/2026", "D:20260420120000",
     "Updated April 20, 2026"],
)  # fmt: skip
def test_dates_in_the_shapes_reports_print_them(text):
    assert parse_date(text) == date(2026, 4, 20)


@pytest.mark.parametrize("text", ["", "April 2026 report", "February 30, 2026", "12,000 soldiers", "x" * 10_000])
def test_not_a_date(text):
    assert parse_date(text) is None


def test_person_names_are_first_name_first():
    assert person_names("Heitshusen, Valerie") == "Valerie Heitshusen"
    assert person_names("Labonte, Marc; Scott, Andrew P.") == "Marc Labonte; Andrew P. Scott"
    assert person_names("By Jane Doe and John Roe") == "Jane Doe; John Roe"


def test_report_numbers_of_the_series():
    assert [report_number(text) for text in ("R48903", "98-380", "GAO-15-541T", "Report No. IF13206", "2015")] == [
        "R48903",
        "98-380",
        "GAO-15-541T",
        "IF13206",
        "",
    ]


def test_byline_lines():
    assert byline("September 23, 2015 (98-380)") == ("date_and_number", "2015-09-23 98-380")
    assert byline("Types of HearingsUpdated April 13, 2026   (98-317)", "Types of Hearings") == (
        "date_and_number",
        "2026-04-13 98-317",
    )
    assert byline("U.S. Government Accountability Office") == ("publisher", "U.S. Government Accountability Office")
    assert byline("Center for Strategic and International Studies") == (
        "publisher",
        "Center for Strategic and International Studies",
    )
    assert byline("The committee met on Tuesday to consider the bill.") is None


def test_a_byline_needs_more_than_names():
    assert take_byline(["Supreme Court", "Federal Circuit", "", "Text."]) == (take_byline([])[0], 0)
    metadata, taken = take_byline(["Jane Doe", "Example Institute", "May 1, 2024", "", "Text of the report."])
    assert (metadata.authors, metadata.publisher, metadata.published_on, taken) == (
        "Jane Doe",
        "Example Institute",
        date(2024, 5, 1),
        3,
    )


def test_hostile_metadata_values_stay_plain_text():
    metadata = from_pairs([("citation_author", "<script>alert(1)</script>"), ("og:url", "javascript:alert(1)")])
    assert metadata.authors == "<script>alert(1)</script>"  # escaped by the template, like any text
    assert metadata.source_url == ""  # only http(s) addresses are kept


def test_the_series_home_page_is_not_the_report_address():
    metadata, _ = take_byline(["https://crsreports.congress.gov", "98-380", "", "Text."])
    assert (metadata.source_url, metadata.report_number) == ("", "98-380")


def test_testimony_first_page_block():
    metadata, taken = take_byline(
        [
            "United States Government Accountability Office",
            "Testimony Before the Subcommittee on Oversight, Committee on Homeland Security",
            "For Release on Delivery Expected at 2:00 p.m. ET",
            "Wednesday, April 22, 2015",
            "Statement of Michele Mackin, Director, Acquisition and Sourcing Management",
            "GAO-15-541T",
            "",
            "Each year, DHS invests billions of dollars in its major acquisition programs.",
        ]
    )
    assert (metadata.authors, metadata.publisher, metadata.published_on, metadata.report_number, taken) == (
        "Michele Mackin",
        "U.S. Government Accountability Office",
        date(2015, 4, 22),
        "GAO-15-541T",
        6,
    )


def test_an_organisation_heading_alone_is_not_a_byline():
    assert take_byline(["Department of Defense", "", "The department asked for more."])[1] == 0
