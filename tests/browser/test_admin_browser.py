"""A curator runs a bulk action with an intermediate page from the changelist, in Chromium."""

import pytest

from annotations import services
from annotations.models import Passage, TaggedPassage

pytestmark = pytest.mark.browser


def test_curator_tags_selected_passages_from_the_changelist(live_server, page, staff_curator, report):
    page.goto(f"{live_server.url}/admin/login/?next=/admin/annotations/passage/")
    page.fill("#id_username", staff_curator.username)
    page.fill("#id_password", "pw-for-tests-only")
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/annotations/passage/")

    first, second, _third = Passage.objects.order_by("order")
    page.check(f"input.action-select[value='{first.pk}']")
    page.check(f"input.action-select[value='{second.pk}']")
    page.select_option("select[name=action]", "add_tag")
    page.click("button[name=index]")

    page.wait_for_selector("text=Add a tag to passages")
    assert "2 passages selected" in page.inner_text("#content")
    page.fill("input[name=name]", "Energy security")
    page.click("input[name=apply]")

    page.wait_for_selector("text=Tagged 2 passage(s) with “Energy security”.")
    tagged = TaggedPassage.objects.filter(tag__name="Energy security")
    assert sorted(tagged.values_list("content_object__order", flat=True)) == [1, 2]
    assert set(tagged.values_list("added_by", flat=True)) == {staff_curator.pk}


def log_in_to_admin(page, user, path):
    page.goto(f"/admin/login/?next={path}")
    page.fill("#id_username", user.username)
    page.fill("#id_password", "pw-for-tests-only")
    page.click("input[type=submit]")
    page.wait_for_url(f"**{path}")


@pytest.fixture
def tagged_report(report, staff_curator):
    first, second, _third = report.passages.order_by("order")
    Passage.objects.filter(pk=first.pk).update(
        text="China has traditionally been reluctant to engage in the Central Asian (CA) region's security "
        "affairs, preferring to leave them to Russia, the region's traditional security guarantor."
    )
    services.passage_add_tag(passage=first, name="Russia–China rivalry", user=staff_curator)
    services.passage_add_tag(passage=first, name="SCO", user=staff_curator)
    services.passage_add_tag(passage=second, name="Xinjiang", user=staff_curator)
    return report


def test_passage_changelist_reads_at_1400px(page, staff_curator, tagged_report):
    """Issue 16, item 11: the passage column was ~15 characters wide and wrapped to 6–8 lines,
    columns at the right were cut off, and rows showed tag counts."""
    page.set_viewport_size({"width": 1400, "height": 900})
    log_in_to_admin(page, staff_curator, "/admin/annotations/passage/")
    passage_cell = page.locator("#result_list tbody .field-excerpt").first
    lines = passage_cell.evaluate(
        "el => { const s = getComputedStyle(el);"
        " const padding = parseFloat(s.paddingTop) + parseFloat(s.paddingBottom);"
        " return (el.clientHeight - padding) / parseFloat(s.lineHeight); }"
    )
    assert passage_cell.bounding_box()["width"] >= 380
    assert lines <= 4
    results = page.locator(".results")
    assert results.evaluate("el => el.scrollWidth <= el.clientWidth")
    right_edge = page.evaluate("document.documentElement.clientWidth")
    for header in page.locator("#result_list thead th").all():
        box = header.bounding_box()
        assert box["x"] + box["width"] <= right_edge
    first_row = page.locator("#result_list tbody tr").first
    assert first_row.locator("td.field-tag_names .tag-name").all_inner_texts() == ["Russia–China rivalry", "SCO"]


def test_no_changelist_cuts_off_columns_at_1400px(page, staff_curator, annotated_report):
    page.set_viewport_size({"width": 1400, "height": 900})
    log_in_to_admin(page, staff_curator, "/admin/annotations/passage/")
    cut_off = {}
    models = ("passage", "report", "section", "highlight", "comment", "source", "sourcelink", "tag", "taggedpassage")
    for model in models:
        page.goto(f"/admin/annotations/{model}/")
        widths = page.locator(".results").evaluate("el => [el.scrollWidth, el.clientWidth]")
        if widths[0] > widths[1]:
            cut_off[model] = widths
    assert cut_off == {}


