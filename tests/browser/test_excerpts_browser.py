"""A viewer exports the coded excerpts of a tag from the codebook page, in Chromium (issue 16, item 10)."""

import pytest

from annotations import services
from annotations.models import Passage

from .conftest import log_in

pytestmark = pytest.mark.browser


def test_viewer_ticks_a_tag_and_reads_its_excerpts(page, viewer, annotator, report):
    first, second, _third = report.passages.order_by("order")
    Passage.objects.filter(pk=first.pk).update(page=7)
    services.passage_add_tag(passage=first, name="Energy", user=annotator)
    services.passage_add_tag(passage=second, name="Security", user=annotator)
    services.comment_create(passage=first, author=annotator, body="Worth quoting in **chapter 2**.")

    log_in(page, viewer.username)
    page.goto(f"/w/{report.workspace.slug}/codebook/")
    page.get_by_label("Export Energy").check()
    page.get_by_label("Format").select_option("html")
    page.get_by_role("button", name="Export excerpts").click()

    page.wait_for_selector("h1:has-text('Coded excerpts')")
    assert page.inner_text("h2") == "Energy (1)"
    assert page.inner_text(".where") == "A report · Introduction · p. 7 · ¶ 1"
    assert page.inner_text("blockquote") == "Passage number 1 about the SCO and Xinjiang."
    assert page.inner_text(".thread li").startswith("anna, ")
    assert page.inner_text(".thread li strong >> nth=1") == "chapter 2"
    assert "Passage number 2" not in page.inner_text("main")


@pytest.mark.console_allows("status of 400")
def test_export_without_a_tag_says_what_is_missing(page, viewer, annotator, report):
    services.passage_add_tag(passage=report.passages.first(), name="Energy", user=annotator)
    log_in(page, viewer.username)
    page.goto(f"/w/{report.workspace.slug}/codebook/")
    with page.expect_response(lambda r: "excerpts" in r.url):
        page.get_by_role("button", name="Export excerpts").click()
    assert page.inner_text("#excerpts-form [role=alert]") == "Choose at least one tag to export its excerpts."
