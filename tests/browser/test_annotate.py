import os

import pytest
from django.conf import settings

from annotations import demo
from annotations.models import Comment, Highlight, Passage, Tag
from tests.browser.conftest import log_in
from tests.conftest import make_annotated_report

pytestmark = pytest.mark.browser



@pytest.fixture
def screenshots(tmp_path):
    """Where the walkthroughs leave their screenshots: the README's own (docs/screenshots) only when
    asked, `UPDATE_SCREENSHOTS=1`, so a test run never changes tracked files."""
    if os.environ.get("UPDATE_SCREENSHOTS") == "1":
        return settings.BASE_DIR / "docs" / "screenshots"
    return tmp_path


@pytest.fixture
def demo_report(db):
    """The demo data set `seed_demo` builds: the seed report, annotated by users demo (curator),
    analyst (annotator) and reader (viewer)."""
    return demo.build_demo()


def open_passages(report):
    return report.passages.filter(status=Passage.Status.OPEN).exclude(kind=Passage.Kind.NOTE).order_by("order")


def utf16(text, index):
    """The browser's offset (UTF-16 code units) of code point `index` of `text`."""
    return len(text[:index].encode("utf-16-le")) // 2


SELECT_JS = """([uuid, start, end]) => {
  const root = document.querySelector(`[data-passage-text="${uuid}"]`);
  const locate = (offset) => {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    let node;
    while ((node = walker.nextNode())) {
      if (offset <= node.length) return [node, offset];
      offset -= node.length;
    }
  };
  const range = document.createRange();
  range.setStart(...locate(start));
  range.setEnd(...locate(end));
  const selection = window.getSelection();
  selection.removeAllRanges();
  selection.addRange(range);
  document.dispatchEvent(new MouseEvent("mouseup", {bubbles: true}));
}"""


def open_panel(page, passage):
    page.click(f"#p-{passage.uuid} .open-panel")
    page.wait_for_selector(f'[data-panel-passage="{passage.uuid}"]')


def test_read_filter_and_tag_a_passage(page, demo_report, screenshots):
    log_in(page, "analyst", demo.DEMO_PASSWORD)
    page.click(f"text={demo_report.title}")
    page.wait_for_selector(".passage")
    assert page.locator(".outline li").count() == demo_report.sections.count()
    note = page.locator(".fn .fn-note").first
    assert not note.is_visible()
    page.locator(".fn .fn-ref").first.hover()
    assert note.is_visible()
    assert note.text_content().strip()
    page.mouse.move(0, 0)
    page.screenshot(path=screenshots / "reading-view.png")

    page.fill("#filter-tag", "xinjiang")
    page.click(".filters button[type=submit]")
    page.wait_for_url("**tag=xinjiang**")
    expected = demo_report.passages.filter(tags__name="Xinjiang").count()
    assert page.locator(".passage").count() == expected > 0

    page.goto(demo_report.get_absolute_url())
    passage = demo_report.passages.exclude(tags__name="Energy").order_by("order")[2]
    sco = Tag.objects.get(name="SCO")
    open_panel(page, passage)
    # The autocomplete offers the codebook with each tag's description.
    assert sco.description[:60] in page.locator('#panel-codebook option[value="SCO"]').text_content()
    page.fill("#tag-input", "Energy")
    page.press("#tag-input", "Enter")  # not in the codebook: Enter offers "Create tag", a second takes it
    page.press("#tag-input", "Enter")
    page.wait_for_selector(f"#p-{passage.uuid} .chip:text('Energy')")
    assert page.locator(f"#p-{passage.uuid}.current").count() == 1
    page.reload()
    assert page.locator(f"#p-{passage.uuid} .chip:text('Energy')").count() == 1
    assert passage.tags.filter(name="Energy").exists()


def test_select_a_span_with_emoji_and_cjk_and_highlight_it(page, workspace, annotator):
    report = make_annotated_report(workspace, annotator, passages=5)
    passage = report.passages.get(order=3)
    start, end = passage.text.index("上海"), passage.text.index("Азия") + 4  # spans 🚀: 2 UTF-16 units
    log_in(page, "anna")
    page.goto(report.get_absolute_url())
    page.evaluate(SELECT_JS, [str(passage.uuid), utf16(passage.text, start), utf16(passage.text, end)])
    page.click("[data-action=highlight-selection]")
    page.wait_for_selector("#highlight-form:not([hidden])")
    assert page.input_value("#highlight-form [name=start]") == str(start)
    assert page.input_value("#highlight-form [name=end]") == str(end)
    page.fill("#hl-tags", "Geography")
    page.click("#highlight-form button[type=submit]")
    page.wait_for_selector(f"#p-{passage.uuid} .passage-text mark")
    highlight = Highlight.objects.get(passage=passage)
    assert highlight.exact == passage.text[start:end]
    assert "🚀" in highlight.exact
    page.reload()
    marks = page.locator(f"#p-{passage.uuid} .passage-text mark")
    assert "".join(marks.all_text_contents()) == passage.text[start:end]
    # The marks take the colour of the highlight's first tag; the tooltip comes from the index.
    Tag.objects.filter(name="Geography").update(color="#b91c1c")
    Passage.objects.filter(pk=passage.pk).touch()
    page.reload()
    assert "rgb(185, 28, 28)" in marks.first.evaluate("m => getComputedStyle(m).boxShadow")
    marks.first.hover()
    assert marks.first.get_attribute("title") == "Highlight: Geography"
    marks.first.click()
    page.wait_for_selector(f"#hl-{highlight.uuid}.selected")


