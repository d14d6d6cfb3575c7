import re

import pytest
from django.test import Client
from django.urls import reverse

from annotations import services
from annotations.models import Comment, Highlight, Passage, Source, SourceLink, TaggedPassage
from tests.conftest import make_annotated_report


@pytest.fixture
def passage(reading_report):
    return reading_report.passages.get(order=1)


def url(name, obj):
    return reverse(f"annotations:{name}", args=[obj.uuid])


def htmx_post(client, name, obj, data=None, page=""):
    """A post as htmx sends it from `page` (the URL of the page the panel is on)."""
    return client.post(url(name, obj), data or {}, headers={"HX-Request": "true", "HX-Current-URL": page})


def reading_page(passage):
    return "http://testserver" + passage.report.get_absolute_url() + "?tag=Security"


def test_panel_shows_tags_highlights_threads_and_sources(client, annotator, passage):
    client.force_login(annotator)
    html = client.get(url("passage-panel", passage)).content.decode()
    assert f'data-panel-passage="{passage.uuid}"' in html
    assert ">Security</span>" in html
    assert "Remove tag Security" in html
    assert "<strong>right</strong>" in html
    assert "Yes." in html
    assert "SCO charter" in html
    assert "(note 1)" in html
    assert html.count('class="highlight-item') == 2
    assert '<datalist id="panel-codebook">' in html
    assert "<html" not in html


def test_passage_page_includes_the_panel(client, viewer, passage):
    client.force_login(viewer)
    response = client.get(url("passage-detail", passage))
    assert b"<html" in response.content
    assert b'data-panel-passage="' in response.content


def test_viewers_see_the_panel_without_controls(client, viewer, passage):
    client.force_login(viewer)
    html = client.get(url("passage-panel", passage)).content.decode()
    assert "Remove tag" not in html
    assert 'name="body"' not in html
    assert "Link a source" not in html


def test_panel_opens_on_a_highlight(client, viewer, passage):
    highlight = passage.highlights.first()
    client.force_login(viewer)
    response = client.get(url("passage-panel", passage), {"highlight": str(highlight.uuid)})
    assert response.context["selected_highlight"] == highlight


def test_adding_a_tag_returns_the_panel_and_the_updated_passage(client, annotator, passage):
    client.force_login(annotator)
    response = htmx_post(client, "passage-tag-add", passage, {"name": "  border   disputes "}, reading_page(passage))
    assert response.status_code == 200
    assert passage.tags.filter(name="border disputes").exists()
    html = response.content.decode()
    assert f'<article id="p-{passage.uuid}"' in html
    assert 'hx-swap-oob="true"' in html
    assert html.count(">border disputes<") == 2  # panel chip and reading-view chip


def test_the_passage_page_gets_no_out_of_band_passage(client, annotator, passage):
    client.force_login(annotator)
    page = "http://testserver" + url("passage-detail", passage)
    response = htmx_post(client, "passage-tag-add", passage, {"name": "Energy"}, page)
    assert b"hx-swap-oob" not in response.content
    assert b">Energy</span>" in response.content


def test_adding_a_tag_matches_the_codebook_case_insensitively(client, annotator, passage):
    client.force_login(annotator)
    htmx_post(client, "passage-tag-add", passage, {"name": "ENERGY"})
    assert [t.name for t in passage.tags.order_by("name")] == ["Energy", "Security"]


def test_a_blank_tag_is_refused_with_a_message(client, annotator, passage):
    client.force_login(annotator)
    response = htmx_post(client, "passage-tag-add", passage, {"name": "   "})
    assert response.context["error"] == "Type the name of a tag."


def test_without_htmx_a_change_redirects_to_the_passage_page(client, annotator, passage):
    client.force_login(annotator)
    response = client.post(url("passage-tag-add", passage), {"name": "Energy"})
    assert response.status_code == 302
    assert response["Location"] == url("passage-detail", passage)


