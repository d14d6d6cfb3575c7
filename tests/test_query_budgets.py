"""Query budgets on a 1,000-passage report (the size `make bench` measures): the reading view's
first chunk of 200, the heat map, the codebook page and search stay within a fixed number of
queries, and each answers with its content (a budget met by an empty page proves nothing)."""

import pytest
from django.urls import reverse

from annotations import services
from annotations.models import Passage
from annotations.reading import PAGE_SIZE
from tests.conftest import make_annotated_report


@pytest.fixture
def big_report(workspace, annotator):
    report = make_annotated_report(workspace, annotator, passages=1000, title="A long report")
    passages = list(report.passages.exclude(kind=Passage.Kind.NOTE).order_by("order"))
    for passage in passages[:300:3]:
        services.passage_add_tag(passage=passage, name=f"Theme {passage.order % 9}", user=annotator)
    for passage in passages[:200:10]:
        services.highlight_create(passage=passage, start=0, end=7, user=annotator, tags=["Opening", "Theme 1"])
        services.comment_create(passage=passage, author=annotator, body="Xinjiang again")
    return report


def test_first_chunk_of_a_1000_passage_report(client, viewer, big_report, within_budget):
    client.force_login(viewer)
    url = big_report.get_absolute_url()
    response = within_budget(13, client.get, url, shows="1000 passages.")  # cold: every fragment rendered
    html = response.content.decode()
    assert html.count('<article id="p-') == PAGE_SIZE
    assert html.count('<ul class="hl-index" hidden>') == 20
    again = within_budget(8, client.get, url, shows="1000 passages.")  # warm: fragments from the cache
    assert again.content.decode().count('<article id="p-') == PAGE_SIZE
    chunk_url = reverse("annotations:report-passages", args=[big_report.uuid])
    last = big_report.passages.get(order=2 * PAGE_SIZE)
    chunk = within_budget(10, client.get, chunk_url, {"offset": PAGE_SIZE}, shows=f'id="p-{last.uuid}"')  # cold
    assert chunk.content.decode().count('<article id="p-') == PAGE_SIZE


def test_heat_map_of_a_1000_passage_report(client, viewer, big_report, within_budget):
    client.force_login(viewer)
    url = reverse("annotations:report-heatmap", args=[big_report.uuid])
    within_budget(8, client.get, url, shows=["Theme 4", "Introduction"])


def test_codebook_page_with_a_1000_passage_report(client, viewer, big_report, within_budget):
    client.force_login(viewer)
    url = reverse("annotations:tag-list", args=["central-asia"])
    within_budget(8, client.get, url, shows=["Theme 7", "Opening", "A long report"])


def test_search_in_a_1000_passage_report(client, viewer, big_report, within_budget):
    client.force_login(viewer)
    url = reverse("annotations:search")
    within_budget(17, client.get, url, {"q": "Xinjiang"}, shows=["<mark>Xinjiang</mark>", "A long report"])


def test_a_budget_alone_does_not_pass_a_refused_or_empty_page(client, viewer, workspace, within_budget):
    """The helper the budgets above use fails on the wrong status and on missing content."""
    client.force_login(viewer)
    missing = reverse("annotations:report-list", args=["no-such-workspace"])
    with pytest.raises(AssertionError):
        within_budget(8, client.get, missing, shows="Reports")
    listing = reverse("annotations:report-list", args=[workspace.slug])
    with pytest.raises(AssertionError):
        within_budget(8, client.get, listing, shows="A report nobody imported")
    within_budget(8, client.get, listing, shows=workspace.name)
