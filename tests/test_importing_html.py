"""The HTML parser: structure, lists, tables, footnote links and bodies, skipped furniture."""

from annotations.importing import parse_report

LIMIT = 10 * 1024 * 1024


def parse(text, name="report.html"):
    return parse_report(text.encode(), name, max_bytes=LIMIT)


def body(report):
    return [p for s in report.sections for p in s.passages]


def test_title_sections_and_skipped_furniture():
    report = parse(
        "<html><head><title>Widgets | Example Site</title><style>p {color: red}</style>"
        "<script>var s = '<p>not text</p>';</script></head><body>"
        "<nav><ul><li>Home<li>About</ul></nav>"
        "<h1>Widgets: A Review</h1><p>Opening &amp; text.</p>"
        "<h2>Background</h2><p>Some\n   text.</p><h3>Detail</h3><div>Loose text in a div</div>"
        "<footer>Copyright 2024</footer></body></html>"
    )
    assert report.title == "Widgets: A Review"
    assert [(s.title, s.level) for s in report.sections] == [("", 1), ("Background", 1), ("Detail", 2)]
    assert [p.text for p in body(report)] == ["Opening & text.", "Some text.", "Loose text in a div"]


def test_title_element_when_there_is_no_h1():
    report = parse("<title>The Report</title><h2>One</h2><p>Text.</p>", "r.htm")
    assert report.title == "The Report"
    assert [s.title for s in report.sections] == ["One"]


def test_ordered_lists_nest_into_labels_and_unclosed_items_close():
    report = parse(
        "<h1>T</h1><h2>Recommendations</h2><ol><li>First item"
        "<ol type='a'><li>Sub one</li><li>Sub two</ol><li>Second item</ol>"
        "<ol start='5'><li>Fifth</li></ol><ul><li>bullet</li></ul>"
    )
    assert [(p.kind, p.label, p.text) for p in body(report)] == [
        ("list_item", "1", "First item"),
        ("list_item", "1.a", "Sub one"),
        ("list_item", "1.b", "Sub two"),
        ("list_item", "2", "Second item"),
        ("list_item", "5", "Fifth"),
        ("list_item", "", "bullet"),
    ]


def test_quotes_and_tables():
    report = parse(
        "<h1>T</h1><blockquote><p>A quote.</p></blockquote>"
        "<table><tr><th>Year</th><th>Widgets</th></tr><tr><td>2023</td><td>3.4 <b>million</b></td></tr></table>"
    )
    assert [(p.kind, p.text) for p in body(report)] == [
        ("quote", "A quote."),
        ("table", "Year | Widgets\n2023 | 3.4 million"),
    ]


def test_pandoc_style_footnotes():
    report = parse(
        "<h1>T</h1><p>A claim.<a href='#fn1' class='footnote-ref' id='fnref1'><sup>1</sup></a> "
        "Another in 2014 with 3.4 million.<a href='#fn2' class='footnote-ref'><sup>2</sup></a></p>"
        "<section class='footnotes' role='doc-endnotes'><hr><ol>"
        "<li id='fn1'><p>First source.<a href='#fnref1' class='footnote-back'>↩︎</a></p></li>"
        "<li id='fn2'><p>Second source.</p></li></ol></section>"
    )
    assert body(report)[0].text == "A claim. Another in 2014 with 3.4 million."
    assert body(report)[0].footnotes == ["1", "2"]
    assert [(n.label, n.text) for n in report.notes] == [("1", "First source."), ("2", "Second source.")]


def test_word_style_footnotes():
    report = parse(
        "<h1>T</h1><p class=MsoNormal>Word text<a href='#_ftn1' name='_ftnref1'>"
        "<span class=MsoFootnoteReference>[1]</span></a> here.</p>"
        "<div id=ftn1><p class=MsoFootnoteText><a href='#_ftnref1' name='_ftn1'>[1]</a> The Word note.</p></div>"
    )
    assert body(report)[0].text == "Word text here."
    assert body(report)[0].footnotes == ["1"]
    assert [(n.label, n.text) for n in report.notes] == [("1", "The Word note.")]


def test_bare_superscripts_count_only_in_the_marker_sequence():
    report = parse(
        "<h1>T</h1><p>Growth was strong.<sup>1</sup> The area is 12 km<sup>2</sup> in 2014.</p>"
        "<h2>Notes</h2><p>1 Statistics office.</p>"
    )
    assert body(report)[0].text == "Growth was strong. The area is 12 km2 in 2014."
    assert body(report)[0].footnotes == ["1"]


def test_notes_heading_with_paragraph_notes():
    report = parse("<h1>T</h1><p>Claim.<sup>1</sup></p><h2>Notes</h2><p>1 Smith, Widgets, 2001.</p>")
    assert [(n.label, n.text) for n in report.notes] == [("1", "Smith, Widgets, 2001.")]


def test_superscripts_follow_the_sequence_when_no_notes_were_found():
    report = parse("<h1>T</h1><p>Growth.<sup>1</sup> Decline.<sup>2</sup> Year 2015<sup>7</sup>.</p>")
    assert body(report)[0].text == "Growth. Decline. Year 20157."
    assert body(report)[0].footnotes == ["1", "2"]


def test_only_the_main_element_when_there_is_one():
    report = parse(
        "<html><head><title>Agency | Report</title></head><body>"
        "<header><p>Skip to main content</p><h1>Agency Website</h1></header>"
        "<main><h1>The Report</h1><p>Report text.</p><aside><p>Related reports</p></aside>"
        "<aside class='footnotes'><ol><li id='fn1'>A note.</li></ol></aside></main>"
        "<div class='site-footer'><p>Contact us</p></div></body></html>"
    )
    assert report.title == "The Report"
    assert [p.text for p in body(report)] == ["Report text."]
    assert [(n.label, n.text) for n in report.notes] == [("1", "A note.")]


