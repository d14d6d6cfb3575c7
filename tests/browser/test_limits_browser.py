"""In the browser: a write over the rate limit shows the server's message in the panel, and an
upload leads to its job page and then to the report."""

import pytest

from annotations.models import Report, TaggedPassage
from tests.browser.conftest import log_in
from tests.conftest import make_annotated_report

pytestmark = pytest.mark.browser


# Chromium and htmx log a refused request to the console; here it is the point.
@pytest.mark.console_allows("status of 429", "Error Code 429")
def test_a_tag_over_the_rate_limit_shows_the_reason_in_the_panel(page, workspace, annotator, settings):
    settings.WRITE_RATE_LIMITS = {"comment": 30, "tag": 1}
    report = make_annotated_report(workspace, annotator, passages=5)
    passage = report.passages.get(order=3)
    log_in(page, "anna")
    page.goto(report.get_absolute_url())
    page.click(f"#p-{passage.uuid} .open-panel")
    page.wait_for_selector(f'[data-panel-passage="{passage.uuid}"]')
    page.fill("#tag-input", "Borders")
    page.press("#tag-input", "Enter")  # a new tag: the second Enter chooses "Create tag"
    page.press("#tag-input", "Enter")
    page.wait_for_selector(f"#p-{passage.uuid} .chip:text('Borders')")
    page.fill("#tag-input", "Rivers")
    page.press("#tag-input", "Enter")  # a new tag: the second Enter chooses "Create tag"
    page.press("#tag-input", "Enter")
    alert = page.wait_for_selector("#panel .error[role=alert]")
    assert alert.text_content().startswith("You are changing tags and highlights too fast: at most 1 a minute.")
    assert not TaggedPassage.objects.filter(content_object=passage, tag__name="Rivers").exists()


def test_an_upload_shows_its_job_then_links_to_the_report(page, workspace, curator, tmp_path):
    brief = tmp_path / "brief.txt"
    brief.write_text("A brief\n\nFirst paragraph about the SCO.\n\nSecond paragraph.\n")
    log_in(page, "carl")
    page.goto(f"/w/{workspace.slug}/")
    page.click("summary:text('Upload a report')")
    page.set_input_files("input[type=file]", str(brief))
    page.click("button:text('Import')")
    page.wait_for_url("**/j/**")
    link = page.wait_for_selector("#job a.button")
    assert page.locator("#job").text_content().strip().startswith("Imported “A brief”: 2 passages.")
    link.click()
    page.wait_for_url(f"**{Report.objects.get().get_absolute_url()}")
