"""Rendered passage fragments are cached under a per-passage annotation stamp: every kind of write
must raise it, or the reading view shows a stale passage. Each test reads the view first (so the
fragment is cached), writes one way, and reads again."""

import re
import uuid

import pytest
from django.core.cache import cache, caches
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse

from annotations import services
from annotations.models import Comment, Highlight, Passage, Tag, TaggedPassage
from annotations.views.fragments import fragment_key


def fragment(client, passage):
    """The passage's <article> as the reading view shows it now."""
    html = client.get(passage.report.get_absolute_url()).content.decode()
    match = re.search(rf'<article id="p-{passage.uuid}".*?</article>', html, re.S)
    assert match, "passage not on the page"
    return match.group(0)


@pytest.fixture
def first(reading_report):
    return reading_report.passages.get(order=1)


@pytest.fixture
def reader(client, annotator):
    client.force_login(annotator)
    return client


def test_reading_view_serves_fragments_from_the_cache(reader, first):
    before = fragment(reader, first)
    first.refresh_from_db()
    key = fragment_key(first, can_annotate=True)
    assert cache.get(key) is not None
    cache.set(key, cache.get(key).replace("Security", "From the cache"))
    assert "From the cache" in fragment(reader, first)
    assert "From the cache" not in before


def test_the_fragment_depends_on_the_role(client, viewer, annotator, first):
    client.force_login(annotator)
    assert ">Annotate<" in fragment(client, first)
    client.force_login(viewer)
    assert ">Details<" in fragment(client, first)


def test_tag_added_and_removed(reader, first, annotator):
    assert ">Border<" not in fragment(reader, first)
    tag = services.passage_add_tag(passage=first, name="Border", user=annotator)
    assert ">Border</a>" in fragment(reader, first)
    services.passage_remove_tag(passage=first, tag=tag)
    assert ">Border</a>" not in fragment(reader, first)


def test_tag_added_to_many_passages_at_once(reader, reading_report, first):
    second = reading_report.passages.get(order=2)
    fragment(reader, second)
    tag = services.tag_get_or_create(workspace=reading_report.workspace, name="Bulk")
    assert services.passages_add_tag(passages=[first, second], tag=tag) == 2
    assert ">Bulk</a>" in fragment(reader, first)
    assert ">Bulk</a>" in fragment(reader, second)


def test_highlight_created_and_deleted(reader, first, annotator):
    assert fragment(reader, first).count('data-u="') == 2
    highlight = services.highlight_create(passage=first, start=0, end=7, user=annotator, tags=["Opening"])
    after = fragment(reader, first)
    assert f'data-u="{highlight.uuid}">Opening</li>' in after
    assert after.count('data-u="') == 3
    highlight.delete()
    assert str(highlight.uuid) not in fragment(reader, first)


def test_highlight_tag_renamed_and_recoloured(reader, first):
    assert '--hl:#6b7280' in fragment(reader, first)
    tag = Tag.objects.get(name="Security")
    tag.name, tag.color = "Hard security", "#b91c1c"
    tag.save()
    after = fragment(reader, first)
    assert '--hl:#b91c1c' in after
    assert ">Hard security</li>" in after


def test_comment_created_deleted_and_resolved(reader, first, annotator):
    assert "3 comments" in fragment(reader, first)
    comment = services.comment_create(passage=first, author=annotator, body="Another")
    assert "4 comments" in fragment(reader, first)
    services.comment_delete(comment=comment)
    assert "3 comments" in fragment(reader, first)
    assert "has-open" in fragment(reader, first)
    services.comments_resolve(comments=Comment.objects.filter(passage=first, parent=None))
    assert "has-open" not in fragment(reader, first)


def test_source_link_created_and_deleted(reader, first, annotator, workspace):
    assert "1 source<" in fragment(reader, first)
    source, _ = services.source_get_or_create(workspace=workspace, url="https://example.org/new", title="New")
    link, _ = services.source_link_create(passage=first, source=source, user=annotator)
    assert "2 sources" in fragment(reader, first)
    link.delete()
    assert "1 source<" in fragment(reader, first)


