import pytest

from annotations import services
from annotations.models import Passage
from tests.browser.conftest import log_in
from tests.conftest import make_annotated_report

pytestmark = pytest.mark.browser


@pytest.fixture
def page_with_409s(browser, live_server):
    """Like the shared `page` fixture, except that Chromium's own console line for a response with
    an error status (the 409 this test provokes on purpose) is not counted as a script error."""
    context = browser.new_context(viewport={"width": 1440, "height": 900}, base_url=live_server.url)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on(
        "console",
        lambda msg: errors.append(msg.text) if msg.type == "error" and "status of 409" not in msg.text else None,
    )
    yield page
    context.close()
    assert not errors, f"errors in the browser console: {errors}"


def test_a_status_change_someone_else_beat_shows_the_conflict_and_their_status(
    page_with_409s, workspace, annotator, curator
):
    page = page_with_409s
    report = make_annotated_report(workspace, annotator, passages=3)
    passage = report.passages.get(order=2)
    log_in(page, "carl")
    page.goto(report.get_absolute_url())
    page.click(f"#p-{passage.uuid} .open-panel")
    page.wait_for_selector(f'[data-panel-passage="{passage.uuid}"]')

    services.passage_set_status(passage=passage, status=Passage.Status.FLAGGED)  # another curator, meanwhile
    page.click("#panel [data-approve]")
    alert = page.wait_for_selector("#panel p.error[role=alert]")
    assert "changed by someone else" in alert.text_content()
    assert page.locator("#panel .status-choice[aria-pressed=true]").text_content() == "Flagged"
    assert page.locator("#panel p.error").count() == 1  # the panel was replaced, not a generic failure note
    passage.refresh_from_db()
    assert passage.status == "flagged"

    page.click("#panel [data-approve]")  # the refreshed panel carries the new version: this one goes through
    page.wait_for_selector(f"#p-{passage.uuid} .badge-approved")
    passage.refresh_from_db()
    assert passage.status == "approved"
