"""The plain-text parser on small texts, one artefact of PDF extraction at a time."""

from datetime import date
from pathlib import Path

from annotations.importing import parse_report
from annotations.importing.cleaning import Vocabulary, join_lines
from annotations.importing.parse_text import parse_text

LIMIT = 10 * 1024 * 1024


def body(report):
    return [p for s in report.sections for p in s.passages]


def texts(report):
    return [p.text for p in body(report)]


def test_wrapped_lines_join_into_paragraphs_split_by_blank_lines():
    report = parse_text(
        "A Short Report\n\n"
        "The first paragraph is wrapped over\nthree lines of text that belong\ntogether in one passage.\n\n"
        "The second paragraph follows after\na blank line and ends here.\n"
    )
    assert report.title == "A Short Report"
    assert texts(report) == [
        "The first paragraph is wrapped over three lines of text that belong together in one passage.",
        "The second paragraph follows after a blank line and ends here.",
    ]
    assert report.sections[0].title == ""


def test_short_last_line_ends_a_paragraph_without_blank_lines():
    report = parse_text(
        "Title line\n\n"
        "This paragraph has several long lines of text in it, wrapped at\n"
        "a fixed width as text extracted from a PDF usually is, and then\n"
        "it ends on a short line.\n"
        "The next paragraph starts right away on the following line, with\n"
        "no blank line before it, which is how most PDF text comes out of\n"
        "the extractor.\n"
    )
    assert len(texts(report)) == 2
    assert texts(report)[1].startswith("The next paragraph starts")


def test_one_paragraph_per_line_when_the_text_is_not_wrapped():
    lines = [
        "Title",
        "A paragraph written on one long line, as editors save text that was never wrapped at all.",
        "Another one, shorter.",
        "A third paragraph that is rather long again and goes on for a while with more words in it than the "
        "others, since unwrapped text has lines of every length.",
        "Fourth.",
    ]
    report = parse_text("\n".join(lines))
    assert texts(report) == lines[1:]


def test_paragraph_rejoined_across_page_break_with_running_header_and_page_number():
    page = "Widget Review 2024\n{text}\n{number}\n"
    pages = [
        page.format(text="Opening words of a paragraph that runs on to the next\npage, where it", number=1),
        page.format(text="continues and then ends on the second page.\n\nA new paragraph.", number=2),
        page.format(text="Last page text.", number=3),
    ]
    report = parse_text("Widget Review 2024\n\n" + "\f".join(pages))
    assert texts(report)[0] == (
        "Opening words of a paragraph that runs on to the next page, where it continues and then ends on the "
        "second page."
    )
    assert "Widget Review 2024" not in " ".join(texts(report))
    assert [p.page for p in body(report)] == [1, 2, 3]
    assert any("furniture" in warning for warning in report.warnings)


def test_footnote_block_printed_mid_paragraph_is_a_note_and_the_paragraph_goes_on():
    report = parse_text(
        "Title\n\n"
        "Chinese engagement in the region remains modest, not least since Russia\n"
        "views it as a zero-sum game.1 Furthermore, the fact remains that the main\n"
        "concern of both states is domestic, and this has been\n"
        "\n"
        "1 See the discussion in Swanström, Eurasia's Ascent, 2012, pp. 3-15.\n"
        " true for a decade, as the record shows in some detail.\n"
    )
    assert texts(report) == [
        "Chinese engagement in the region remains modest, not least since Russia views it as a zero-sum game. "
        "Furthermore, the fact remains that the main concern of both states is domestic, and this has been true "
        "for a decade, as the record shows in some detail."
    ]
    assert body(report)[0].footnotes == ["1"]
    assert [(n.label, n.text) for n in report.notes] == [
        ("1", "See the discussion in Swanström, Eurasia's Ascent, 2012, pp. 3-15.")
    ]


