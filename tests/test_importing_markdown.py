"""The Markdown parser: headings, lists, quotes, tables, footnotes and inline markup."""

from annotations.importing import parse_report

LIMIT = 10 * 1024 * 1024


def parse(text):
    return parse_report(text.encode(), "report.md", max_bytes=LIMIT)


def body(report):
    return [p for s in report.sections for p in s.passages]


def test_front_matter_title_and_sections_by_heading_level():
    report = parse(
        '---\ntitle: "Widgets: A Review"\nauthor: A. Person\n---\n\n'
        "Opening words.\n\n## Background\n\nSome text.\n\n### Detail\n\nMore text.\n\n"
        "Setext Heading\n--------------\n\nLast text.\n"
    )
    assert report.title == "Widgets: A Review"
    assert [(s.title, s.level) for s in report.sections] == [
        ("", 1),
        ("Background", 1),
        ("Detail", 2),
        ("Setext Heading", 1),
    ]


def test_a_lone_leading_h1_is_the_title_not_a_section():
    report = parse("# The Title\n\nIntro.\n\n## One\n\nText.\n")
    assert report.title == "The Title"
    assert [s.title for s in report.sections] == ["", "One"]
    assert [p.text for p in body(report)] == ["Intro.", "Text."]


def test_paragraph_lines_join_and_inline_markup_becomes_text():
    report = parse(
        "# T\n\nThe **widget** market grew _strongly_ in the\nregi-\nonal economy; see "
        "[the council](https://example.org/a_(b)) and `code` and ![a chart](c.png).\n"
    )
    assert [p.text for p in body(report)] == [
        "The widget market grew strongly in the regional economy; see the council and code and a chart."
    ]


def test_nested_numbered_and_lettered_lists_get_labels():
    report = parse(
        "# T\n\n## Recommendations\n\n"
        "1. First recommendation\n   goes on here.\n"
        "    a. Sub item one\n    b. Sub item two\n"
        "2. Second recommendation\n\n"
        "- a bullet\n- another bullet\n"
    )
    assert [(p.kind, p.label, p.text) for p in body(report)] == [
        ("list_item", "1", "First recommendation goes on here."),
        ("list_item", "1.a", "Sub item one"),
        ("list_item", "1.b", "Sub item two"),
        ("list_item", "2", "Second recommendation"),
        ("list_item", "", "a bullet"),
        ("list_item", "", "another bullet"),
    ]


def test_a_year_at_the_start_of_a_line_does_not_interrupt_a_paragraph():
    report = parse("# T\n\nThe treaty was signed in\n1984. That year was busy.\n")
    assert [p.text for p in body(report)] == ["The treaty was signed in 1984. That year was busy."]


def test_quotes_tables_and_code():
    report = parse(
        "# T\n\n> A quoted passage\n> on two lines.\n\n"
        "| Year | Widgets |\n|------|--------:|\n| 2023 | 3.4 million |\n| 2024 | 4 million |\n\n"
        "```\nprint('x')\n```\n"
    )
    assert [(p.kind, p.text) for p in body(report)] == [
        ("quote", "A quoted passage on two lines."),
        ("table", "Year | Widgets\n2023 | 3.4 million\n2024 | 4 million"),
        ("paragraph", "print('x')"),
    ]


def test_markdown_footnotes_are_markers_and_notes():
    report = parse(
        "# T\n\nA claim.[^1] Another claim[^note] in 2014 with 3 items.\n\n"
        "[^1]: The first source, 2001.\n"
        "    Its second line.\n"
        "[^note]: A named note.\n"
    )
    assert body(report)[0].text == "A claim. Another claim in 2014 with 3 items."
    assert body(report)[0].footnotes == ["1", "note"]
    assert [(n.label, n.text) for n in report.notes] == [
        ("1", "The first source, 2001. Its second line."),
        ("note", "A named note."),
    ]


def test_bracketed_number_markers_and_notes():
    report = parse("# T\n\nA claim [1] and another [2].\n\n[1] First note.\n\n[2] Second note.\n")
    assert body(report)[0].text == "A claim and another."
    assert body(report)[0].footnotes == ["1", "2"]
    assert [(n.label, n.text) for n in report.notes] == [("1", "First note."), ("2", "Second note.")]


def test_notes_heading_turns_its_list_into_notes():
    report = parse("# T\n\nText.1 More.2\n\n## Notes\n\n1. Smith, 2001.\n2. Jones, 2003.\n")
    assert body(report)[0].footnotes == ["1", "2"]
    assert [(n.label, n.text) for n in report.notes] == [("1", "Smith, 2001."), ("2", "Jones, 2003.")]


SAVED_PAGE = (
    "# Widget Policy\n\n"
    "**Report No.:** R12345\n**Publication Date:** 04/10/2026\n**Author(s):** Doe, Jane; Roe, Richard\n"
    "**Source:** https://example.gov/product/R12345\n\n---\n"
    "[Citation](https://example.gov#citation)[Subscribe](https://example.gov/alerts)"
    "[Home](https://example.gov/) > [Products](https://example.gov/products) > R12345\n\n"
    "# Widget Policy\n\n## EXAMPLE PRODUCT\n\n[Hide Overview](https://example.gov#)\n\n"
    "| **Product Number:** | R12345 \n| **Authors:** | Doe, Jane; Roe, Richard \n\n"
    "[Download PDF (1KB)](https://example.gov/R12345.pdf) | [PDF Version History](https://example.gov#)\n\n"
    "- [April 10, 2026 (R12345 - Version: 2)](https://example.gov/R12345.2.pdf)\n"
    "- [April 9, 2026 (R12345 - Version: 1)](https://example.gov/R12345.1.pdf)\n"
    "[Listen](https://example.gov/listen)Widget PolicyApril 10, 2026   (R12345)\n\n---\n\n"
    "# Contents\n\n- [Introduction](https://example.gov#_Toc1)\n- [Widget Supply](https://example.gov#_Toc2)\n\n"
    "Introduction\n\nWidgets are small parts made in many places.\n\n"
    "Widget Supply\n\nSupply grew in 2025 and fell again, by most counts.\n\n"
    "# Footnotes\n\n| 1. | First note. \n| 2. | Second note. \n\n"
    "                Disclaimer:  \n These documents were prepared by the Example Service.\n"
)