def test_annotators_remove_their_own_tags_but_not_others(client, annotator, curator, passage):
    energy = services.passage_add_tag(passage=passage, name="Energy", user=curator)
    security = passage.tags.get(name="Security")
    client.force_login(annotator)
    htmx_post(client, "passage-tag-remove", passage, {"tag": str(security.uuid)})
    response = htmx_post(client, "passage-tag-remove", passage, {"tag": str(energy.uuid)})
    assert response.status_code == 403  # as for someone else's comment, highlight or source link
    assert [t.name for t in passage.tags.all()] == ["Energy"]


def test_curators_remove_anyones_tags(client, curator, passage):
    client.force_login(curator)
    htmx_post(client, "passage-tag-remove", passage, {"tag": str(passage.tags.get(name="Security").uuid)})
    assert not TaggedPassage.objects.filter(content_object=passage).exists()


def test_only_curators_set_status(client, annotator, curator, passage):
    client.force_login(annotator)
    assert htmx_post(client, "passage-status", passage, {"status": "approved", "version": 1}).status_code == 403
    client.force_login(curator)
    response = htmx_post(client, "passage-status", passage, {"status": "approved", "version": 1}, reading_page(passage))
    passage.refresh_from_db()
    assert passage.status == "approved"
    assert passage.version == 2
    assert b'class="badge badge-approved"' in response.content


def test_a_stale_status_change_is_refused(client, curator, passage):
    services.passage_set_status(passage=passage, status="flagged")
    client.force_login(curator)
    response = htmx_post(client, "passage-status", passage, {"status": "approved", "version": 1})
    assert "changed by someone else" in response.context["error"]
    passage.refresh_from_db()
    assert passage.status == "flagged"


def test_comment_thread_reply_resolve_and_reopen(client, annotator, passage):
    client.force_login(annotator)
    htmx_post(client, "comment-create", passage, {"body": "Which **treaty**?"})
    thread = Comment.objects.get(body="Which **treaty**?")
    htmx_post(client, "comment-reply", thread, {"body": "The 2001 one."})
    assert thread.replies.get().body == "The 2001 one."
    htmx_post(client, "comment-resolve", thread, {"resolved": "1"})
    thread.refresh_from_db()
    assert thread.resolved
    response = htmx_post(client, "comment-resolve", thread, {"resolved": "0"})
    thread.refresh_from_db()
    assert not thread.resolved
    assert b"<strong>treaty</strong>" in response.content


def test_comment_markdown_is_sanitised(client, annotator, passage):
    client.force_login(annotator)
    body = '<script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror="alert(2)"> [ok](https://e.org)'
    html = htmx_post(client, "comment-create", passage, {"body": body}).content.decode()
    assert "<script>alert" not in html
    assert 'href="javascript' not in html
    assert "<img" not in html
    assert '<a href="https://e.org" rel="noopener noreferrer nofollow">ok</a>' in html


def test_empty_comment_is_refused(client, annotator, passage):
    client.force_login(annotator)
    response = htmx_post(client, "comment-create", passage, {"body": "  "})
    assert response.context["error"]
    assert not Comment.objects.filter(body="").exists()


def test_authors_edit_and_delete_their_comments_others_cannot(client, annotator, curator, workspace, passage):
    from tests.conftest import make_member

    other = make_member(workspace, "olaf", "annotator")
    comment = Comment.objects.get(body="Is this **right**?")
    client.force_login(other)
    assert htmx_post(client, "comment-edit", comment, {"body": "Hijacked"}).status_code == 403
    assert htmx_post(client, "comment-delete", comment).status_code == 403
    client.force_login(annotator)
    htmx_post(client, "comment-edit", comment, {"body": "Is this *right*?", "version": comment.version})
    comment.refresh_from_db()
    assert comment.body == "Is this *right*?"
    assert comment.edited_at is not None
    client.force_login(curator)
    response = htmx_post(client, "comment-delete", comment)
    comment.refresh_from_db()
    assert comment.is_deleted
    assert b"This comment was deleted." in response.content


