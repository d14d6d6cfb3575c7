"""Conditional GET: the reading view, its chunks and the passage panel send an ETag derived from
the passages' annotation stamps and answer 304 while nothing they show has changed; and writes
answer lightly (their panel section and the passage), in a fixed number of queries."""

import pytest
from django.contrib.messages import constants
from django.contrib.messages.storage.cookie import CookieStorage
from django.urls import reverse

from annotations import services
from annotations.models import Tag


@pytest.fixture
def first(reading_report):
    return reading_report.passages.get(order=1)


def urls(report, passage):
    return {
        "reading view": report.get_absolute_url(),
        "chunk": reverse("annotations:report-passages", args=[report.uuid]) + "?offset=0",
        "panel": reverse("annotations:passage-panel", args=[passage.uuid]),
    }


@pytest.mark.parametrize("page", ["reading view", "chunk", "panel"])
def test_unchanged_pages_answer_304_in_few_queries(
    client, annotator, reading_report, first, page, django_assert_max_num_queries
):
    client.force_login(annotator)
    url = urls(reading_report, first)[page]
    response = client.get(url)
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-cache"
    etag = response["ETag"]
    with django_assert_max_num_queries(10):
        again = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again["ETag"] == etag
    assert again.content == b""
    # A list of ETags, weak or strong, as browsers and proxies send them.
    assert client.get(url, HTTP_IF_NONE_MATCH=f'"other", W/{etag}').status_code == 304


@pytest.mark.parametrize("page", ["reading view", "chunk", "panel"])
@pytest.mark.parametrize(
    "write",
    [
        lambda p, user: services.passage_add_tag(passage=p, name="Fresh", user=user),
        lambda p, user: services.highlight_create(passage=p, start=0, end=4, user=user, tags=["Fresh"]),
        lambda p, user: services.comment_create(passage=p, author=user, body="Fresh"),
        lambda p, user: services.passage_set_status(passage=p, status="flagged"),
    ],
    ids=["tag", "highlight", "comment", "status"],
)
def test_a_write_changes_the_etag(client, annotator, reading_report, first, page, write):
    client.force_login(annotator)
    url = urls(reading_report, first)[page]
    before = client.get(url)
    write(first, annotator)
    response = client.get(url, HTTP_IF_NONE_MATCH=before["ETag"])
    assert response.status_code == 200
    assert response["ETag"] != before["ETag"]
    assert response.content != before.content


def test_the_codebook_is_part_of_the_reading_view_and_panel_etags(client, annotator, reading_report, first):
    client.force_login(annotator)
    etags = {name: client.get(url)["ETag"] for name, url in urls(reading_report, first).items()}
    Tag.objects.create(workspace=reading_report.workspace, name="Brand new code")
    for name in ("reading view", "panel"):
        response = client.get(urls(reading_report, first)[name], HTTP_IF_NONE_MATCH=etags[name])
        assert response.status_code == 200
        assert b"Brand new code" in response.content


def test_another_readers_etag_is_not_theirs(client, annotator, viewer, reading_report):
    client.force_login(annotator)
    etag = client.get(reading_report.get_absolute_url())["ETag"]
    client.force_login(viewer)
    response = client.get(reading_report.get_absolute_url(), HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200
    assert b">Details<" in response.content


def test_pending_messages_get_the_full_page(client, annotator, reading_report, rf):
    client.force_login(annotator)
    url = reading_report.get_absolute_url()
    etag = client.get(url)["ETag"]
    request = rf.get("/")
    storage = CookieStorage(request)
    storage.add(constants.SUCCESS, "Imported the report.")
    response = client.get(url)
    storage.update(response)
    client.cookies["messages"] = response.cookies["messages"].value
    response = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200
    assert b"Imported the report." in response.content


def htmx_post(client, name, passage, data):
    return client.post(
        reverse(f"annotations:{name}", args=[passage.uuid]),
        data,
        HTTP_HX_REQUEST="true",
        HTTP_HX_CURRENT_URL="http://testserver" + passage.report.get_absolute_url(),
    )


@pytest.mark.parametrize("tags", [1, 3])
def test_a_tag_write_answers_with_the_tags_section_in_fixed_queries(
    client, annotator, first, tags, django_assert_max_num_queries
):
    for i in range(tags):
        services.passage_add_tag(passage=first, name=f"Existing {i}", user=annotator)
    known = Tag.objects.create(workspace=first.report.workspace, name="Known")
    client.force_login(annotator)
    with django_assert_max_num_queries(20):  # fixed whatever the tags: validation, latest-version check, history row
        response = htmx_post(client, "passage-tag-add", first, {"name": "Known"})
    html = response.content.decode()
    assert response.status_code == 200
    assert html.startswith('<section class="panel-section" id="panel-tags"')
    assert html.count(">Known</span>") == 1
    assert html.count(">Known</a>") == 1  # the panel chip, the passage's chip
    assert 'id="panel-comments"' not in html
    assert 'id="panel-highlights"' not in html
    assert f'<article id="p-{first.uuid}" hx-swap-oob="true"' in html
    with django_assert_max_num_queries(20):
        response = htmx_post(client, "passage-tag-remove", first, {"tag": str(known.uuid)})
    assert response.status_code == 200
    assert ">Known</span>" not in response.content.decode()


@pytest.mark.parametrize("tags", ["Alpha", "Alpha, Beta, Gamma"])
def test_a_new_highlight_answers_with_its_list_item_in_fixed_queries(
    client, annotator, first, tags, django_assert_max_num_queries
):
    for name in ("Alpha", "Beta", "Gamma"):
        Tag.objects.create(workspace=first.report.workspace, name=name)
    client.force_login(annotator)
    with django_assert_max_num_queries(16):  # the same for one tag or three (their history rows in one insert)
        response = htmx_post(client, "highlight-create", first, {"start": 0, "end": 7, "tags": tags})
    html = response.content.decode()
    assert response.status_code == 200
    assert html.startswith('<li class="highlight-item selected"')
    assert response["HX-Retarget"] == "#highlight-list"
    assert response["HX-Reswap"] == "beforeend"
    assert html.count('<li class="highlight-item') == 1
    assert html.count('class="chip small"') == tags.count(",") + 1
    assert 'id="panel-tags"' not in html
    assert 'id="panel-comments"' not in html
    assert f'<article id="p-{first.uuid}" hx-swap-oob="true"' in html
    assert html.count('data-u="') == 3


def test_the_first_highlight_of_a_passage_answers_with_the_whole_section(client, annotator, reading_report):
    second = reading_report.passages.get(order=2)
    client.force_login(annotator)
    response = htmx_post(client, "highlight-create", second, {"start": 0, "end": 7})
    html = response.content.decode()
    assert html.startswith('<section class="panel-section" id="panel-highlights"')
    assert "HX-Retarget" not in response
    assert 'class="highlight-item selected"' in html


def test_a_highlight_with_a_comment_also_sends_the_comments_section(client, annotator, first):
    client.force_login(annotator)
    response = htmx_post(client, "highlight-create", first, {"start": 0, "end": 7, "comment": "Why *this*?"})
    html = response.content.decode()
    assert 'id="panel-comments" aria-labelledby="panel-comments-h" hx-swap-oob="true">' in html
    assert "<em>this</em>" in html


def test_a_refused_write_shows_its_message_in_the_section(client, annotator, first):
    client.force_login(annotator)
    response = htmx_post(client, "highlight-create", first, {"start": 5, "end": 500})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'class="error" role="alert">The selection 5–500 is outside' in html
    assert "hx-swap-oob" not in html  # nothing changed, so no passage to replace
