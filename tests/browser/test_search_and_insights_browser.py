"""What a person sees on the search page, the passage a result leads to, the heat map and the
message after an upload (issue 16, items 7 and 8), in Chromium."""

from urllib.parse import quote

import pytest
from django.urls import reverse

from annotations import services
from annotations.models import Section, Workspace
from tests.browser.conftest import log_in
from tests.conftest import make_report

pytestmark = pytest.mark.browser


@pytest.fixture
def two_workspaces(workspace, viewer, report):
    """The viewer belongs to two workspaces, so the search page cannot guess the workspace."""
    other = Workspace.objects.create(name="Second team", slug="second")
    make_report(other, passages=1, title="Elsewhere")
    other.memberships.create(user=viewer, role="viewer")
    return workspace, other


def search_from_the_top_bar(page, workspace, query):
    page.goto(reverse("annotations:report-list", args=[workspace.slug]))
    page.fill(".topbar input[type=search]", query)
    page.keyboard.press("Enter")
    page.wait_for_selector(".search-results")


def test_search_from_a_workspace_keeps_its_navigation(page, two_workspaces, viewer):
    workspace, _other = two_workspaces
    log_in(page, viewer.username)
    search_from_the_top_bar(page, workspace, "Xinjiang")
    nav = page.get_by_role("navigation", name="Main")
    assert nav.get_by_role("link").all_inner_texts() == ["Reports", "Codebook", "Activity", "Members"]


def test_search_from_a_workspace_names_it_in_the_switcher(page, two_workspaces, viewer):
    workspace, _other = two_workspaces
    log_in(page, viewer.username)
    search_from_the_top_bar(page, workspace, "Xinjiang")
    assert page.locator(".switcher summary").text_content().strip() == f"Workspace: {workspace.name}"


def test_the_search_page_shows_the_query_in_one_box(page, two_workspaces, viewer):
    workspace, _other = two_workspaces
    log_in(page, viewer.username)
    search_from_the_top_bar(page, workspace, "Xinjiang")
    boxes = page.locator("input[type=search]:visible")
    assert [boxes.nth(i).input_value() for i in range(boxes.count())] == ["Xinjiang"]


def test_the_passage_a_result_leads_to_marks_the_search_terms(page, viewer, report):
    log_in(page, viewer.username)
    page.goto(reverse("annotations:search") + '?q=xinjiang+"the+SCO"')
    page.locator(".search-hit a").first.click()
    passage = page.locator(".passage:target")
    passage.wait_for()
    assert passage.locator(".search-term").all_inner_texts() == ["the SCO", "Xinjiang"]


def test_search_terms_are_marked_by_more_than_colour(page, viewer, report):
    log_in(page, viewer.username)
    page.goto(reverse("annotations:search") + "?q=xinjiang")
    page.locator(".search-hit a").first.click()
    term = page.locator(".passage:target .search-term").first
    assert term.evaluate("el => getComputedStyle(el).textDecorationLine") == "underline"


def test_hostile_terms_to_mark_are_plain_text(page, viewer, report):
    """Markup, regular-expression syntax and a flood of terms: marked as text or not at all."""
    log_in(page, viewer.username)
    passage = report.passages.first()
    hostile = ["<img src=x onerror=alert(1)>", "(", "[", "\\", ".*", "Xinjiang"] + [f"zz{i}" * 20 for i in range(60)]
    query = "&".join(f"mark={quote(term)}" for term in hostile)
    page.goto(f"{reverse('annotations:report-read', args=[report.uuid])}?at={passage.uuid}&{query}")
    page.wait_for_load_state("networkidle")
    assert page.locator(f"#p-{passage.uuid} .search-term").all_inner_texts() == ["Xinjiang"]


LONG_TITLES = [
    "China's new security strategy towards Greater Central Asia",
    "Multilateralism and national interests in the Shanghai Cooperation Organisation",
    "Security and military cooperation",
]


@pytest.fixture
def heatmap_report(workspace, annotator):
    """Twelve sections with long titles, a tag in each."""
    report = make_report(workspace, passages=12, title="A long report")
    for order, passage in enumerate(report.passages.order_by("order"), start=2):
        section = Section.objects.create(
            report=report, order=order, title=f"{LONG_TITLES[order % 3]} ({order})", level=2
        )
        passage.section = section
        passage.save()
        services.passage_add_tag(passage=passage, name="SCO", user=annotator)
    report.sections.filter(order=1).delete()
    return report


def open_heatmap(page, user, report):
    log_in(page, user.username)
    page.goto(reverse("annotations:report-heatmap", args=[report.uuid]))
    return page.locator("th.hm-col")


def test_heatmap_column_titles_show_whole_section_titles(page, annotator, heatmap_report):
    titles = open_heatmap(page, annotator, heatmap_report)
    expected = [f"{i}. {s.title}" for i, s in enumerate(heatmap_report.sections.order_by("order"), start=1)]
    assert [" ".join(text.split()) for text in titles.all_inner_texts()] == expected


def test_heatmap_column_titles_are_not_cut_off(page, annotator, heatmap_report):
    titles = open_heatmap(page, annotator, heatmap_report)
    clipped = titles.evaluate_all(
        "cells => cells.filter(c => c.scrollWidth > c.clientWidth || c.scrollHeight > c.clientHeight)"
        ".map(c => c.innerText)"
    )
    assert clipped == []


def test_heatmap_column_titles_read_horizontally(page, annotator, heatmap_report):
    titles = open_heatmap(page, annotator, heatmap_report)
    modes = titles.evaluate_all("cells => cells.map(c => getComputedStyle(c.firstElementChild || c).writingMode)")
    assert set(modes) == {"horizontal-tb"}


def test_heatmap_has_no_big_empty_corner_cell(page, annotator, heatmap_report):
    open_heatmap(page, annotator, heatmap_report)
    corner = page.locator(".heatmap thead th").first.bounding_box()
    row = page.locator(".heatmap tbody tr").first.bounding_box()
    assert corner["height"] <= 4 * row["height"]


def test_the_upload_message_counts_passages_as_the_report_page_does(page, workspace, curator, tmp_path):
    brief = tmp_path / "brief.md"
    brief.write_text("# A brief\n\nFirst paragraph about the SCO.[^1]\n\nSecond paragraph.\n\n[^1]: A note.\n")
    log_in(page, curator.username)
    page.goto(reverse("annotations:report-list", args=[workspace.slug]))
    page.click("summary:text('Upload a report')")
    page.set_input_files("input[type=file]", str(brief))
    page.click("button:text('Import')")
    page.wait_for_selector("#job a.button")
    message = page.locator("#job .message").inner_text()
    page.click("#job a.button")
    report_count = page.locator(".result-count").inner_text()
    assert message.split(": ", 1)[1].split(" (")[0].rstrip(".") == report_count.rstrip(".")
