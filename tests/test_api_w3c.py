"""The W3C Web Annotation Protocol container of a report (annotations/api/w3c.py)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from annotations import services
from annotations.api.w3c_schemas import problems
from annotations.models import Comment, Highlight, SourceLink, TaggedHighlight, TaggedPassage

ROOT = Path(__file__).resolve().parent.parent
W3C_CHECK = ROOT.parent / "shared" / "checks" / "check_web_annotation.py"
MEDIA_TYPE = 'application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"'


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def bearer(user, **options):
    _token, secret = services.api_token_create(user=user, name="test", **options)
    return {"Authorization": f"Bearer {secret}"}


def url(report, annotation=""):
    return f"/api/w3c/reports/{report.uuid}/{annotation}"


def post(client, report, annotation, headers):
    return client.post(url(report), json.dumps(annotation), content_type="application/ld+json", headers=headers)


def passage_target(passage, *selectors):
    if not selectors:
        return f"urn:uuid:{passage.uuid}"
    return {"type": "SpecificResource", "source": f"urn:uuid:{passage.uuid}", "selector": list(selectors)}


def annotation(target, body, motivation):
    return {"@context": "http://www.w3.org/ns/anno.jsonld", "type": "Annotation", "motivation": motivation,
            "body": body, "target": target}  # fmt: skip


def test_the_container_speaks_the_protocol(client, reading_report, viewer):
    response = client.get(url(reading_report), headers=bearer(viewer))
    assert response.status_code == 200
    assert response["Content-Type"] == MEDIA_TYPE
    assert '<http://www.w3.org/ns/ldp#BasicContainer>; rel="type"' in response["Link"]
    assert "constrainedBy" in response["Link"]
    assert response["Accept-Post"] == MEDIA_TYPE
    assert response["Allow"] == "GET, HEAD, OPTIONS"  # a viewer may not post
    collection = response.json()
    assert collection["type"] == "AnnotationCollection"
    assert collection["id"] == f"http://testserver{url(reading_report)}"
    items = collection["first"]["items"]
    assert collection["total"] == len(items) > 5
    assert all(item["id"].startswith(collection["id"]) for item in items)
    assert all(problems(item) == [] for item in items)
    again = client.get(url(reading_report), headers={**bearer(viewer), "If-None-Match": response["ETag"]})
    assert again.status_code == 304


def test_the_container_pages_its_annotations(client, workspace, annotator, monkeypatch):
    from annotations.api import w3c
    from tests.conftest import make_annotated_report

    monkeypatch.setattr(w3c, "PAGE_SIZE", 3)
    report = make_annotated_report(workspace, annotator)
    headers = bearer(annotator)
    collection = client.get(url(report), headers=headers).json()
    total = collection["total"]
    seen, page_url = [], collection["first"]["id"]
    while page_url:
        page = client.get(page_url.removeprefix("http://testserver"), headers=headers).json()
        assert page["type"] == "AnnotationPage"
        assert page["partOf"]["total"] == total
        seen += [item["id"] for item in page["items"]]
        page_url = page.get("next")
    assert len(seen) == len(set(seen)) == total
    assert client.get(url(report) + "?page=99", headers=headers).status_code == 404
    assert client.get(url(report) + "?page=x", headers=headers).status_code == 404


@pytest.mark.skipif(not W3C_CHECK.exists(), reason="the shared W3C check is not beside the checkout")
def test_the_container_passes_the_shared_w3c_check(client, annotated_report, viewer, tmp_path):
    path = tmp_path / "container.jsonld"
    path.write_bytes(client.get(url(annotated_report), headers=bearer(viewer)).content)
    result = subprocess.run([sys.executable, str(W3C_CHECK), str(path)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout


def test_posting_a_tagging_with_selectors_makes_a_highlight_with_tags(client, reading_report, annotator):
    passage = reading_report.passages.get(order=2)
    quote = {"type": "TextQuoteSelector", "exact": "Центральная Азия", "prefix": "🚀 in ", "suffix": " and"}
    position = {"type": "TextPositionSelector", "start": passage.text.index("Центральная"), "end": 0}
    position["end"] = position["start"] + len("Центральная Азия")
    body = [{"type": "TextualBody", "purpose": "tagging", "value": "Region"},
            {"type": "TextualBody", "purpose": "tagging", "value": "Security"}]  # fmt: skip
    response = post(client, reading_report, annotation(passage_target(passage, quote, position), body, "tagging"),
                    bearer(annotator))  # fmt: skip
    assert response.status_code == 201, response.content
    highlight = Highlight.objects.get(passage=passage)
    assert (highlight.exact, highlight.start) == ("Центральная Азия", position["start"])
    assert sorted(link.tag.name for link in highlight.tag_links.all()) == ["Region", "Security"]
    created = response.json()
    assert response["Location"] == created["id"]
    assert created["body"]["value"] == "Region"
    assert created["target"]["selector"][1] == position
    got = client.get(response["Location"].removeprefix("http://testserver"), headers=bearer(annotator))
    assert got.json() == created
    assert got["ETag"] == response["ETag"]


def test_posting_a_quote_alone_finds_the_span(client, reading_report, annotator):
    passage = reading_report.passages.get(order=3)
    quote = {"type": "TextQuoteSelector", "exact": "SCO"}
    body = {"type": "TextualBody", "value": "Which *SCO* summit?"}
    response = post(client, reading_report, annotation(passage_target(passage, quote), body, "commenting"),
                    bearer(annotator))  # fmt: skip
    assert response.status_code == 201, response.content
    comment = Comment.objects.get(passage=passage)
    assert comment.body == "Which *SCO* summit?"
    assert comment.highlight.exact == "SCO"
    assert response.json()["motivation"] == "commenting"


def test_posting_a_link_makes_a_source_link(client, reading_report, annotator):
    passage = reading_report.passages.get(order=4)
    body = [{"id": "https://example.org/rats-2015", "type": "Text", "title": "RATS 2015"},
            {"type": "TextualBody", "purpose": "classifying", "value": "supports"}]  # fmt: skip
    response = post(client, reading_report, annotation(passage_target(passage), body, "linking"), bearer(annotator))
    assert response.status_code == 201, response.content
    link = SourceLink.objects.get(passage=passage)
    assert (link.source.url, link.source.title, link.relation) == (
        "https://example.org/rats-2015",
        "RATS 2015",
        "supports",
    )


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda a: a.pop("@context"), "@context"),
        (lambda a: a.update(target="urn:uuid:00000000-0000-0000-0000-000000000000"), "not a passage of this report"),
        (lambda a: a.update(body=[{"id": "javascript:alert(1)"}], motivation="linking"), "http or https"),
        (
            lambda a: a.update(body=[{"id": "ftp://example.org/x", "type": "Text"}], motivation="linking"),
            "http or https",
        ),
        (
            lambda a: a.update(
                target={"source": a["target"], "selector": {"type": "TextQuoteSelector", "exact": "nope"}}
            ),
            "does not occur",
        ),
        (lambda a: a.update(body={"type": "TextualBody", "value": "x" * 30_000}), "at most"),
    ],
)
def test_bad_annotations_are_refused_and_leave_nothing(client, reading_report, annotator, change, message):
    passage = reading_report.passages.get(order=5)
    bad = annotation(passage_target(passage), {"type": "TextualBody", "value": "A comment"}, "commenting")
    change(bad)
    before = (Comment.objects.count(), Highlight.objects.count(), SourceLink.objects.count())
    response = post(client, reading_report, bad, bearer(annotator))
    assert response.status_code == 400, response.content
    assert message in response.json()["detail"]
    assert (Comment.objects.count(), Highlight.objects.count(), SourceLink.objects.count()) == before


def test_malformed_posts_get_clear_errors(client, reading_report, annotator):
    headers = bearer(annotator)
    not_json = client.post(url(reading_report), "{", content_type="application/ld+json", headers=headers)
    assert not_json.status_code == 400
    assert "not valid JSON" in not_json.json()["detail"]
    wrong_type = client.post(url(reading_report), "{}", content_type="text/plain", headers=headers)
    assert wrong_type.status_code == 415
    assert wrong_type["Accept-Post"] == MEDIA_TYPE
    huge = client.post(
        url(reading_report), "[" + "1," * 100_000 + "1]", content_type="application/json", headers=headers
    )
    assert huge.status_code == 413


def test_owners_put_and_delete_their_annotations(client, reading_report, annotator, curator, viewer):
    passage = reading_report.passages.get(order=2)
    body = {"type": "TextualBody", "value": "First thought"}
    created = post(client, reading_report, annotation(passage_target(passage), body, "commenting"), bearer(annotator))
    path = created["Location"].removeprefix("http://testserver")
    edited = {**created.json(), "body": {"type": "TextualBody", "purpose": "commenting", "value": "Second thought"}}
    stale = client.put(path, json.dumps(edited), content_type="application/ld+json",
                       headers={**bearer(annotator), "If-Match": '"stale"'})  # fmt: skip
    assert stale.status_code == 412
    put = client.put(path, json.dumps(edited), content_type="application/ld+json",
                     headers={**bearer(annotator), "If-Match": created["ETag"]})  # fmt: skip
    assert put.status_code == 200, put.content
    assert Comment.objects.get(passage=passage).body == "Second thought"
    assert client.delete(path, headers=bearer(viewer)).status_code == 403
    assert client.delete(path, headers=bearer(annotator)).status_code == 204
    assert Comment.objects.get(passage=passage).is_deleted


def test_a_tag_annotation_is_renamed_by_put_and_removed_by_delete(client, reading_report, annotator):
    passage = reading_report.passages.get(order=3)
    tagging = annotation(
        passage_target(passage), {"type": "TextualBody", "purpose": "tagging", "value": "Enrgy"}, "tagging"
    )
    created = post(client, reading_report, tagging, bearer(annotator))
    assert created.status_code == 201
    tagging["body"]["value"] = "Energy"
    put = client.put(created["Location"].removeprefix("http://testserver"), json.dumps(tagging),
                     content_type="application/ld+json", headers=bearer(annotator))  # fmt: skip
    assert put.status_code == 200
    assert put.json()["body"]["value"] == "Energy"
    assert [link.tag.name for link in TaggedPassage.objects.filter(content_object=passage)] == ["Energy"]
    assert (
        client.delete(put.json()["id"].removeprefix("http://testserver"), headers=bearer(annotator)).status_code == 204
    )
    assert not TaggedPassage.objects.filter(content_object=passage).exists()
    assert not TaggedHighlight.objects.filter(content_object__passage=passage).exists()


def test_the_browser_session_needs_its_csrf_token_to_post(reading_report, annotator):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(annotator)
    passage = reading_report.passages.get(order=2)
    body = annotation(passage_target(passage), {"type": "TextualBody", "value": "Hi"}, "commenting")
    refused = browser.post(url(reading_report), json.dumps(body), content_type="application/ld+json")
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]
    assert browser.get(url(reading_report)).status_code == 200
    browser.get("/account/tokens/")  # a page with a form sets the CSRF cookie
    token = browser.cookies["csrftoken"].value
    accepted = browser.post(url(reading_report), json.dumps(body), content_type="application/ld+json",
                            headers={"X-CSRFToken": token})  # fmt: skip
    assert accepted.status_code == 201, accepted.content


def test_the_container_query_budget_does_not_grow_with_annotations(client, workspace, annotator,
                                                                   django_assert_max_num_queries):  # fmt: skip
    from tests.conftest import make_annotated_report

    report = make_annotated_report(workspace, annotator, passages=5)
    headers = bearer(annotator)
    client.get(url(report), headers=headers)  # the token's first use records its last-used time

    def fetch():
        with django_assert_max_num_queries(20) as queries:
            response = client.get(url(report), headers=headers)
        assert response.status_code == 200
        assert "Overlapping *span*" in response.content.decode()
        return len(queries), response.json()["total"]

    few, total = fetch()
    for passage in report.passages.all():
        services.passage_add_tag(passage=passage, name="More", user=annotator)
        services.highlight_create(passage=passage, start=0, end=4, user=annotator, tags=["Span"], comment="Hm")
    many, bigger_total = fetch()
    assert many == few
    assert bigger_total > total + 10