def listed_orders(page):
    return [int(text) for text in page.locator("#result_list tbody td.field-order").all_inner_texts()]


def test_curator_finds_combines_and_excludes_tags_in_the_filter(page, staff_curator, report):
    """Issue 16, item 12: an "untagged" filter, several tags at once, a searchable tag list."""
    first, second, _third = report.passages.order_by("order")
    services.passage_add_tag(passage=first, name="Ürümqi", user=staff_curator)
    services.passage_add_tag(passage=first, name="SCO", user=staff_curator)
    services.passage_add_tag(passage=second, name="SCO", user=staff_curator)
    log_in_to_admin(page, staff_curator, "/admin/annotations/passage/")

    page.get_by_label("Find a tag").fill("urum")
    page.get_by_label("Find a tag").press("Enter")
    page.wait_for_url("**tag_q=urum**")
    tag_box = page.locator("details[data-filter-title=tag]")
    assert tag_box.locator("li").all_inner_texts() == ["All", "Untagged", "Ürümqi"]

    page.get_by_role("link", name="Ürümqi").click()
    page.wait_for_url("**tag=**")
    assert listed_orders(page) == [1]
    page.get_by_label("Find a tag").fill("")
    page.get_by_label("Find a tag").press("Enter")
    page.get_by_role("link", name="Also require “SCO”").click()
    page.wait_for_selector("text=Rows carrying every ticked tag")
    assert listed_orders(page) == [1]
    assert tag_box.locator("li.selected").all_inner_texts() == ["✓ Ürümqi", "✓ SCO"]

    page.get_by_role("link", name="Untagged").click()
    page.wait_for_url("**tag=none**")
    assert listed_orders(page) == [3]


def test_curator_sets_a_status_in_the_passage_list(page, staff_curator, report):
    """Issue 16, item 12: status is editable in the list."""
    log_in_to_admin(page, staff_curator, "/admin/annotations/passage/")
    page.get_by_label("Status of passage 3").select_option("flagged")
    page.get_by_role("button", name="Save").click()
    page.wait_for_selector("text=was changed successfully")
    assert page.get_by_label("Status of passage 3").input_value() == "flagged"
    assert report.passages.get(order=3).status == "flagged"


def test_passage_choices_name_their_report_while_typing(page, staff_curator, report):
    """Issue 16, item 14: passage choices in autocomplete did not name their report."""
    log_in_to_admin(page, staff_curator, "/admin/annotations/comment/add/")
    page.locator("#id_passage + .select2 .select2-selection").click()
    page.locator(".select2-search__field").fill("number 2")
    option = page.locator(".select2-results__option", has_text="Passage number 2")
    assert option.inner_text() == "A report · ¶ 2 · Passage number 2 about the SCO and Xinjiang."


def test_curator_finds_similar_tags_previews_and_merges_them(page, staff_curator, report):
    """Issue 16, item 13: a finder for similar names and a preview of the merge."""
    first, second, third = report.passages.order_by("order")
    services.passage_add_tag(passage=first, name="Pipelines", user=staff_curator)
    services.passage_add_tag(passage=second, name="pipeline", user=staff_curator)
    services.passage_add_tag(passage=second, name="Pipelines", user=staff_curator)
    services.passage_add_tag(passage=third, name="SCO", user=staff_curator)
    log_in_to_admin(page, staff_curator, "/admin/annotations/tag/")

    page.get_by_role("link", name="Find similar names").click()
    group = page.locator(".similar-group")
    assert group.count() == 1
    assert group.locator("caption").text_content() == "Alike: singular and plural"
    assert group.locator("tbody th").all_inner_texts() == ["pipeline", "Pipelines"]

    group.get_by_role("button", name="Review the merge of 2 tags…").click()
    preview = page.locator(".merge-preview")
    assert "the tag you keep is on 2 passages, 0 highlights and 0 reports" in preview.inner_text()
    assert "1 passage carries two of these tags and keeps one link." in preview.inner_text()
    page.get_by_label("Pipelines").check()
    page.get_by_role("button", name="Merge tags").click()
    page.wait_for_selector("text=Merged 1 tag(s) into “Pipelines”.")
    assert sorted(report.passages.filter(tags__name="Pipelines").values_list("order", flat=True)) == [1, 2]
