"""Issue 16, the reading view and panel as a research team sees them: each test asserts what is on
screen after the reader's action."""

import pytest

from annotations.models import Passage
from tests.browser.conftest import log_in
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