def test_a_stale_comment_edit_is_refused(client, annotator, passage):
    comment = Comment.objects.get(body="Is this **right**?")
    client.force_login(annotator)
    response = htmx_post(client, "comment-edit", comment, {"body": "New", "version": comment.version + 5})
    assert "changed by someone else" in response.context["error"]


def test_linking_an_existing_source(client, annotator, passage):
    source = Source.objects.get()
    client.force_login(annotator)
    htmx_post(
        client, "sourcelink-create", passage, {"source": str(source.uuid), "relation": "supports", "kind": "other"}
    )
    assert passage.source_links.filter(source=source, relation="supports").exists()


def test_linking_a_new_source_reuses_a_source_with_the_same_url(client, annotator, passage):
    client.force_login(annotator)
    data = {"url": "https://Example.org/sco/", "title": "Dup", "relation": "context", "kind": "academic"}
    htmx_post(client, "sourcelink-create", passage, data)
    assert Source.objects.count() == 1
    data = {"url": "https://news.example/a", "title": "News", "relation": "contradicts", "kind": "news", "note": "n"}
    htmx_post(client, "sourcelink-create", passage, {**data, "footnote": "1", "published_on": "2015-03-01"})
    link = SourceLink.objects.get(relation="contradicts")
    assert (link.source.title, link.source.kind, link.footnote, link.added_by.username) == ("News", "news", "1", "anna")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"relation": "cites", "kind": "other"}, "Pick an existing source"),
        ({"url": "ftp://x.org/a", "title": "T", "relation": "cites", "kind": "other"}, "Enter a valid URL."),
        ({"url": "https://x.org/a", "relation": "cites", "kind": "other"}, "A new source needs a title."),
    ],
)
def test_invalid_source_links_are_refused(client, annotator, passage, data, message):
    client.force_login(annotator)
    response = htmx_post(client, "sourcelink-create", passage, data)
    assert message in response.context["error"]
    assert SourceLink.objects.count() == 1
    assert Source.objects.count() == 1


def test_a_source_of_another_workspace_cannot_be_linked(client, annotator, passage, other_workspace):
    foreign, _ = services.source_get_or_create(workspace=other_workspace, url="https://secret.example", title="S")
    client.force_login(annotator)
    response = htmx_post(
        client, "sourcelink-create", passage, {"source": str(foreign.uuid), "kind": "other", "relation": "cites"}
    )
    assert response.context["error"]
    assert not foreign.links.exists()


def test_source_links_are_removed_by_their_author_or_a_curator(client, annotator, workspace, passage):
    from tests.conftest import make_member

    link = SourceLink.objects.get()
    client.force_login(make_member(workspace, "olaf", "annotator"))
    assert htmx_post(client, "sourcelink-delete", link).status_code == 403
    client.force_login(annotator)
    htmx_post(client, "sourcelink-delete", link)
    assert not SourceLink.objects.exists()


def test_highlight_offsets_are_code_points(client, annotator, passage):
    client.force_login(annotator)
    start = passage.text.index("🚀")
    response = htmx_post(
        client, "highlight-create", passage, {"start": start, "end": start + 4, "tags": "Tech, Security"}
    )
    highlight = Highlight.objects.get(start=start)
    assert highlight.exact == "🚀 in"
    assert highlight.prefix.endswith("role ")
    assert sorted(t.name for t in highlight.tags.all()) == ["Security", "Tech"]
    assert response.context["selected_highlight"] == highlight


def test_a_highlight_with_a_comment_starts_a_thread_on_it(client, annotator, passage):
    client.force_login(annotator)
    htmx_post(client, "highlight-create", passage, {"start": 0, "end": 7, "comment": "Why?"})
    assert Comment.objects.get(body="Why?").highlight.exact == "Passage"


@pytest.mark.parametrize("span", [{"start": 5, "end": 500}, {"start": 5, "end": 5}, {"start": "x", "end": 2}])
def test_bad_highlight_spans_are_refused(client, annotator, passage, span):
    client.force_login(annotator)
    response = htmx_post(client, "highlight-create", passage, span)
    assert response.context["error"]
    assert Highlight.objects.count() == 2


