import pytest
from django.urls import reverse

from annotations.models import Comment, Passage, Source, SourceLink
from tests.conftest import make_report

URL = reverse("annotations:search")


def test_search_page_requires_login(client, report, settings):
    settings.LOGIN_URL = "/admin/login/"
    response = client.get(URL, {"q": "xinjiang"})
    assert response.status_code == 302
    assert response.url.startswith("/admin/login/")


def test_search_page_shows_marked_results_linking_to_the_passage(client, viewer, report):
    client.force_login(viewer)
    response = client.get(URL, {"q": "xinjiang"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "3 matches" in body
    assert body.count("<mark>Xinjiang</mark>") == 3
    for passage in report.passages.all():
        url, _, fragment = passage.get_absolute_url().partition("#")
        assert f'href="{url}&amp;mark=xinjiang&amp;mark=Xinjiang#{fragment}"' in body


def test_search_page_hides_other_workspaces(client, outsider, report):
    client.force_login(outsider)
    body = client.get(URL, {"q": "xinjiang"}).content.decode()
    assert "No matches." in body
    assert str(report.passages.first().uuid) not in body


def test_search_page_rejects_bad_filters_without_searching(client, viewer, report):
    client.force_login(viewer)
    response = client.get(URL, {"q": "xinjiang", "report": "not-a-uuid", "page": "0"})
    body = response.content.decode()
    assert response.status_code == 200
    assert 'role="alert"' in body
    assert "<mark>" not in body


def test_search_page_filters_by_report(client, viewer, workspace, report):
    other = make_report(workspace, passages=2, title="Second")
    client.force_login(viewer)
    body = client.get(URL, {"q": "xinjiang", "report": str(other.uuid)}).content.decode()
    assert "2 matches" in body


def test_htmx_request_gets_only_the_results(client, viewer, report):
    client.force_login(viewer)
    response = client.get(URL, {"q": "xinjiang"}, headers={"HX-Request": "true"})
    body = response.content.decode()
    assert "<mark>Xinjiang</mark>" in body
    assert "<html" not in body
    assert "HX-Request" in response["Vary"]


def test_search_page_paginates(client, viewer, workspace):
    make_report(workspace, passages=45)
    client.force_login(viewer)
    first = client.get(URL, {"q": "xinjiang"}).content.decode()
    last = client.get(URL, {"q": "xinjiang", "page": 3}).content.decode()
    assert "page=2" in first
    assert "Next" in first
    assert last.count("<mark>Xinjiang</mark>") == 5
    assert "Next" not in last


@pytest.mark.parametrize("passages", [2, 60])
def test_search_page_query_count_does_not_grow(client, viewer, annotator, workspace, within_budget, passages):
    report = make_report(workspace, passages=passages)
    for passage in Passage.objects.filter(report=report):
        passage.tags.add("Xinjiang", "SCO")
        Comment.objects.create(passage=passage, author=annotator, body="More on Xinjiang here")
    for i in range(passages):
        source = Source.objects.create(workspace=workspace, url=f"https://example.org/{i}", title=f"Xinjiang {i}")
        SourceLink.objects.bulk_create(SourceLink(passage=p, source=source) for p in report.passages.all()[:5])
    client.force_login(viewer)
    # At most: session, user; per kind a ranking and a (capped) count; the page's passages, their
    # tags, comments, sources and their first links; the workspace, report and tag choices; the
    # header's workspace switcher.
    response = within_budget(17, client.get, URL, {"q": "xinjiang"}, shows="More on <mark>Xinjiang</mark> here")
    assert response.content.decode().count("<mark>") >= min(20, 3 * passages)


def test_search_page_keeps_the_chosen_filters(client, viewer, workspace, report):
    client.force_login(viewer)
    body = client.get(URL, {"q": "xinjiang", "report": str(report.uuid), "status": "open"}).content.decode()
    assert f'<option value="{report.uuid}" selected>{report.title}</option>' in body
    assert '<option value="open" selected>Open</option>' in body
    assert '<option value="" selected>All workspaces</option>' in body


def test_result_links_ask_for_the_typed_terms_and_phrases_to_be_marked(client, viewer, report):
    client.force_login(viewer)
    body = client.get(URL, {"q": 'Xinjiang "the SCO" or nothing -Tibet'}).content.decode()
    assert "?at=" + str(report.passages.first().uuid) + "&amp;mark=Xinjiang&amp;mark=the+SCO&amp;mark=nothing" in body


def test_result_links_carry_hostile_terms_encoded(client, viewer, report):
    client.force_login(viewer)
    body = client.get(URL, {"q": 'Xinjiang "<script>alert(1)</script>"'}).content.decode()
    assert "<script>alert" not in body


def test_search_page_belongs_to_the_workspace_searched_in(client, viewer, workspace, other_workspace, report):
    other_workspace.memberships.create(user=viewer, role="viewer")
    client.force_login(viewer)
    response = client.get(URL, {"q": "xinjiang", "workspace": workspace.slug})
    assert response.context["workspace"] == workspace


def test_search_page_belongs_to_the_only_workspace_of_its_user(client, viewer, workspace, report):
    client.force_login(viewer)
    response = client.get(URL, {"q": "xinjiang"})
    assert response.context["workspace"] == workspace


def test_search_in_all_of_several_workspaces_belongs_to_none(client, viewer, workspace, other_workspace, report):
    other_workspace.memberships.create(user=viewer, role="viewer")
    client.force_login(viewer)
    response = client.get(URL, {"q": "xinjiang"})
    assert response.context["workspace"] is None


def test_search_page_has_one_query_box(client, viewer, report):
    client.force_login(viewer)
    body = client.get(URL, {"q": "xinjiang"}).content.decode()
    assert body.count('type="search"') == 1


def test_the_top_bar_searches_the_workspace_it_is_in(client, viewer, workspace):
    client.force_login(viewer)
    body = client.get(reverse("annotations:report-list", args=[workspace.slug])).content.decode()
    assert f'<input type="hidden" name="workspace" value="{workspace.slug}">' in body
