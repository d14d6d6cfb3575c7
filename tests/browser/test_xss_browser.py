"""A real browser on pages full of hostile text: no alert() dialog opens, no injected element or
attribute exists in the live DOM (after htmx swaps too), and the page fixture fails the test if the
console reports an error, such as a script the Content-Security-Policy had to block."""

import pytest
from django.urls import reverse

from annotations.models import Comment, Source
from tests.browser.conftest import PASSWORD, log_in
from tests.xss_payloads import PAYLOADS, build_hostile_workspace

pytestmark = pytest.mark.browser

FIND_INJECTED_JS = """() => {
  const found = [];
  const dangerous = /^(javascript|data|vbscript):/i;
  const ours = (src) => src.startsWith("/static/") || src.startsWith("/admin/jsi18n/");
  for (const el of document.querySelectorAll("*")) {
    const tag = el.tagName.toLowerCase();
    if (["iframe", "frame", "object", "embed", "base", "video", "audio", "marquee"].includes(tag)) found.push(tag);
    if (tag === "script" && !ours(el.getAttribute("src") || "") && el.type !== "application/json") {
      found.push("inline script: " + el.textContent.slice(0, 60));
    }
    if (tag === "img" && !ours(el.getAttribute("src") || "")) found.push("img " + el.getAttribute("src"));
    for (const attr of el.attributes) {
      if (/^on/i.test(attr.name) || /^(data-)?hx-on/i.test(attr.name)) found.push(`${tag} ${attr.name}`);
      const value = attr.value.replace(/[\\u0000-\\u0020\\u200b\\ufeff]/g, "");
      if (["href", "src", "action", "formaction", "xlink:href", "data"].includes(attr.name) && dangerous.test(value)) {
        found.push(`${tag} ${attr.name}=${attr.value}`);
      }
    }
  }
  return found;
}"""


@pytest.fixture
def hostile(db):
    return build_hostile_workspace(PASSWORD)


@pytest.fixture
def dialogs(page):
    opened = []

    def record(dialog):
        opened.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", record)
    return opened


def assert_nothing_injected(page, dialogs, where):
    page.wait_for_load_state("load")
    injected = page.evaluate(FIND_INJECTED_JS)
    assert not injected, f"{where}: {injected[:10]}"
    assert not dialogs, f"{where}: dialogs {dialogs}"


def test_pages_with_hostile_text_run_no_script(page, dialogs, hostile):
    log_in(page, "boss")
    workspace, report, passage = hostile["workspace"], hostile["report"], hostile["passage"]
    urls = [
        reverse("annotations:home"),
        reverse("annotations:report-list", args=[workspace.slug]),
        f"{report.get_absolute_url()}?q={PAYLOADS[0]}",
        reverse("annotations:report-heatmap", args=[report.uuid]),
        reverse("annotations:passage-detail", args=[passage.uuid]),
        reverse("annotations:tag-list", args=[workspace.slug]),
        reverse("annotations:tag-detail", args=[workspace.slug, hostile["tags"][0].uuid]),
        reverse("annotations:member-list", args=[workspace.slug]),
        reverse("annotations:workspace-activity", args=[workspace.slug]),
        *(r.get_absolute_url() for r in hostile["imported"].values()),
        reverse("annotations:search") + "?q=alert",
        reverse("admin:annotations_comment_changelist"),
        reverse("admin:annotations_passage_change", args=[passage.pk]),
        reverse("admin:annotations_source_change", args=[Source.objects.filter(workspace=workspace).first().pk]),
        reverse("admin:annotations_tag_changelist"),
    ]
    for url in urls:
        page.goto(url)
        assert_nothing_injected(page, dialogs, url)


def test_hostile_comment_typed_into_the_panel_stays_text(page, dialogs, hostile):
    """The reading view's panel, swapped in by htmx: the codebook, threads and source links of a
    passage that carries every hostile tag, and a hostile comment sent through the form."""
    log_in(page, "boss")
    passage = hostile["passage"]
    page.goto(passage.report.get_absolute_url())
    page.click(f"#p-{passage.uuid} .open-panel")
    page.wait_for_selector(f'[data-panel-passage="{passage.uuid}"]')
    assert_nothing_injected(page, dialogs, "panel")

    body = "<img src=x onerror=alert(1)> [click](javascript:alert(1)) <script>alert(1)</script>"
    page.fill("#comment-input", body)
    page.click(".new-comment button[type=submit]")
    page.wait_for_function("() => document.querySelector('#panel').textContent.includes('[click]')")
    assert Comment.objects.filter(passage=passage, body=body).exists()
    assert_nothing_injected(page, dialogs, "panel after posting")