def test_footnote_markers_glued_spaced_and_starred_come_out_of_the_text():
    report = parse_text(
        "Title\n\n"
        "It would entail intervention.* This has changed in the region.1 Organized crime\n"
        "could be added as a fourth evil. 2  The linkages between the weak states and the\n"
        "radicalization of the societies, 3  not least in 2014, involved 12,000 soldiers,\n"
        "3.4 million people and the 21st Group Army.4\n"
        "\n"
        "* Based on a conference paper.\n"
    )
    passage = body(report)[0]
    assert passage.text == (
        "It would entail intervention. This has changed in the region. Organized crime could be added as a "
        "fourth evil. The linkages between the weak states and the radicalization of the societies, not least "
        "in 2014, involved 12,000 soldiers, 3.4 million people and the 21st Group Army."
    )
    assert passage.footnotes == ["*", "1", "2", "3", "4"]
    assert [(n.label, n.text) for n in report.notes] == [("*", "Based on a conference paper.")]


def test_numbers_out_of_sequence_are_left_alone():
    report = parse_text(
        "Title\n\nThe region.1 It has 45 members, 7 of them new. In 2015, 12 states signed.2 Item 9 stays.\n"
    )
    passage = body(report)[0]
    assert passage.text == "The region. It has 45 members, 7 of them new. In 2015, 12 states signed. Item 9 stays."
    assert passage.footnotes == ["1", "2"]


def test_cid_placeholders_and_ligatures_are_cleaned():
    report = parse_text("Title\n\nThe (cid:3)ﬁnal ﬂow of goods(cid:129) is ﬁne.\n")
    assert texts(report) == ["The final flow of goods is fine."]


def test_line_end_hyphens_join_words_but_keep_compounds():
    vocabulary = Vocabulary("a regional actor and a counter-balancing force")
    assert join_lines(["the regi-", "onal actor"], vocabulary) == "the regional actor"
    assert join_lines(["Sino-", "Russian relations"], vocabulary) == "Sino-Russian relations"
    assert join_lines(["non-", "traditional threats"], vocabulary) == "non-traditional threats"
    assert join_lines(["govern-", "ment policy"], vocabulary) == "government policy"
    assert join_lines(["counter-", "balancing"], vocabulary) == "counter-balancing"
    assert join_lines(["a global outreach—", "that is"], vocabulary) == "a global outreach—that is"
    assert join_lines(["states –", "as the classes"], vocabulary) == "states – as the classes"


def test_headings_of_several_shapes_become_sections():
    report = parse_text(
        "The Report Title\n\n"
        "Introduction\n\n"
        "Some introductory text that runs for a line or two and then\nends here.\n\n"
        "First priorities and secondary concerns\n"
        "Text of the second section, which comes straight after its heading\nwithout a blank line.\n\n"
        "2. Background\n"
        "Text of a numbered section, long enough to be a real paragraph of\ntext.\n\n"
        "II. Findings\n"
        "Findings text follows here.\n\n"
        "WHAT WE RECOMMEND\n\n"
        "Recommendation text.\n"
    )
    assert [s.title for s in report.sections] == [
        "Introduction",
        "First priorities and secondary concerns",
        "2. Background",
        "II. Findings",
        "WHAT WE RECOMMEND",
    ]
    assert all(len(s.passages) == 1 for s in report.sections)


def test_a_long_numbered_sentence_is_a_list_item_not_a_heading():
    report = parse_text(
        "Title\n\nRecommendations\n\n"
        "1. Central Asia is not a priority region for any state but for that very reason increased\n"
        "cooperation could be possible.\n"
        " a. Relations are less tense in the region than elsewhere and both are more willing\n"
        "to cooperate here.\n\n"
        "b. The stabilization of the region would have positive effects.\n\n"
        "(c) Cooperation should go through multilateral channels.\n"
        "(i) First sub-point.\n"
        "(ii) Second sub-point.\n\n"
        "2) Second recommendation.\n"
        "• A bullet point.\n"
    )
    assert [s.title for s in report.sections] == ["Recommendations"]
    assert [(p.kind, p.label) for p in body(report)] == [
        ("list_item", "1"),
        ("list_item", "1.a"),
        ("list_item", "1.b"),
        ("list_item", "1.c"),
        ("list_item", "1.c.i"),
        ("list_item", "1.c.ii"),
        ("list_item", "2"),
        ("list_item", ""),
    ]
    assert body(report)[0].text == (
        "Central Asia is not a priority region for any state but for that very reason increased cooperation "
        "could be possible."
    )
    assert body(report)[1].text == "Relations are less tense in the region than elsewhere and both are more " + (
        "willing to cooperate here."
    )


