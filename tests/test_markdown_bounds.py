"""Comment Markdown is bounded (markup, nesting) and rendered once per version of the text."""

import hashlib

from django.core.cache import cache
from django.urls import reverse

from annotations.markdown import MAX_MARKUP, MAX_NESTING, render_markdown
from annotations.models import Comment
from bench.hostile_files import expensive_comment


def test_a_body_with_too_much_markup_is_shown_as_plain_text():
    html = render_markdown(expensive_comment(2 * MAX_MARKUP + 2))
    assert html.startswith("<p>*[*[")
    assert "<a" not in html
    assert "<em>" not in html


def test_ordinary_markup_is_still_formatted():
    assert render_markdown("Is this **right**? See [the charter](https://example.org/sco).") == (
        '<p>Is this <strong>right</strong>? See <a href="https://example.org/sco" '
        'rel="noopener noreferrer nofollow">the charter</a>.</p>\n'
    )


def test_plain_text_fallback_is_escaped():
    html = render_markdown("<script>alert(1)</script>" + "[" * MAX_MARKUP)
    assert "<script" not in html
    assert "&lt;script&gt;" in html


def test_nesting_stops_at_the_limit():
    html = render_markdown(">" * (MAX_NESTING * 3) + " deep")
    assert 0 < html.count("<blockquote>") <= MAX_NESTING


def test_each_version_of_a_text_is_rendered_once_then_served_from_the_cache():
    body = "A *fresh* comment body for the cache test."
    key = "markdown:v1:" + hashlib.sha256(body.encode()).hexdigest()
    cache.delete(key)
    assert render_markdown(body) == "<p>A <em>fresh</em> comment body for the cache test.</p>\n"
    assert cache.get(key) == render_markdown(body)
    edited = body + " Edited."
    assert "Edited." in render_markdown(edited)


def test_panel_with_sixteen_hostile_comments_renders_them_as_text(
    client, annotator, report, django_assert_max_num_queries
):
    passage = report.passages.first()
    # Written past the service's checks, as an old database or a fixture could hold them.
    Comment.objects.bulk_create(
        Comment(passage=passage, author=annotator, body=expensive_comment(20_000)) for _ in range(16)
    )
    client.force_login(annotator)
    with django_assert_max_num_queries(20):
        response = client.get(reverse("annotations:passage-panel", args=[passage.uuid]))
    assert response.status_code == 200
    assert response.content.decode().count('<div class="comment-body"><p>*[*[*[') == 16
