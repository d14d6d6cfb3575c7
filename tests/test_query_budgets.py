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


def test_first_chunk_of_a_1000_passage_report(client, viewer, big_report, django_assert_max_num_queries):
    client.force_login(viewer)
    with django_assert_max_num_queries(13):  # cold: every fragment rendered
        response = client.get(big_report.get_absolute_url())
    html = response.content.decode()
    assert response.status_code == 200 and html.count('<article id="p-') == PAGE_SIZE
    assert "1000 passages." in html and html.count('<ul class="hl-index" hidden>') == 20
    with django_assert_max_num_queries(8):  # warm: fragments from the cache
        again = client.get(big_report.get_absolute_url())
    assert again.status_code == 200 and again.content.decode().count('<article id="p-') == PAGE_SIZE
    with django_assert_max_num_queries(10):  # the next chunk, cold
        chunk = client.get(reverse("annotations:report-passages", args=[big_report.uuid]), {"offset": PAGE_SIZE})
    assert chunk.status_code == 200 and chunk.content.decode().count('<article id="p-') == PAGE_SIZE


def test_heat_map_of_a_1000_passage_report(client, viewer, big_report, django_assert_max_num_queries):
    client.force_login(viewer)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("annotations:report-heatmap", args=[big_report.uuid]))
    html = response.content.decode()
    assert response.status_code == 200 and "Theme 4" in html and "Introduction" in html


def test_codebook_page_with_a_1000_passage_report(client, viewer, big_report, django_assert_max_num_queries):
    client.force_login(viewer)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("annotations:tag-list", args=["central-asia"]))
    html = response.content.decode()
    assert response.status_code == 200 and "Theme 7" in html and "Opening" in html and "A long report" in html


def test_search_in_a_1000_passage_report(client, viewer, big_report, django_assert_max_num_queries):
    client.force_login(viewer)
    with django_assert_max_num_queries(17):
        response = client.get(reverse("annotations:search"), {"q": "Xinjiang"})
    html = response.content.decode()
    assert response.status_code == 200 and "<mark>Xinjiang</mark>" in html and "A long report" in html
