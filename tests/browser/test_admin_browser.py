"""A curator runs a bulk action with an intermediate page from the changelist, in Chromium."""

import pytest

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
