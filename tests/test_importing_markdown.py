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