def test_saved_page_chrome_before_the_body_is_dropped():
    report = parse(SAVED_PAGE)
    texts = [p.text for p in body(report)]
    assert texts == [
        "Widgets are small parts made in many places.",
        "Supply grew in 2025 and fell again, by most counts.",
    ]
    assert report.title == "Widget Policy"


def test_contents_list_names_the_body_headings_and_is_not_imported():
    report = parse(SAVED_PAGE)
    assert [s.title for s in report.sections if s.passages] == ["Introduction", "Widget Supply"]
    assert not any("Contents" in s.title for s in report.sections)


def test_pipe_table_under_footnotes_heading_holds_the_notes():
    report = parse(SAVED_PAGE)
    assert [(n.label, n.text) for n in report.notes] == [("1", "First note."), ("2", "Second note.")]


def test_saved_page_header_lines_give_the_metadata():
    metadata = parse(SAVED_PAGE).metadata
    assert (metadata.authors, metadata.report_number, metadata.published_on.isoformat(), metadata.source_url) == (
        "Jane Doe; Richard Roe",
        "R12345",
        "2026-04-10",
        "https://example.gov/product/R12345",
    )


def test_plain_lines_are_headings_on_a_saved_page_without_contents():
    report = parse(
        "# Widget Brief\n\n[Home](https://example.gov/) > [Products](https://example.gov/p) > IF1\n\n"
        "Overview\n\nThe first paragraph of the brief.\n\n_Salaries and Expenses_\n\nThe account grew.\n\n"
        "Table 1. Accounts\n\n| Account | 2026\n| Courts | $1.0\n"
    )
    assert [(s.title, s.level) for s in report.sections if s.title] == [("Overview", 1), ("Salaries and Expenses", 2)]


def test_plain_lines_stay_paragraphs_in_an_ordinary_document():
    report = parse("# T\n\nShort line\n\nA paragraph of text.\n")
    assert [p.text for p in body(report)] == ["Short line", "A paragraph of text."]


def test_pipe_rows_without_a_delimiter_row_are_a_table_with_their_continuation_lines():
    report = parse(
        "# T\n\nText.\n\n| Rule | Effect\n| CBLR | Lower ratio\n\nApplies to small banks.\n| eSLR | Lower\n\nNext.\n"
    )
    tables = [p for p in body(report) if p.kind == "table"]
    assert [t.text for t in tables] == ["Rule | Effect\nCBLR | Lower ratio Applies to small banks.\neSLR | Lower"]
    assert [p.text for p in body(report) if p.kind == "paragraph"] == ["Text.", "Next."]


def test_stray_emphasis_marks_from_a_page_are_removed():
    report = parse("# T\n\nThe carrier _Alliance_,__container ships _Eagle _in the fleet and **Note****s**: none.\n")
    assert body(report)[0].text == "The carrier Alliance, container ships Eagle in the fleet and Notes: none."


def test_page_bottom_note_from_a_pdf_conversion_rejoins_the_paragraph_it_interrupted():
    report = parse(
        "# T\n\nThe Senate agreed. [1] The chair and ranking minority\n\n"
        "1 According to the rule, conferees are named.\n\n"
        "**Example Service** 1\n\nMember select the conferees.\n\nLast paragraph. [2]\n\n"
        "2 Second note.\n\n**Example Service** 2\n"
    )
    assert [(p.text, p.footnotes) for p in body(report)] == [
        ("The Senate agreed. The chair and ranking minority Member select the conferees.", ["1"]),
        ("Last paragraph.", ["2"]),
    ]
    assert [(n.label, n.text) for n in report.notes] == [
        ("1", "According to the rule, conferees are named."),
        ("2", "Second note."),
    ]


def test_a_numbered_line_is_no_note_without_a_bracket_marker_for_it():
    report = parse("# T\n\nIn 2015 the rule changed\n\n3 committees objected to it.\n")
    assert report.notes == []
    assert [p.text for p in body(report)] == ["In 2015 the rule changed", "3 committees objected to it."]


def test_byline_lines_under_the_title_are_metadata():
    report = parse(
        "# Senate Conferees\n\nUpdated September 23, 2015\n\nCongressional Research Service\n\n98-380\n\nText.\n"
    )
    assert [p.text for p in body(report)] == ["Text."]
    metadata = report.metadata
    assert (metadata.published_on.isoformat(), metadata.publisher, metadata.report_number) == (
        "2015-09-23",
        "Congressional Research Service",
        "98-380",
    )


def test_front_matter_gives_authors_and_date():
    report = parse("---\ntitle: Widgets\nauthor: Jane Doe\ndate: 2024-05-01\n---\n\nText.\n")
    assert (report.metadata.authors, report.metadata.published_on.isoformat()) == ("Jane Doe", "2024-05-01")


def test_hostile_saved_page_lines_stay_fast_and_plain():
    breadcrumbs = "[Home](https://example.gov/) > " * 20_000
    report = parse(f"{breadcrumbs}\n\n**Author(s):** {'<script>x</script>' * 3}\n\nText [{'x' * 100_000}](y).\n")
    assert [p.text[:8] for p in body(report)] == ["Text xxx"]
    assert report.metadata.authors == "<script>x</script>" * 3