def test_status_changed(reader, first):
    assert "badge-flagged" not in fragment(reader, first)
    services.passage_set_status(passage=first, status="flagged")
    assert 'class="badge badge-flagged"' in fragment(reader, first)


def test_tags_merged(reader, reading_report, first):
    second = reading_report.passages.get(order=2)
    assert ">Energy</a>" in fragment(reader, second)
    services.tags_merge(survivor=Tag.objects.get(name="Security"), merged=[Tag.objects.get(name="Energy")])
    after = fragment(reader, second)
    assert ">Energy</a>" not in after
    assert ">Security</a>" in after


def test_note_text_edited(reader, reading_report, first):
    note = reading_report.passages.get(kind=Passage.Kind.NOTE)
    assert "The note&#x27;s text." in fragment(reader, first)
    note.text = "A corrected note."
    note.save()
    assert "A corrected note." in fragment(reader, first)


def test_fixture_import(reader, reading_report, first, tmp_path):
    """import_fixture writes in bulk (no signals): it raises the stamps itself."""
    path = tmp_path / "share.json"
    call_command("export_fixture", "--all", "-o", str(path))
    TaggedPassage.objects.filter(content_object=first).delete()
    assert ">Security</a>" not in fragment(reader, first)
    call_command("import_fixture", str(path), stdout=open("/dev/null", "w"))
    assert ">Security</a>" in fragment(reader, first)


def test_admin_edits(reader, first, admin_client):
    """The admin saves through the models: its edits of passages, tags and highlights count too."""
    assert "badge-approved" not in fragment(reader, first)
    tag = Tag.objects.get(name="Security")
    response = admin_client.post(
        reverse("admin:annotations_tag_change", args=[tag.pk]),
        {"workspace": tag.workspace_id, "name": "Admin-renamed", "description": "", "color": "#15803d"},
    )
    assert response.status_code == 302, response.content[:2000]
    after = fragment(reader, first)
    assert ">Admin-renamed</a>" in after
    assert "--hl:#15803d" in after
    highlight = Highlight.objects.filter(passage=first).first()
    response = admin_client.post(
        reverse("admin:annotations_highlight_delete", args=[highlight.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert str(highlight.uuid) not in fragment(reader, first)


def test_fresh_fragment_after_a_write_is_cached_for_the_next_reader(reader, first):
    """The htmx write answers with the fragment out of band; the next reading view reuses it."""
    reader.post(
        reverse("annotations:passage-tag-add", args=[first.uuid]),
        {"name": "Prepared"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_CURRENT_URL="http://testserver" + first.report.get_absolute_url(),
    )
    first.refresh_from_db()
    assert ">Prepared</a>" in cache.get(fragment_key(first, can_annotate=True))


REDIS_CACHE = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:6379/14",
        "KEY_PREFIX": f"i14-test-{uuid.uuid4().hex[:8]}",
    }
}


def redis_available():
    try:
        import redis

        return redis.Redis.from_url(REDIS_CACHE["default"]["LOCATION"], socket_connect_timeout=1).ping()
    except Exception:
        return False


@pytest.mark.skipif(not redis_available(), reason="no Redis at 127.0.0.1:6379 (.ci/run starts one)")
def test_redis_cache_serves_and_invalidates_fragments(reader, first, annotator):
    with override_settings(CACHES=REDIS_CACHE):
        try:
            assert "RedisCache" in type(caches["default"]).__name__
            assert ">Redis-tag<" not in fragment(reader, first)
            first.refresh_from_db()
            assert caches["default"].get(fragment_key(first, can_annotate=True)) is not None
            services.passage_add_tag(passage=first, name="Redis-tag", user=annotator)
            assert ">Redis-tag</a>" in fragment(reader, first)
        finally:
            caches["default"].clear()
