"""Issue 16, the reading view and panel as a research team sees them: each test asserts what is on
screen after the reader's action."""

import pytest

from annotations.models import Comment, Highlight, Passage, Tag
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


def test_the_panel_is_roomy_with_a_one_line_heading_and_no_repeated_text(page, report):
    third = report.passages.get(order=3)
    read(page, report)
    open_panel(page, third)
    assert page.locator("#panel").bounding_box()["width"] >= 440
    assert page.locator("#panel-title").text_content() == "Passage 3"
    assert page.locator("#panel-title").bounding_box()["height"] < 40
    assert page.locator("#panel .panel-context").text_content() == "in Introduction"
    assert page.locator("#panel .panel-quote").is_hidden()
    page.goto(f"/p/{third.uuid}/")
    assert page.locator("#panel .panel-quote").is_visible()


def test_the_annotate_link_shows_without_hovering(page, report):
    read(page, report)
    page.mouse.move(0, 0)
    link = page.locator(".passage .open-panel").nth(2)
    assert link.evaluate("a => getComputedStyle(a).opacity") == "1"


def looks(locator):
    return locator.evaluate_all(
        """els => els.map(el => { const s = getComputedStyle(el);
             return [s.fontSize, s.borderTopStyle, s.borderRadius, s.paddingTop].join(" "); })"""
    )


def test_panel_controls_share_one_style_and_times_read_just_now(page, report):
    first = report.passages.get(order=1)
    read(page, report)
    open_panel(page, first)
    # Item actions (Edit, Delete, Resolve, Reply, Comment on a highlight, Remove a source) look alike …
    actions = page.locator("#panel .act")
    assert actions.count() >= 8
    assert len(set(looks(actions))) == 1
    assert "none" not in looks(actions)[0]
    # … and every form's main button is a primary one.
    submits = page.locator("#panel form button[type=submit].primary")
    assert submits.evaluate_all("els => new Set(els.map(el => getComputedStyle(el).backgroundColor)).size") == 1
    assert page.locator("#panel .source-box button[type=submit]").get_attribute("class") == "primary"
    times = page.locator("#panel .comment-head time").all_text_contents()
    assert set(times) == {"just now"}


def test_the_highlight_form_keeps_the_selection_visible_and_drops_the_hint(page, report):
    third = report.passages.get(order=3)
    read(page, report)
    open_panel(page, third)
    assert page.locator("#panel .hl-hint").is_visible()
    page.evaluate(SELECT_JS, [str(third.uuid), 0, 7])
    page.keyboard.press("h")
    page.wait_for_selector("#highlight-form:not([hidden])")
    assert page.locator("#panel .hl-hint").is_hidden()
    shown = page.evaluate("() => [...CSS.highlights.get('pending-highlight')].map(r => r.toString())")
    assert shown == [third.text[:7]]  # "Passage", as selected
    page.click("[data-action=cancel-highlight]")
    assert page.evaluate("() => CSS.highlights.has('pending-highlight')") is False


def test_a_curator_sets_a_status_with_one_click_and_can_undo_it(page, report, curator):
    third = report.passages.get(order=3)
    read(page, report, "carl")
    open_panel(page, third)
    group = page.get_by_role("group", name="Status")
    assert group.get_by_role("button", name="Open").get_attribute("aria-pressed") == "true"
    group.get_by_role("button", name="Flagged").click()
    page.wait_for_selector(f"#p-{third.uuid} .badge-flagged")
    assert page.get_by_role("status").filter(has_text="Status set to").text_content().split() == [
        "Status", "set", "to", "Flagged.", "Undo", "(back", "to", "Open)"
    ]
    assert group.get_by_role("button", name="Flagged").get_attribute("aria-pressed") == "true"
    page.get_by_role("button", name="Undo (back to Open)").click()
    page.wait_for_selector(f"#p-{third.uuid} .badge-flagged", state="detached")
    third.refresh_from_db()
    assert third.status == Passage.Status.OPEN


def test_a_highlight_made_with_the_keyboard_alone(page, report):
    third = report.passages.get(order=3)
    read(page, report)
    for _ in range(3):
        page.keyboard.press("j")
    page.keyboard.press("ArrowRight")  # the start moves past "Passage"
    for _ in range(2):
        page.keyboard.press("Shift+ArrowRight")
    assert page.evaluate("() => window.getSelection().toString()") == " 3:"
    page.keyboard.press("h")
    page.wait_for_selector("#highlight-form:not([hidden])")
    assert page.locator("[data-highlight-preview]").text_content() == "3:"  # the words, not the space
    page.keyboard.press("Enter")
    page.wait_for_selector(f"#p-{third.uuid} .passage-text mark")
    assert list(third.highlights.values_list("start", "end")) == [(8, 10)]


@pytest.mark.console_allows("status of 404", "Error Code 404")
def test_a_failed_request_leaves_one_note_that_goes_on_the_next_try(page, report):
    first = report.passages.get(order=1)
    read(page, report)
    open_panel(page, first)
    page.on("dialog", lambda dialog: dialog.accept())
    Highlight.objects.filter(passage=first).delete()  # someone else, meanwhile
    delete = page.locator("#panel .highlight-item .act.danger").first
    delete.click()
    page.wait_for_selector("#panel .error[role=alert]")
    delete.click()
    page.wait_for_function("() => !document.querySelector('.htmx-request')")
    assert page.locator("#panel .error[role=alert]").all_text_contents() == [
        "This item no longer exists, or you cannot see it."
    ]
    page.fill("#tag-input", "Energy")
    page.press("#tag-input", "Enter")
    page.wait_for_selector(f"#p-{first.uuid} .chip:text('Energy')")
    assert page.locator("#panel .error").count() == 0


def test_screen_readers_hear_the_panel_open_and_close(page, report):
    third = report.passages.get(order=3)
    read(page, report)
    open_panel(page, third)
    announcer = page.get_by_role("status").filter(has_text="Panel")
    assert announcer.text_content() == "Panel open: Passage 3"
    page.click("[data-action=close-panel]")
    assert announcer.text_content() == "Panel closed"