def test_letter_i_after_h_is_a_letter():
    items = "\n".join(f"{letter}. Item {letter}." for letter in "abcdefghij")
    report = parse_text("Title\n\nList\n\n1. Top item.\n" + items + "\n")
    labels = [p.label for p in body(report)]
    assert labels[-3:] == ["1.h", "1.i", "1.j"]


def test_table_of_contents_page_numbers_and_rules_are_dropped():
    report = parse_text(
        "Annual Report\n\n"
        "Contents\n\n"
        "Introduction .................... 1\n"
        "Background ...................... 3\n"
        "A Rather Long Chapter Title That Wraps Onto\n"
        "   the Next Line .................. 7\n\n"
        "Introduction\n\n"
        "The report begins here.\n\n"
        "12\n\n"
        "* * *\n\n"
        "And goes on.\n"
        "____________\n"
    )
    assert [s.title for s in report.sections] == ["Introduction"]
    assert texts(report) == ["The report begins here.", "And goes on."]


def test_notes_section_bodies_become_notes():
    report = parse_text(
        "Title\n\nBody\n\nThe claim.1 Another claim.2\n\n"
        "Notes\n\n"
        "1. Smith, Widgets (London, 2001), 12.\n"
        "2. Jones, More Widgets, 2003, a note that wraps\n"
        "onto a second line.\n"
    )
    assert body(report)[0].footnotes == ["1", "2"]
    assert [(n.label, n.text) for n in report.notes] == [
        ("1", "Smith, Widgets (London, 2001), 12."),
        ("2", "Jones, More Widgets, 2003, a note that wraps onto a second line."),
    ]
    assert report.sections[-1].title == "Notes"
    assert report.sections[-1].passages == []


def test_indented_first_lines_start_paragraphs():
    report = parse_text(
        "Title\n\n"
        "    The first paragraph begins with an indented line and then\n"
        "wraps onto more lines at the left margin, and then ends.\n"
        "    The second paragraph is indented in the same way and goes\n"
        "on for a while before it ends as well, on this line.\n"
    )
    assert len(texts(report)) == 2


def test_windows_1252_text_is_decoded_with_a_warning():
    data = "Title\n\nThe café’s “menu” costs 5 €.\n".encode("cp1252")
    report = parse_report(data, "menu.txt", max_bytes=LIMIT)
    assert texts(report) == ["The café’s “menu” costs 5 €."]
    assert any("Windows-1252" in warning for warning in report.warnings)


def test_utf8_bom_is_dropped():
    report = parse_report("\ufeffTitle\n\nBody text.\n".encode(), "bom.txt", max_bytes=LIMIT)
    assert report.title == "Title"
    assert report.warnings == []


def test_cover_page_lines_do_not_become_headings():
    report = parse_text(
        "Testimony before the Commission\n\n"
        "Niklas Swanström\n"
        "Institute for Security and Development Policy\n"
        "March 18, 2015\n\n"
        "Introduction\n\n"
        "Body text.\n"
    )
    assert [s.title for s in report.sections if s.title] == ["Introduction"]


SAMPLES = Path(__file__).parent / "importing_samples"


def test_audit_report_sample_cover_contents_footnotes_and_recommendations():
    report = parse_report((SAMPLES / "audit_report.txt").read_bytes(), "audit_report.txt", max_bytes=LIMIT)
    titles = [s.title for s in report.sections]
    assert titles[-4:] == [
        "Letter",
        "Background",
        "Inspections Were Mostly Timely",
        "Recommendations for Executive Action",
    ]
    assert "June 2023" not in titles
    assert "Objectives, Scope, and Methodology" not in " ".join(titles)
    everything = " ".join(texts(report))
    assert "Page 1" not in everything
    assert "GAO-23-104512 Bridge Safety" not in everything
    first = next(p for p in body(report) if p.text.startswith("The nation's roughly 620,000 bridges"))
    assert first.footnotes == ["1", "2"]
    assert "4.5 billion vehicle trips each day. States inspect" in first.text
    assert [n.label for n in report.notes] == ["1", "2", "3", "4"]
    assert report.notes[0].text == (
        "Bureau of Transportation Statistics, Transportation Statistics Annual Report 2022 "
        "(Washington, D.C.: Dec. 2022)."
    )
    items = [p for p in body(report) if p.kind == "list_item"]
    assert [p.label for p in items] == ["1", "2"]
    assert items[0].text.endswith("within 90 days. (Recommendation 1)")