def test_footnote_table_with_back_links_holds_the_notes():
    report = parse(
        "<h1>Conferees</h1><p>The rule changed.<sup><a href='#fn1' name='ifn1'>1</a></sup></p>"
        "<h2>Footnotes</h2><table><tr><td><a href='#ifn1' name='fn1'>1</a>.</td><td><p> The new rule.</p></td></tr>"
        "<tr><td><a href='#ifn2' name='fn2'>2</a>.</td><td><p>See Rule XXVIII.</p></td></tr></table>"
    )
    assert [(p.text, p.footnotes) for p in body(report)] == [("The rule changed.", ["1"])]
    assert [(n.label, n.text) for n in report.notes] == [("1", "The new rule."), ("2", "See Rule XXVIII.")]


def test_an_ordinary_table_under_footnotes_stays_a_table():
    report = parse("<h1>T</h1><p>Text.</p><h2>Footnotes</h2><table><tr><td>Year</td><td>Total</td></tr></table>")
    assert report.notes == []
    assert [p.kind for p in body(report)] == ["paragraph", "table"]


def test_footnote_list_items_lose_their_own_number():
    report = parse(
        "<h1>T</h1><p>Text.<sup><a href='#fn1'>1</a></sup></p>"
        "<ol class='footnotes'><li id='fn1'><a href='#ifn1' name='fn1'>1</a>. See the rule.</li></ol>"
    )
    assert [(n.label, n.text) for n in report.notes] == [("1", "See the rule.")]


def test_site_links_and_author_contact_block_are_dropped():
    report = parse(
        "<h1>Witnesses</h1><div>August 25, 2015 (98-304)<br><a href='#Content'>Jump to Main Text of Report</a></div>"
        "<p><a href='#share'>Share/Save</a> <a href='/alerts'>Subscribe</a></p><p>Committees invite witnesses.</p>"
        "<p>Author Contact Information</p><div>Jane Doe, Analyst (jdoe@example.gov, 7-0000)</div>"
        "<p>Acknowledgments</p><p>This report was first written by John Roe.</p>"
    )
    assert [(s.title, [p.text for p in s.passages]) for s in report.sections] == [
        ("", ["Committees invite witnesses."]),
        ("Acknowledgments", ["This report was first written by John Roe."]),
    ]
    assert (report.metadata.published_on.isoformat(), report.metadata.report_number) == ("2015-08-25", "98-304")


def test_meta_tags_give_the_metadata():
    report = parse(
        "<html><head><meta name='citation_title' content='Hearings'>"
        "<meta name='citation_author' content='Heitshusen, Valerie'><meta name='citation_author' content='Doe, Jane'>"
        "<meta name='DC.publisher' content='Congressional Research Service'>"
        "<meta name='citation_publication_date' content='2026/04/13'>"
        "<meta name='citation_technical_report_number' content='98-317'>"
        "<meta property='og:url' content='https://example.gov/98-317'>"
        "<meta name='viewport' content='width=device-width'></head><body><h1>Hearings</h1><p>Text.</p></body></html>"
    )
    metadata = report.metadata
    assert (metadata.authors, metadata.publisher, metadata.published_on.isoformat()) == (
        "Valerie Heitshusen; Jane Doe",
        "Congressional Research Service",
        "2026-04-13",
    )
    assert (metadata.report_number, metadata.source_url) == ("98-317", "https://example.gov/98-317")


def test_canonical_link_is_the_source_url():
    report = parse("<html><head><link rel='canonical' href='https://example.org/r/1'></head><body><p>Text.</p>")
    assert report.metadata.source_url == "https://example.org/r/1"


def test_footnote_paragraphs_with_back_links_under_a_notes_heading():
    report = parse(
        "<h1>T</h1><p>Claim.<sup><a href='#fn1'>1</a></sup> Other.<sup><a href='#fn2'>2</a></sup></p>"
        "<h2>Notes</h2><p><a href='#ifn1' name='fn1'>1</a>. First source.</p>"
        "<p><a href='#ifn2' name='fn2'>2</a>. Second source.</p>"
    )
    assert [(p.text, p.footnotes) for p in body(report)] == [("Claim. Other.", ["1", "2"])]
    assert [(n.label, n.text) for n in report.notes] == [("1", "First source."), ("2", "Second source.")]


def test_hostile_meta_tags_and_huge_link_lines_are_plain_text():
    links = "<a href='#share'>Share</a> " * 20_000
    report = parse(
        "<head><meta name='citation_author' content='&lt;img src=x onerror=alert(1)&gt;'>"
        f"<meta name='citation_publication_date' content='{'9' * 5000}'></head><body><p>{links}</p><p>Text.</p>"
    )
    assert [p.text for p in body(report)] == ["Text."]
    assert report.metadata.authors == "<img src=x onerror=alert(1)>"  # text: templates escape it
    assert report.metadata.published_on is None


def test_table_of_contents_is_neither_a_section_nor_text():
    report = parse(
        "<h1>Widgets</h1><h2>Contents</h2><ul><li><a href='#s1'>Introduction</a></li>"
        "<li><a href='#s2'>Supply</a></li></ul>"
        "<h2 id='s1'>Introduction</h2><p>Text.</p><h2 id='s2'>Supply</h2><p>More.</p>"
    )
    assert [(s.title, [p.text for p in s.passages]) for s in report.sections] == [
        ("Introduction", ["Text."]),
        ("Supply", ["More."]),
    ]
