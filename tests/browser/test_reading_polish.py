"""Issue 16, the reading view and panel as a research team sees them: each test asserts what is on
screen after the reader's action."""

import pytest

from annotations.models import Comment, Passage, Tag
from tests.browser.conftest import log_in
from tests.browser.test_annotate import SELECT_JS
from tests.conftest import make_annotated_report

pytestmark = pytest.mark.browser


@pytest.fixture
def report(workspace, annotator):
    return make_annotated_report(workspace, annotator, passages=6)


def read(page, report, username="anna"):
    log_in(page, username)
    page.goto(report.get_absolute_url())
    page.wait_for_selector(".passage")


def footnote(page, report):
    first = report.passages.get(order=1)
    return page.locator(f"#p-{first.uuid} .fn-ref"), page.locator(f"#p-{first.uuid} .fn-note")


def test_a_clicked_footnote_closes_with_escape(page, report):
    read(page, report)
    marker, note = footnote(page, report)
    marker.click()
    assert note.is_visible()
    page.keyboard.press("Escape")
    assert note.is_hidden()


def test_a_clicked_footnote_closes_on_a_click_elsewhere(page, report):
    read(page, report)
    marker, note = footnote(page, report)
    marker.click()
    page.click("h1")
    assert note.is_hidden()


def test_a_clicked_footnote_closes_when_the_reader_moves_on(page, report):
    read(page, report)
    marker, note = footnote(page, report)
    marker.click()
    page.mouse.move(0, 0)
    page.keyboard.press("j")
    assert note.is_hidden()


def test_a_marker_without_a_note_body_says_so(page, workspace, annotator):
    report = make_annotated_report(workspace, annotator, passages=6)
    second = report.passages.get(order=2)
    Passage.objects.filter(pk=second.pk).update(footnotes=["7"])
    read(page, report)
    marker = page.locator(f"#p-{second.uuid} .fn-ref")
    marker.click()
    note = page.locator(f"#p-{second.uuid} .fn-note")
    assert note.text_content() == "7 Note text not in the source."


def test_a_note_no_marker_points_at_says_so(page, workspace, annotator):
    report = make_annotated_report(workspace, annotator, passages=6)
    Passage.objects.filter(report=report, kind=Passage.Kind.NOTE).update(label="")
    note = report.passages.get(kind=Passage.Kind.NOTE)
    read(page, report)
    assert page.locator(f"#p-{note.uuid} .passage-label").text_content() == "Note (no marker in the text)"


def open_panel(page, passage):
    page.click(f"#p-{passage.uuid} .open-panel")
    page.wait_for_selector(f'[data-panel-passage="{passage.uuid}"]')


def suggestions(page, field):
    return page.locator(f"#{field}-suggestions [role=option]")


def test_enter_on_a_partial_tag_name_offers_the_match_and_creates_nothing(page, report):
    passage = report.passages.get(order=3)
    read(page, report)
    open_panel(page, passage)
    page.fill("#tag-input", "ener")
    page.press("#tag-input", "Enter")
    assert suggestions(page, "tag-input").all_text_contents()[0] == "Energy"
    assert not Tag.objects.filter(name__iexact="ener").exists()
    page.press("#tag-input", "Enter")
    page.wait_for_selector(f"#p-{passage.uuid} .chip:text('Energy')")
    assert list(passage.tags.values_list("name", flat=True)) == ["Energy"]


def test_a_new_tag_is_created_only_by_choosing_create(page, report):
    passage = report.passages.get(order=3)
    read(page, report)
    open_panel(page, passage)
    page.fill("#tag-input", "Xin")
    page.press("#tag-input", "Enter")
    create = suggestions(page, "tag-input").last
    assert create.text_content() == "Create tag “Xin”"
    assert not Tag.objects.filter(name="Xin").exists()
    create.click()
    page.wait_for_selector(f"#p-{passage.uuid} .chip:text('Xin')")
    assert Tag.objects.filter(name="Xin").exists()


def test_suggestions_match_anywhere_ignoring_case_and_accents(page, report, workspace):
    Tag.objects.create(workspace=workspace, name="Énergie nucléaire", slug="energie-nucleaire")
    read(page, report)
    open_panel(page, report.passages.get(order=3))
    page.fill("#tag-input", "NUCLEAIRE")
    assert suggestions(page, "tag-input").first.text_content() == "Énergie nucléaire"


def test_the_highlight_tag_field_completes_every_tag(page, report):
    passage = report.passages.get(order=3)
    read(page, report)
    page.evaluate(SELECT_JS, [str(passage.uuid), 0, 7])
    page.keyboard.press("h")
    page.wait_for_selector("#highlight-form:not([hidden])")
    page.fill("#hl-tags", "Security, ene")
    suggestions(page, "hl-tags").first.click()
    assert page.input_value("#hl-tags") == "Security, Energy, "


def test_a_resolved_thread_is_labelled_and_collapsed_for_viewers_too(page, report, viewer):
    first = report.passages.get(order=1)
    asked = Comment.objects.get(passage=first, body="Is this **right**?")
    Comment.objects.filter(pk=asked.pk).update(resolved=True)
    Passage.objects.filter(pk=first.pk).touch()
    read(page, report, "vera")
    open_panel(page, first)
    thread = page.locator(f"#t-{asked.uuid}")
    assert thread.locator("summary").text_content().split() == ["Resolved", "·", "anna,", "1", "reply"]
    body = thread.locator(".comment-body").first
    assert body.is_hidden()
    thread.locator("summary").click()
    assert body.is_visible()


def mark_colour(page, passage):
    mark = page.locator(f"#p-{passage.uuid} .passage-text mark").first
    return mark.evaluate("m => getComputedStyle(m).boxShadow")


def test_a_highlight_shows_its_tags_colour_and_follows_a_recolouring(page, report, workspace):
    first = report.passages.get(order=1)
    security = Tag.objects.get(workspace=workspace, name="Security")
    security.color = "#0f766e"
    security.save()
    read(page, report)
    assert "rgb(15, 118, 110)" in mark_colour(page, first)
    security.color = "#b91c1c"
    security.save()  # as the admin saves it: no explicit cache invalidation
    page.reload()
    assert "rgb(185, 28, 28)" in mark_colour(page, first)
