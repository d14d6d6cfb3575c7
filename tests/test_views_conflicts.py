"""Two people editing the same passage status or comment: the second save is refused with a 409
that carries the conflict message and the current state, and nothing is overwritten."""

import pytest
from django.urls import reverse

from annotations import services
from annotations.models import Comment, Passage


def url(name, obj):
    return reverse(f"annotations:{name}", args=[obj.uuid])


def htmx_post(client, name, obj, data):
    return client.post(url(name, obj), data, headers={"HX-Request": "true"})


@pytest.fixture
def passage(reading_report):
    return reading_report.passages.get(order=1)


@pytest.fixture
def own_comment(passage, annotator):
    return services.comment_create(passage=passage, author=annotator, body="First draft of my comment")


def test_panel_forms_carry_the_version_they_were_rendered_from(client, curator, own_comment, passage):
    client.force_login(curator)
    html = client.get(url("passage-panel", passage)).content.decode()
    assert f'<input type="hidden" name="version" value="{passage.version}">' in html
    assert f'<input type="hidden" name="version" value="{own_comment.version}">' in html


def test_status_change_on_a_stale_version_is_a_409_with_the_current_status(client, curator, passage):
    services.passage_set_status(passage=passage, status="flagged")  # someone else, meanwhile
    client.force_login(curator)
    response = htmx_post(client, "passage-status", passage, {"status": "approved", "version": 1})
    assert response.status_code == 409
    html = response.content.decode()
    assert "changed by someone else while you were editing it" in html
    assert 'value="flagged" class="status-choice status-flagged" aria-pressed="true"' in html
    assert '<input type="hidden" name="version" value="2">' in html  # the next try works from here
    passage.refresh_from_db()
    assert (passage.status, passage.version) == ("flagged", 2)


def test_status_change_on_the_current_version_succeeds(client, curator, passage):
    client.force_login(curator)
    response = htmx_post(client, "passage-status", passage, {"status": "approved", "version": 1})
    assert response.status_code == 200
    assert b'role="alert"' not in response.content
    assert Passage.objects.get(pk=passage.pk).status == "approved"


def test_comment_edit_on_a_stale_version_is_a_409_and_keeps_the_other_edit(client, annotator, own_comment):
    stale = own_comment.version
    services.comment_edit(comment=own_comment, body="Edited in another tab")
    client.force_login(annotator)
    response = htmx_post(client, "comment-edit", own_comment, {"body": "My late edit", "version": stale})
    assert response.status_code == 409
    html = response.content.decode()
    assert "This comment was changed by someone else" in html
    assert "Edited in another tab" in html
    assert Comment.objects.get(pk=own_comment.pk).body == "Edited in another tab"


def test_comment_edit_on_the_current_version_succeeds(client, annotator, own_comment):
    client.force_login(annotator)
    response = htmx_post(client, "comment-edit", own_comment, {"body": "Better", "version": own_comment.version})
    assert response.status_code == 200
    assert Comment.objects.get(pk=own_comment.pk).body == "Better"


def test_a_plain_form_post_that_conflicts_gets_the_passage_page_with_a_409(client, curator, passage):
    services.passage_set_status(passage=passage, status="in_review")
    client.force_login(curator)
    response = client.post(url("passage-status", passage), {"status": "approved", "version": 1})
    assert response.status_code == 409
    assert b"<html" in response.content
    assert b"changed by someone else" in response.content
    assert Passage.objects.get(pk=passage.pk).status == "in_review"


def test_other_refusals_stay_ordinary_answers(client, annotator, passage):
    client.force_login(annotator)
    response = htmx_post(client, "comment-create", passage, {"body": "x" * 20_001})
    assert response.status_code == 200
    assert b"at most 20,000 characters" in response.content