def test_research_service_sample_page_breaks_notes_and_bullets():
    report = parse_report((SAMPLES / "research_service.txt").read_bytes(), "research.txt", max_bytes=LIMIT)
    assert report.title == "Water Infrastructure Financing: An Overview"
    assert [s.title for s in report.sections if s.title] == [
        "Introduction", "Federal Programs", "State Revolving Funds", "Issues for Congress"
    ]  # fmt: skip
    sections = {section.title: section.passages for section in report.sections}
    assert "" not in sections  # the date under the title is the report's metadata, not a passage
    assert report.metadata.published_on == date(2022, 3, 3)
    programs = sections["Federal Programs"]
    assert len(programs) == 1
    assert programs[0].text.endswith("which operates a loan and grant program that has been in place since the 1930s.")
    assert programs[0].footnotes == ["4", "5"]
    assert sections["Introduction"][0].footnotes == ["1", "2", "3"]
    assert "$472.6 billion over 20 years" in sections["Introduction"][0].text
    assert [(n.label, n.page) for n in report.notes] == [("1", 1), ("2", 1), ("3", 1), ("4", 2), ("5", 3)]
    bullets = [p.text for p in report.sections[-1].passages if p.kind == "list_item"]
    assert bullets == [
        "Whether to increase SRF appropriations;",
        "Whether to expand eligibility to private systems; and",
        "How to target assistance to the communities most in need.",
    ]


def test_endnotes_numbered_by_chapter():
    report = parse_text(
        "Title\n\nChapter One\n\nA claim.1 Another.2\n\nNotes\n\n1. First of one.\n2. Second of one.\n\n"
        "Chapter Two\n\nMore claims.1\n\nNotes\n\n1. First of two.\n"
    )
    assert [(n.label, n.text) for n in report.notes] == [
        ("1", "First of one."),
        ("2", "Second of one."),
        ("1", "First of two."),
    ]
    assert [p.footnotes for p in body(report)] == [["1", "2"], ["1"]]


def test_byline_lines_under_the_title_are_metadata_not_a_paragraph():
    report = parse_text(
        "Judiciary Budget Request for FY2027\n\nBarry J. McMillion\nCongressional Research Service\nApril 20, 2026\n\n"
        "Overview\n\nThe federal judiciary's budget request was made public in March.\n"
    )
    assert [(s.title, [p.text for p in s.passages]) for s in report.sections] == [
        ("Overview", ["The federal judiciary's budget request was made public in March."])
    ]
    metadata = report.metadata
    assert (metadata.authors, metadata.publisher, metadata.published_on) == (
        "Barry J. McMillion",
        "Congressional Research Service",
        date(2026, 4, 20),
    )


def test_lines_of_names_alone_are_not_a_byline():
    report = parse_text("Courts\n\nSupreme Court\nFederal Circuit\n\nThe courts asked for more money this year.\n")
    assert report.metadata.authors == ""
    assert "Supreme Court" in [s.title for s in report.sections] + [p.text for s in report.sections for p in s.passages]


def test_series_name_at_the_page_bottom_is_furniture_and_the_publisher():
    report = parse_text(
        "Capital Markets\n\nIntroduction\nMarkets are where securities are issued and traded by many firms.\n"
        "Congressional Research Service \n1 \n\f"
    )
    assert [p.text for s in report.sections for p in s.passages] == [
        "Markets are where securities are issued and traded by many firms."
    ]
    assert report.metadata.publisher == "Congressional Research Service"


def test_heading_wrapped_onto_a_second_line_is_one_heading():
    wide = "Under normal conditions, capital markets provide reliable sources of financing for businesses and"
    report = parse_text(
        "Title\n\nIntroduction\n"
        + "Markets are where securities are issued and traded; they finance many firms across the\n" * 3
        + "economy, and the report looks at them.\nNormal Market Conditions Versus Crisis\nConditions\n"
        + wide
        + "\nhouseholds, who invest in them.\n"
    )
    assert [s.title for s in report.sections] == ["Introduction", "Normal Market Conditions Versus Crisis Conditions"]
