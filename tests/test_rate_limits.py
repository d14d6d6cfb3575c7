"""Per-user write rate limits on comments and tags: past the limit a clear 429, nothing saved."""

from django.test import override_settings
from django.urls import reverse

from annotations.models import Comment, TaggedPassage
from tests.conftest import make_member

LIMITS = {"comment": 3, "tag": 4}


def htmx_post(client, name, uuid, data):
    return client.post(reverse(f"annotations:{name}", args=[uuid]), data, HTTP_HX_REQUEST="true")


@override_settings(WRITE_RATE_LIMITS=LIMITS)
def test_comments_past_the_limit_are_refused_with_a_clear_429(client, annotator, report):
    passage = report.passages.first()
    client.force_login(annotator)
    for i in range(3):
        assert htmx_post(client, "comment-create", passage.uuid, {"body": f"Comment {i}"}).status_code == 200
    refused = htmx_post(client, "comment-create", passage.uuid, {"body": "One too many"})
    assert refused.status_code == 429
    text = refused.content.decode()
    assert text.startswith("You are posting comments too fast: at most 3 a minute. Nothing was saved; try again in")
    assert 1 <= int(refused["Retry-After"]) <= 61
    assert Comment.objects.count() == 3

    # Replies and edits count too.
    thread = Comment.objects.first()
    assert htmx_post(client, "comment-reply", thread.uuid, {"body": "Reply"}).status_code == 429
    assert htmx_post(client, "comment-edit", thread.uuid, {"body": "Edited"}).status_code == 429
    thread.refresh_from_db()
    assert thread.body == "Comment 0"
    assert Comment.objects.count() == 3


@override_settings(WRITE_RATE_LIMITS=LIMITS)
def test_the_limit_is_per_user(client, annotator, workspace, report):
    passage = report.passages.first()
    client.force_login(annotator)
    for i in range(4):
        htmx_post(client, "comment-create", passage.uuid, {"body": f"Comment {i}"})
    other = make_member(workspace, "olga", "annotator")
    client.force_login(other)
    assert htmx_post(client, "comment-create", passage.uuid, {"body": "Mine"}).status_code == 200
    assert Comment.objects.filter(author=other).count() == 1


@override_settings(WRITE_RATE_LIMITS=LIMITS)
def test_tag_and_highlight_writes_past_the_limit_are_refused(client, annotator, report):
    passage = report.passages.first()
    client.force_login(annotator)
    for name in ["A", "B", "C"]:
        assert htmx_post(client, "passage-tag-add", passage.uuid, {"name": name}).status_code == 200
    tag_a = TaggedPassage.objects.get(tag__name="A").tag
    assert htmx_post(client, "passage-tag-remove", passage.uuid, {"tag": tag_a.uuid}).status_code == 200
    refused = htmx_post(client, "passage-tag-add", passage.uuid, {"name": "D"})
    assert refused.status_code == 429
    assert "You are changing tags and highlights too fast: at most 4 a minute." in refused.content.decode()
    assert htmx_post(client, "highlight-create", passage.uuid, {"start": 0, "end": 7}).status_code == 429
    assert sorted(TaggedPassage.objects.values_list("tag__name", flat=True)) == ["B", "C"]
    assert not passage.highlights.exists()