def test_overlapping_highlight_over_an_existing_mark(page, workspace, annotator):
    report = make_annotated_report(workspace, annotator, passages=3)
    passage = report.passages.get(order=1)  # already has highlights 11-30 and 20-40
    log_in(page, "anna")
    page.goto(report.get_absolute_url())
    # 25 is the space before "role": a highlight starts on the word itself.
    page.evaluate(SELECT_JS, [str(passage.uuid), utf16(passage.text, 25), utf16(passage.text, 45)])
    page.keyboard.press("h")
    page.wait_for_selector("#highlight-form:not([hidden])")
    page.click("#highlight-form button[type=submit]")
    page.wait_for_selector("mark.hl3")
    assert Highlight.objects.filter(passage=passage, start=26, end=45).exists()
    # The new highlight was appended to the panel's list, alone selected; the form is put away.
    assert page.locator("#highlight-list .highlight-item").count() == 3
    assert page.locator(".highlight-item.selected q").text_content() == passage.text[26:45]
    assert page.locator("#highlight-form").is_hidden()


def test_comment_reply_and_link_a_source_with_keyboard_shortcuts(page, demo_report, screenshots):
    log_in(page, "analyst", demo.DEMO_PASSWORD)
    page.goto(demo_report.get_absolute_url())
    page.wait_for_selector(".passage")
    page.keyboard.press("j")
    page.keyboard.press("j")
    second = demo_report.passages.order_by("order")[1]
    assert page.locator(".passage.current").get_attribute("id") == f"p-{second.uuid}"
    page.keyboard.press("o")
    page.wait_for_selector("#panel-title:focus")

    page.keyboard.press("c")
    page.wait_for_selector("#comment-input:focus")
    page.keyboard.type("Does the *SCO* matter here?")
    page.keyboard.press("Control+Enter")
    page.wait_for_selector(".thread .comment-body em:text('SCO')")
    thread = Comment.objects.get(passage=second, body="Does the *SCO* matter here?")
    page.click(f"#t-{thread.uuid} .reply-box summary")
    page.fill(f"#reply-{thread.uuid}", "Yes: see footnote 3.")
    page.click(f"#t-{thread.uuid} .reply-box button[type=submit]")
    page.wait_for_selector(".reply .comment-body:has-text('Yes: see footnote 3.')")

    page.keyboard.press("Escape")
    page.locator(f"#p-{second.uuid}").focus()
    page.keyboard.press("s")
    page.wait_for_selector("#src-source:focus")
    page.fill("#src-url", "https://www.uscc.gov/hearings/looking-west")
    page.fill("#src-title", "USCC hearing")
    page.select_option("#src-relation", "context")
    page.click(".source-box button[type=submit]")
    page.wait_for_selector(".source-list a:text('USCC hearing')")
    page.locator(f"#p-{second.uuid}").scroll_into_view_if_needed()
    page.locator("#panel").evaluate("panel => { panel.scrollTop = 0; }")
    page.screenshot(path=screenshots / "passage-panel.png")

    page.reload()
    open_panel(page, second)
    assert page.locator(f"#t-{thread.uuid} .reply .comment-body").text_content().strip() == "Yes: see footnote 3."
    assert page.locator(".source-list li:has-text('USCC hearing') .relation").text_content() == "gives context to"
    assert second.source_links.filter(source__title="USCC hearing", relation="context").exists()

    page.keyboard.press("?")
    assert page.locator("#shortcuts").is_visible()


def test_curator_approves_with_a_key_and_the_heat_map_links_back(page, demo_report, screenshots):
    log_in(page, "demo", demo.DEMO_PASSWORD)
    page.goto(demo_report.get_absolute_url())
    page.wait_for_selector(".passage")
    third = open_passages(demo_report)[2]
    page.click(f"#p-{third.uuid} .passage-label")
    page.wait_for_selector(f'[data-panel-passage="{third.uuid}"]')
    page.keyboard.press("a")
    page.wait_for_selector(f"#p-{third.uuid} .badge-approved")
    third.refresh_from_db()
    assert third.status == "approved"

    page.click(".outline-links a")
    page.wait_for_selector(".heatmap")
    page.screenshot(path=screenshots / "heat-map.png", full_page=True)
    page.locator(".heatmap td.hm-cell a").first.click()
    page.wait_for_url("**section=**")
    assert page.locator(".passage").count() >= 1


def test_the_passage_page_works_on_its_own(page, workspace, annotator):
    report = make_annotated_report(workspace, annotator, passages=3)
    passage = report.passages.get(order=2)
    log_in(page, "anna")
    page.goto(f"/p/{passage.uuid}/")
    page.fill("#tag-input", "Borders")
    page.press("#tag-input", "Enter")  # a new name: the first Enter offers "Create tag", the second takes it
    assert page.locator("#tag-input-suggestions [aria-selected=true]").text_content() == "Create tag “Borders”"
    page.press("#tag-input", "Enter")
    page.wait_for_selector("#panel .chip:text('Borders')")
    page.click(".history-box summary")
    page.wait_for_selector(".history-list li:has-text('tagged Borders')")
    assert passage.tags.filter(name="Borders").exists()


def test_an_anchor_past_the_first_chunk_opens_the_right_chunk(page, workspace, annotator):
    from annotations.reading import PAGE_SIZE

    report = make_annotated_report(workspace, annotator, passages=PAGE_SIZE + 20)
    late = report.passages.get(order=PAGE_SIZE + 10)
    log_in(page, "anna")
    page.goto(f"/r/{report.uuid}/#p-{late.uuid}")
    page.wait_for_url(f"**at={late.uuid}**")
    assert page.locator(f"#p-{late.uuid}").is_visible()
    page.keyboard.press("j")
    page.keyboard.press("k")
    assert page.locator(".passage.current").count() == 1