def test_highlights_are_deleted_by_their_author_or_a_curator(client, viewer, annotator, passage):
    highlight = passage.highlights.first()
    client.force_login(viewer)
    assert htmx_post(client, "highlight-delete", highlight).status_code == 403
    client.force_login(annotator)
    htmx_post(client, "highlight-delete", highlight)
    assert not Highlight.objects.filter(pk=highlight.pk).exists()


def test_history_lists_who_did_what(client, viewer, curator, passage):
    services.passage_set_status(passage=passage, status="in_review")
    comment = Comment.objects.get(body="Yes.")
    services.comment_edit(comment=comment, body="Yes, see note 1.")
    client.force_login(viewer)
    response = client.get(url("passage-history", passage))
    whats = [e["what"] for e in response.context["entries"]]
    assert "changed the passage (status in_review)" in whats
    assert "created a comment" in whats
    assert "changed a reply" in whats
    assert "tagged Security" in whats
    assert "created a source link (cites SCO charter)" in whats
    assert any(e["detail"] == "body, edited at" for e in response.context["entries"])


def test_viewers_cannot_write(client, viewer, passage):
    client.force_login(viewer)
    comment = Comment.objects.filter(parent=None).first()
    for name, obj, data in [
        ("passage-tag-add", passage, {"name": "X"}),
        ("passage-tag-remove", passage, {"tag": "security"}),
        ("passage-status", passage, {"status": "approved", "version": 1}),
        ("comment-create", passage, {"body": "x"}),
        ("comment-reply", comment, {"body": "x"}),
        ("comment-resolve", comment, {"resolved": "1"}),
        ("comment-edit", comment, {"body": "x"}),
        ("comment-delete", comment, {}),
        ("highlight-create", passage, {"start": 0, "end": 3}),
        (
            "sourcelink-create",
            passage,
            {"url": "https://a.example", "title": "A", "kind": "other", "relation": "cites"},
        ),
        ("sourcelink-delete", SourceLink.objects.get(), {}),
    ]:
        assert htmx_post(client, name, obj, data).status_code == 403, name
    assert Comment.objects.count() == 3
    assert passage.tags.count() == 1


def test_outsiders_get_404_on_every_write(client, outsider, passage):
    client.force_login(outsider)
    comment = Comment.objects.filter(parent=None).first()
    for name, obj in [
        ("passage-tag-add", passage),
        ("passage-status", passage),
        ("comment-create", passage),
        ("comment-reply", comment),
        ("comment-delete", comment),
        ("highlight-create", passage),
        ("highlight-delete", passage.highlights.first()),
        ("sourcelink-create", passage),
        ("sourcelink-delete", SourceLink.objects.get()),
    ]:
        assert htmx_post(client, name, obj, {"name": "x", "body": "x"}).status_code == 404, name


def test_every_post_requires_a_csrf_token(curator, passage):
    client = Client(enforce_csrf_checks=True)
    client.force_login(curator)
    comment = Comment.objects.filter(parent=None).first()
    targets = [
        reverse("annotations:report-upload", args=["central-asia"]),
        *(url(n, passage) for n in ("passage-tag-add", "passage-tag-remove", "passage-status", "comment-create")),
        *(url(n, passage) for n in ("highlight-create", "sourcelink-create")),
        *(url(n, comment) for n in ("comment-reply", "comment-edit", "comment-delete", "comment-resolve")),
        url("highlight-delete", passage.highlights.first()),
        url("sourcelink-delete", SourceLink.objects.get()),
        reverse("logout"),
        reverse("password_change"),
    ]
    for target in targets:
        assert client.post(target, {"name": "x", "body": "x"}).status_code == 403, target
    assert Comment.objects.count() == 3


def test_writes_are_get_proof(client, curator, passage):
    client.force_login(curator)
    assert client.get(url("passage-tag-add", passage)).status_code == 405


