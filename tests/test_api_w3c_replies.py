"""Replies through the W3C container: an annotation with `motivation: replying` whose target is a
comment's annotation becomes a reply in that comment's thread, and comes back out (container,
JSON-LD export) the same way: `replying`, targeting the thread's first comment."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from annotations import services
from annotations.models import Comment, Highlight, TaggedPassage
from annotations.sharing.jsonld import annotation_collection
from tests.conftest import make_report

ROOT = Path(__file__).resolve().parent.parent
W3C_CHECK = ROOT.parent / "shared" / "checks" / "check_web_annotation.py"
CONTEXT = "http://www.w3.org/ns/anno.jsonld"


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def bearer(user):
    return {"Authorization": f"Bearer {services.api_token_create(user=user, name='test')[1]}"}


def url(report, annotation=""):
    return f"/api/w3c/reports/{report.uuid}/{annotation}"


def iri(report, record):
    return f"http://testserver{url(report, record.uuid)}"


def post(client, report, document, headers):
    return client.post(url(report), json.dumps(document), content_type="application/ld+json", headers=headers)


def reply(target, text="Agreed, see the 2014 charter.", **more):
    document = {"@context": CONTEXT, "type": "Annotation", "motivation": "replying", "target": target}
    document["body"] = {"type": "TextualBody", "value": text, "format": "text/markdown"}
    return {**document, **more}


@pytest.fixture
def thread(reading_report):
    return Comment.objects.get(passage__report=reading_report, parent=None, highlight=None)


def test_a_replying_annotation_on_a_comment_becomes_a_reply(client, reading_report, thread, annotator):
    response = post(client, reading_report, reply(iri(reading_report, thread)), bearer(annotator))
    assert response.status_code == 201, response.content
    created = Comment.objects.get(body="Agreed, see the 2014 charter.")
    assert (created.parent, created.passage, created.author) == (thread, thread.passage, annotator)


def test_the_reply_comes_back_as_replying_to_its_comment(client, reading_report, thread, annotator):
    response = post(client, reading_report, reply(iri(reading_report, thread)), bearer(annotator))
    created = Comment.objects.get(body="Agreed, see the 2014 charter.")
    assert response["Location"] == iri(reading_report, created)
    assert response.json()["motivation"] == "replying"
    assert response.json()["target"] == iri(reading_report, thread)
    assert response.json()["body"]["value"] == "Agreed, see the 2014 charter."


def test_the_browser_shows_the_reply_in_the_thread(client, reading_report, thread, annotator):
    post(client, reading_report, reply(iri(reading_report, thread)), bearer(annotator))
    client.force_login(annotator)
    panel = client.get(reverse("annotations:passage-panel", args=[thread.passage.uuid])).content.decode()
    assert "Agreed, see the 2014 charter." in panel


def test_a_reply_may_name_the_comment_by_its_urn(client, reading_report, thread, annotator):
    response = post(client, reading_report, reply(f"urn:uuid:{thread.uuid}"), bearer(annotator))
    assert response.status_code == 201, response.content
    assert Comment.objects.filter(parent=thread).count() == 2  # the fixture's reply and this one


def test_a_reply_may_carry_its_text_as_body_value(client, reading_report, thread, annotator):
    document = reply(iri(reading_report, thread))
    del document["body"]
    document["bodyValue"] = "Short answer."
    response = post(client, reading_report, document, bearer(annotator))
    assert response.status_code == 201, response.content
    assert Comment.objects.get(body="Short answer.").parent == thread


def test_a_reply_to_a_reply_joins_the_thread(client, reading_report, thread, annotator):
    first_reply = Comment.objects.get(parent=thread)
    response = post(client, reading_report, reply(iri(reading_report, first_reply)), bearer(annotator))
    assert response.status_code == 201
    assert response.json()["target"] == iri(reading_report, thread)


def test_a_reply_to_a_comment_on_a_highlight_stays_on_the_highlight(client, reading_report, annotator):
    on_highlight = Comment.objects.get(passage__report=reading_report, highlight__isnull=False)
    post(client, reading_report, reply(iri(reading_report, on_highlight)), bearer(annotator))
    assert Comment.objects.get(body="Agreed, see the 2014 charter.").highlight == on_highlight.highlight


def test_the_export_and_the_container_pass_the_shared_w3c_check(client, reading_report, thread, annotator, tmp_path):
    if not W3C_CHECK.exists():
        pytest.skip("the shared W3C check is not beside the checkout")
    post(client, reading_report, reply(iri(reading_report, thread)), bearer(annotator))
    container = tmp_path / "container.jsonld"
    container.write_bytes(client.get(url(reading_report), headers=bearer(annotator)).content)
    export = tmp_path / "export.jsonld"
    export.write_text(json.dumps(annotation_collection(reading_report)), encoding="utf-8")
    result = subprocess.run(
        [sys.executable, str(W3C_CHECK), str(container), str(export)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout


def test_the_export_writes_the_reply_as_replying_to_its_comment(client, reading_report, thread, annotator):
    post(client, reading_report, reply(iri(reading_report, thread)), bearer(annotator))
    created = Comment.objects.get(body="Agreed, see the 2014 charter.")
    items = annotation_collection(reading_report)["first"]["items"]
    exported = next(item for item in items if item["id"].endswith(str(created.uuid)))
    assert (exported["motivation"], exported["target"]) == ("replying", f"urn:uuid:{thread.uuid}")


def test_the_owner_edits_a_reply_with_put(client, reading_report, thread, annotator):
    created = post(client, reading_report, reply(iri(reading_report, thread)), bearer(annotator))
    edited = {**created.json(), "body": {"type": "TextualBody", "purpose": "replying", "value": "On reflection, no."}}
    path = created["Location"].removeprefix("http://testserver")
    put = client.put(path, json.dumps(edited), content_type="application/ld+json", headers=bearer(annotator))
    assert put.status_code == 200, put.content
    assert Comment.objects.filter(parent=thread, body="On reflection, no.").exists()


def _tag_annotation_iri(client, reading_report, annotator):
    items = client.get(url(reading_report), headers=bearer(annotator)).json()["first"]["items"]
    return next(item["id"] for item in items if item["motivation"] == "tagging")


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("tagging", "A reply answers a comment"),
        ("highlight", "A reply answers a comment"),
        ("passage", "A reply answers a comment"),
        ("unknown", "A reply answers a comment"),
        ("other_report", "A reply answers a comment"),
    ],
)
def test_a_reply_to_anything_but_a_comment_of_the_report_is_refused(
    client, reading_report, workspace, annotator, target, message
):
    elsewhere = make_report(workspace, title="Another report")
    other_comment = services.comment_create(passage=elsewhere.passages.first(), author=annotator, body="Elsewhere")
    targets = {
        "tagging": lambda: _tag_annotation_iri(client, reading_report, annotator),
        "highlight": lambda: iri(reading_report, Highlight.objects.filter(passage__report=reading_report).first()),
        "passage": lambda: f"urn:uuid:{reading_report.passages.first().uuid}",
        "unknown": lambda: f"urn:uuid:{'0' * 8}-0000-4000-8000-{'0' * 12}",
        "other_report": lambda: iri(reading_report, other_comment),
    }
    before = Comment.objects.count()
    response = post(client, reading_report, reply(targets[target]()), bearer(annotator))
    assert response.status_code == 400
    assert message in response.json()["detail"]
    assert Comment.objects.count() == before


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"body": [{"type": "TextualBody", "purpose": "tagging", "value": "Energy"}]}, "one text"),
        (
            {"body": [{"type": "TextualBody", "value": "One"}, {"type": "TextualBody", "value": "Two"}]},
            "one text",
        ),
        ({"body": {"type": "TextualBody", "value": "x" * 50_000}}, "characters"),
        ({"body": {"type": "TextualBody", "value": "   "}}, "empty"),
    ],
    ids=["tagging-body", "two-texts", "huge", "blank"],
)
def test_bad_replies_are_refused_and_leave_nothing(client, reading_report, thread, annotator, change, message):
    before = (Comment.objects.count(), TaggedPassage.objects.count())
    response = post(client, reading_report, reply(iri(reading_report, thread), **change), bearer(annotator))
    assert response.status_code in (400, 413)
    assert message in response.json()["detail"]
    assert (Comment.objects.count(), TaggedPassage.objects.count()) == before


def test_a_reply_with_markup_is_escaped_in_the_panel(client, reading_report, thread, annotator):
    text = "<script>alert(1)</script><img src=x onerror=alert(1)>"
    assert post(client, reading_report, reply(iri(reading_report, thread), text), bearer(annotator)).status_code == 201
    client.force_login(annotator)
    panel = client.get(reverse("annotations:passage-panel", args=[thread.passage.uuid])).content.decode()
    assert "<script>alert(1)" not in panel
    assert "<img src=x" not in panel


def test_viewers_cannot_reply(client, reading_report, thread, viewer):
    response = post(client, reading_report, reply(iri(reading_report, thread)), bearer(viewer))
    assert response.status_code == 403
    assert not Comment.objects.filter(body="Agreed, see the 2014 charter.").exists()