@pytest.mark.parametrize("size", [20, 500])
def test_panel_query_count_does_not_grow_with_the_report(client, annotator, workspace, size, within_budget):
    report = make_annotated_report(workspace, annotator, passages=size, title=f"R{size}")
    passage = report.passages.get(order=1)
    client.force_login(annotator)
    last = f"Comment {size // 10 - 1}"
    for i in range(size // 10):
        services.comment_create(passage=passage, author=annotator, body=f"Comment {i}")
    within_budget(
        14, client.get, url("passage-panel", passage), shows=[last, "SCO charter", "Overlapping <em>span</em>"]
    )
    within_budget(16, client.get, url("passage-detail", passage), shows=[last, "SCO charter"])
    response = within_budget(8, client.get, url("passage-history", passage), shows="tagged Security")
    assert len(response.context["entries"]) >= size // 10
    tag_add = url("passage-tag-add", passage)
    within_budget(30, client.post, tag_add, {"name": "Nuclear"}, headers={"HX-Request": "true"}, shows="Nuclear")
    assert Passage.objects.filter(report=report).count() == size


def test_malformed_or_foreign_highlight_ids_are_404(client, annotator, passage, workspace):
    other = make_annotated_report(workspace, annotator, passages=3, title="Other").passages.get(order=1)
    foreign = other.highlights.first()
    client.force_login(annotator)
    for value in ["not-a-uuid", str(foreign.uuid)]:
        assert client.get(url("passage-panel", passage), {"highlight": value}).status_code == 404
        assert htmx_post(client, "comment-create", passage, {"body": "x", "highlight": value}).status_code == 404


def test_a_comment_can_start_a_thread_on_a_highlight(client, annotator, passage):
    highlight = passage.highlights.first()
    client.force_login(annotator)
    assert f'name="highlight" value="{highlight.uuid}"' in client.get(url("passage-panel", passage)).content.decode()
    htmx_post(client, "comment-create", passage, {"body": "On the span", "highlight": str(highlight.uuid)})
    assert Comment.objects.get(body="On the span").highlight == highlight


def test_panel_forms_inherit_their_target(client, annotator, passage):
    """The panel says once where its forms answer (#panel), the tags and highlights sections once
    that they answer in place; only a highlight's comment and delete forms (which change the
    threads too) name the whole panel themselves."""
    client.force_login(annotator)
    html = client.get(url("passage-panel", passage)).content.decode()
    assert html.count('hx-target="#panel"') == 1 + 2 * passage.highlights.count()
    assert html.count('hx-target="this" hx-swap="outerHTML"') == 2


def test_panel_fields_come_from_the_forms(client, annotator, passage):
    from annotations.forms import HighlightForm, SourceLinkForm, TagAddForm

    def field(name, max_length):
        return re.search(rf'<input[^>]*name="{name}"[^>]*maxlength="{max_length}"', html)

    client.force_login(annotator)
    html = client.get(url("passage-panel", passage)).content.decode()
    assert field("name", TagAddForm.base_fields["name"].max_length)
    assert field("tags", HighlightForm.base_fields["tags"].max_length)
    assert field("title", SourceLinkForm.base_fields["title"].max_length)
    assert '<option value="context">gives context to</option>' in html
    assert '<option value="other" selected>Other</option>' in html


def test_status_buttons_come_from_the_status_choices(client, curator, passage):
    client.force_login(curator)
    html = client.get(url("passage-panel", passage)).content.decode()
    for value, label in Passage.Status.choices:
        assert f'name="status" value="{value}"' in html
        assert f">{label}" in html
    assert html.count('aria-pressed="true"') == 1


def test_a_status_change_offers_to_undo_it(client, curator, passage):
    client.force_login(curator)
    html = htmx_post(
        client, "passage-status", passage, {"status": "flagged", "version": passage.version}
    ).content.decode()
    assert "Status set to Flagged." in html
    assert 'name="status" value="open" class="act">Undo (back to Open)</button>' in html
