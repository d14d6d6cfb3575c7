"""The REST API (/api/v1/): tokens, errors, filters, paging, optimistic locking, query budgets,
and round trips whose result the browser shows."""

import json
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from annotations import services
from annotations.models import ApiToken, Comment, Membership, Passage, Role, Tag
from tests.conftest import make_annotated_report, make_member

API = "/api/v1"


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    cache.clear()  # the rate limit counts in the cache


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def auth(user, **options):
    return {"Authorization": f"Bearer {services.api_token_create(user=user, name='test', **options)[1]}"}


def call(client, method, path, headers, body=None):
    if body is None:
        return client.generic(method, API + path, headers=headers)
    return client.generic(method, API + path, json.dumps(body), content_type="application/json", headers=headers)


# --- Tokens -----------------------------------------------------------------------------------


def test_a_token_is_shown_once_and_stored_hashed(client, annotator, workspace):
    client.force_login(annotator)
    created = client.post(reverse("annotations:token-list"), {"name": "R script", "workspace": workspace.slug})
    assert created.status_code == 201
    secret = created.context["secret"]
    assert secret.startswith("awb_")
    assert secret in created.content.decode()
    token = ApiToken.objects.get(user=annotator)
    assert token.key_hash == ApiToken.digest(secret)
    assert secret not in token.key_hash
    assert (token.workspace, token.read_only, token.last_used_at) == (workspace, False, None)
    listed = client.get(reverse("annotations:token-list")).content.decode()
    assert "R script" in listed
    assert token.key_hint in listed
    assert secret not in listed
    assert "never" in listed
    assert client.get(API + "/workspaces/", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None
    assert (
        token.last_used_at.strftime("%Y-%m-%d %H:%M") in client.get(reverse("annotations:token-list")).content.decode()
    )


def test_the_token_form_refuses_bad_input(client, annotator, other_workspace):
    client.force_login(annotator)
    for data in ({"name": ""}, {"name": "x" * 101}, {"name": "ok", "workspace": other_workspace.slug}):
        response = client.post(reverse("annotations:token-list"), data)
        assert response.status_code == 400
    assert not ApiToken.objects.exists()
    xss = client.post(reverse("annotations:token-list"), {"name": "<script>alert(1)</script>"})
    assert xss.status_code == 201
    assert b"<script>alert(1)" not in xss.content


def test_a_revoked_token_no_longer_opens_the_api(client, annotator):
    client.force_login(annotator)
    headers = auth(annotator)
    token = ApiToken.objects.get()
    assert client.get(API + "/workspaces/", headers=headers).status_code == 200
    response = client.post(reverse("annotations:token-revoke", args=[token.uuid]))
    assert response.status_code == 302
    anonymous = Client()
    refused = anonymous.get(API + "/workspaces/", headers=headers)
    assert refused.status_code == 401
    assert refused.json() == {"detail": "Unauthorized"}
    assert "revoked" in client.get(reverse("annotations:token-list")).content.decode()


def test_the_api_token_command_prints_a_working_token(client, curator, workspace, other_workspace, capsys):
    call_command("api_token", "carl", "--read-only", "--workspace", workspace.slug)
    secret = capsys.readouterr().out.strip()
    token = ApiToken.objects.get(key_hash=ApiToken.digest(secret))
    assert (token.user, token.read_only, token.workspace) == (curator, True, workspace)
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get(API + f"/workspaces/{workspace.slug}/", headers=headers).json()["role"] == "curator"
    with pytest.raises(CommandError, match="no user"):
        call_command("api_token", "nobody")
    with pytest.raises(CommandError, match="no workspace"):
        call_command("api_token", "carl", "--workspace", "nowhere")
    with pytest.raises(CommandError, match="not a member"):
        call_command("api_token", "carl", "--workspace", other_workspace.slug)


def test_a_read_only_token_reads_but_never_writes(client, reading_report, curator):
    headers = auth(curator, read_only=True)
    passage = reading_report.passages.get(order=3)
    assert call(client, "GET", f"/passages/{passage.uuid}/", headers).status_code == 200
    refused = call(client, "POST", f"/passages/{passage.uuid}/tags/", headers, {"name": "Energy"})
    assert refused.status_code == 403
    assert refused.json() == {"detail": "This token is read-only."}
    assert not passage.tags.exists()


def test_a_token_limited_to_one_workspace_sees_nothing_else(client, reading_report, curator, other_workspace):
    Membership.objects.create(workspace=other_workspace, user=curator, role=Role.CURATOR)
    headers = auth(curator, workspace=other_workspace)
    passage = reading_report.passages.get(order=1)
    assert [w["slug"] for w in call(client, "GET", "/workspaces/", headers).json()] == ["other"]
    assert call(client, "GET", f"/passages/{passage.uuid}/", headers).status_code == 404
    assert call(client, "GET", f"/passages/?report={reading_report.uuid}", headers).json()["results"] == []
    assert call(client, "GET", f"/reports/{reading_report.uuid}/", headers).status_code == 404


def test_each_token_has_its_own_rate_limit(client, annotator, settings):
    settings.API_RATE_LIMIT = "3/min"
    first, second = auth(annotator), auth(annotator)
    statuses = [call(client, "GET", "/workspaces/", first).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    assert call(client, "GET", "/workspaces/", second).status_code == 200


def test_the_browser_session_works_with_its_csrf_token(reading_report, annotator):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(annotator)
    passage = reading_report.passages.get(order=3)
    path = f"{API}/passages/{passage.uuid}/tags/"
    assert browser.get(path).status_code == 200
    body = json.dumps({"name": "Energy"})
    refused = browser.post(path, body, content_type="application/json")
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]
    browser.get(reverse("annotations:token-list"))
    csrf = browser.cookies["csrftoken"].value
    assert browser.post(path, body, content_type="application/json", headers={"X-CSRFToken": csrf}).status_code == 201


# --- Errors and hostile input -----------------------------------------------------------------


def test_errors_are_json_with_a_clear_message(client, reading_report, annotator):
    headers = auth(annotator)
    passage = reading_report.passages.get(order=2)
    empty = call(client, "POST", f"/passages/{passage.uuid}/comments/", headers, {"body": "   "})
    assert empty.status_code == 400
    assert empty.json() == {"detail": "A comment cannot be empty."}
    malformed = client.post(
        f"{API}/passages/{passage.uuid}/comments/", "{", content_type="application/json", headers=headers
    )
    assert malformed.status_code in (400, 422)
    assert malformed.json()["detail"]
    missing = call(client, "POST", f"/passages/{passage.uuid}/comments/", headers, {})
    assert missing.status_code == 422
    assert "body" in missing.json()["detail"]
    outside = call(client, "POST", f"/passages/{passage.uuid}/highlights/", headers,
                   {"selector": [{"type": "TextPositionSelector", "start": 5, "end": 5000}]})  # fmt: skip
    assert outside.status_code == 400
    assert "outside the passage" in outside.json()["detail"]
    bad_status = call(client, "GET", "/passages/?status=nonsense", headers)
    assert bad_status.status_code == 422
    assert "status" in bad_status.json()["detail"]
    assert call(client, "GET", "/passages/?cursor=%%%", headers).status_code in (400, 422)
    huge = call(client, "POST", f"/passages/{passage.uuid}/tags/", headers, {"name": "x" * 10_000})
    assert huge.status_code == 422
    assert Comment.objects.filter(passage=passage).count() == 0


def test_hostile_text_comes_back_as_data(client, reading_report, annotator):
    headers = auth(annotator)
    passage = reading_report.passages.get(order=2)
    payload = '<img src=x onerror="alert(1)"> =HYPERLINK("http://evil")'
    created = call(client, "POST", f"/passages/{passage.uuid}/comments/", headers, {"body": payload})
    assert created.status_code == 201
    assert created["Content-Type"].startswith("application/json")
    assert created.json()["body"] == payload


# --- Passages: filters, paging, locking ---------------------------------------------------------


def test_passages_filter_by_report_section_tags_status_text_and_change(client, reading_report, workspace, annotator):
    other = make_annotated_report(workspace, annotator, passages=5, title="Other")
    headers = auth(annotator)
    first = reading_report.passages.get(order=1)
    services.passage_add_tag(passage=first, name="Energy", user=annotator)

    def uuids(query):
        response = call(client, "GET", f"/passages/?{query}", headers)
        assert response.status_code == 200, response.content
        return [p["uuid"] for p in response.json()["results"]]

    assert len(uuids(f"report={reading_report.uuid}&page_size=1000")) == 20
    assert uuids("tag=Security&tag=Energy") == [str(first.uuid)]
    assert len(uuids("tag=security")) == 2  # one per report, case-insensitive as everywhere
    assert uuids(f"report={reading_report.uuid}&section=2") == [str(reading_report.passages.get(order=20).uuid)]
    services.passage_set_status(passage=first, status="approved")
    assert uuids("status=approved") == [str(first.uuid)]
    assert uuids(f"report={other.uuid}&q=note") == [str(other.passages.get(kind="note").uuid)]
    assert uuids("q=Центральная Азия&page_size=1000").__len__() == 23
    since = timezone.now()
    Passage.objects.filter(pk=first.pk).update(updated_at=since - timedelta(days=1))
    services.passage_add_tag(passage=reading_report.passages.get(order=7), name="Late", user=annotator)
    assert uuids(f"changed_since={since.isoformat().replace('+00:00', 'Z')}") == [
        str(reading_report.passages.get(order=7).uuid)
    ]


def test_the_cursor_walks_every_passage_once(client, reading_report, annotator):
    headers = auth(annotator)
    seen, path = [], f"{API}/passages/?report={reading_report.uuid}&page_size=7"
    while path:
        page = client.get(path.removeprefix("http://testserver"), headers=headers).json()
        seen += [p["order"] for p in page["results"]]
        path = page["next"]
    assert seen == list(range(1, 21))


def test_a_stale_version_gets_409_and_the_current_state(client, reading_report, curator, annotator):
    passage = reading_report.passages.get(order=1)
    headers = auth(curator)
    services.passage_set_status(passage=passage, status="flagged")  # someone else, meanwhile
    stale = call(client, "PATCH", f"/passages/{passage.uuid}/", headers, {"status": "approved", "version": 1})
    assert stale.status_code == 409
    assert stale.json()["current"]["status"] == "flagged"
    assert stale.json()["current"]["version"] == 2
    fresh = call(client, "PATCH", f"/passages/{passage.uuid}/", headers, {"status": "approved", "version": 2})
    assert fresh.status_code == 200
    assert fresh.json()["version"] == 3

    comment = Comment.objects.filter(passage=passage, parent=None, highlight=None).get()
    services.comment_edit(comment=comment, body="Edited meanwhile")
    mine = auth(annotator)
    conflict = call(client, "PATCH", f"/comments/{comment.uuid}/", mine, {"body": "Mine", "version": 1})
    assert conflict.status_code == 409
    assert conflict.json()["current"]["body"] == "Edited meanwhile"


# --- Query budgets: a fixed number of queries whatever the rows ----------------------------------


LISTS = [
    ("/workspaces/", "Central Asia team"),
    ("/workspaces/central-asia/members/", "anna"),
    ("/workspaces/central-asia/reports/", "An annotated report"),
    ("/workspaces/central-asia/tags/", "Security"),
    ("/workspaces/central-asia/sources/", "SCO charter"),
    ("/passages/?workspace=central-asia&page_size=1000", "Passage 2:"),
    ("/passages/?q=China&page_size=1000", "Passage 2:"),
    ("/reports/{report}/sections/", "Introduction"),
    ("/passages/{passage}/tags/", "Security"),
    ("/passages/{passage}/highlights/", "TextQuoteSelector"),
    ("/passages/{passage}/comments/", "Is this **right**?"),
    ("/passages/{passage}/source-links/", "SCO charter"),
]


@pytest.mark.parametrize("path, shown", LISTS)
def test_list_query_budgets_do_not_grow_with_rows(client, workspace, annotator, path, shown,
                                                  django_assert_max_num_queries):  # fmt: skip
    headers = auth(annotator)
    report = make_annotated_report(workspace, annotator, passages=5)

    def fetch():
        passage = report.passages.get(order=1)
        url = API + path.format(report=report.uuid, passage=passage.uuid)
        with django_assert_max_num_queries(10) as queries:
            response = client.get(url, headers=headers)
        assert response.status_code == 200
        assert shown in response.content.decode()
        return len(queries)

    fetch()  # the token's first use records its last-used time: one write, once a minute
    few = fetch()
    for i in range(3):
        make_member(workspace, f"member{i}", Role.VIEWER)
        bigger = make_annotated_report(workspace, annotator, passages=30, title=f"Report {i}")
        first = report.passages.get(order=1)
        services.passage_add_tag(passage=first, name=f"Code {i}", user=annotator)
        services.highlight_create(passage=first, start=i, end=i + 5, user=annotator, tags=[f"Code {i}"])
        services.comment_create(passage=first, author=annotator, body=f"Comment {i}")
        source, _ = services.source_get_or_create(workspace=workspace, url=f"https://example.org/{i}", title=f"S{i}")
        services.source_link_create(passage=first, source=source, user=annotator)
        services.passage_add_tag(passage=bigger.passages.get(order=3), name="Security", user=annotator)
    assert fetch() == few


# --- Round trips: what the API writes, the browser shows ----------------------------------------


def panel(client, passage):
    return client.get(reverse("annotations:passage-panel", args=[passage.uuid])).content.decode()


def test_round_trip_of_tags_highlights_comments_and_links(client, reading_report, annotator, workspace):
    client.force_login(annotator)
    headers = auth(annotator)
    passage = reading_report.passages.get(order=4)
    base = f"/passages/{passage.uuid}"

    tag = call(client, "POST", f"{base}/tags/", headers, {"name": "Pipelines"})
    assert tag.status_code == 201
    assert tag.json()["tag"] == "Pipelines"
    assert [t["tag"] for t in call(client, "GET", f"{base}/tags/", headers).json()] == ["Pipelines"]
    assert "Remove tag Pipelines" in panel(client, passage)
    assert call(client, "DELETE", f"{base}/tags/pipelines/", headers).status_code == 204
    assert "Remove tag Pipelines" not in panel(client, passage)

    start = passage.text.index("SCO")
    position = {"type": "TextPositionSelector", "start": start, "end": start + 3}
    made = call(client, "POST", f"{base}/highlights/", headers, {"selector": [position], "tags": ["Orgs"]})
    assert made.status_code == 201, made.content
    highlight = made.json()
    assert highlight["selector"][0] == {"type": "TextQuoteSelector", "exact": "SCO",
                                        "prefix": passage.text[max(0, start - 32):start], "suffix": "."}  # fmt: skip
    path = f"/highlights/{highlight['uuid']}"
    assert call(client, "POST", f"{path}/tags/", headers, {"name": "Treaty"}).json()["tags"] == ["Orgs", "Treaty"]
    assert call(client, "DELETE", f"{path}/tags/orgs/", headers).status_code == 204
    assert call(client, "GET", path + "/", headers).json()["tags"] == ["Treaty"]
    assert highlight["uuid"] in panel(client, passage)
    assert '<span class="chip small"' in panel(client, passage)
    assert call(client, "DELETE", path + "/", headers).status_code == 204
    assert highlight["uuid"] not in panel(client, passage)

    comment = call(client, "POST", f"{base}/comments/", headers, {"body": "Check the *date*"}).json()
    reply = call(client, "POST", f"{base}/comments/", headers, {"body": "Done", "parent": comment["uuid"]}).json()
    assert reply["parent"] == comment["uuid"]
    edited = call(client, "PATCH", f"/comments/{comment['uuid']}/", headers, {"body": "Check the year", "version": 1})
    assert edited.status_code == 200
    assert edited.json()["version"] == 2
    assert "Check the year" in panel(client, passage)
    resolved = call(client, "POST", f"/comments/{reply['uuid']}/resolve/", headers, {"resolved": True})
    assert resolved.json()["uuid"] == comment["uuid"]
    assert resolved.json()["resolved"] is True
    assert call(client, "DELETE", f"/comments/{reply['uuid']}/", headers).status_code == 204
    assert call(client, "GET", f"/comments/{reply['uuid']}/", headers).json()["deleted"] is True
    assert "Done" not in panel(client, passage)

    source = call(client, "POST", f"/workspaces/{workspace.slug}/sources/", headers,
                  {"url": "https://example.org/pipelines", "title": "Pipeline politics"})  # fmt: skip
    assert source.status_code == 201
    again = call(client, "POST", f"/workspaces/{workspace.slug}/sources/", headers,
                 {"url": "HTTPS://example.org/pipelines/", "title": "Same"})  # fmt: skip
    assert again.status_code == 200
    assert again.json()["uuid"] == source.json()["uuid"]
    link = call(
        client, "POST", f"{base}/source-links/", headers, {"source": source.json()["uuid"], "relation": "supports"}
    )
    assert link.status_code == 201
    assert link.json()["source"]["title"] == "Pipeline politics"
    shown = '<a href="https://example.org/pipelines" rel="noopener noreferrer nofollow" target="_blank">'
    assert shown in panel(client, passage)
    assert call(client, "DELETE", f"/source-links/{link.json()['uuid']}/", headers).status_code == 204
    assert shown not in panel(client, passage)
    javascript = call(client, "POST", f"/workspaces/{workspace.slug}/sources/", headers,
                      {"url": "javascript:alert(1)", "title": "x"})  # fmt: skip
    assert javascript.status_code == 400


def test_round_trip_of_status_members_uploads_and_merges(
    client, reading_report, curator, annotator, workspace, django_capture_on_commit_callbacks
):
    client.force_login(curator)
    headers = auth(curator)
    passage = reading_report.passages.get(order=2)
    assert (
        call(client, "PATCH", f"/passages/{passage.uuid}/", headers, {"status": "in_review", "version": 1}).status_code
        == 200
    )
    assert 'value="in_review" class="status-choice status-in_review" aria-pressed="true"' in panel(client, passage)

    make_member(workspace, "newbie", Role.VIEWER).memberships.all().delete()
    added = call(client, "PUT", f"/workspaces/{workspace.slug}/members/newbie/", headers, {"role": "annotator"})
    assert added.status_code == 200
    assert added.json() == {"username": "newbie", "full_name": "", "role": "annotator"}
    assert "newbie" in client.get(reverse("annotations:member-list", args=[workspace.slug])).content.decode()
    last = call(client, "PUT", f"/workspaces/{workspace.slug}/members/carl/", headers, {"role": "viewer"})
    assert last.status_code == 400
    assert "at least one curator" in last.json()["detail"]
    assert call(client, "DELETE", f"/workspaces/{workspace.slug}/members/newbie/", headers).status_code == 204
    assert "newbie" not in client.get(reverse("annotations:member-list", args=[workspace.slug])).content.decode()

    upload = SimpleUploadedFile("brief.md", b"# A brief\n\n## Background\n\nFirst paragraph about the SCO.\n")
    with django_capture_on_commit_callbacks(execute=True):  # the import job runs (JOBS_IMMEDIATE)
        uploaded = client.post(f"{API}/workspaces/{workspace.slug}/reports/", {"file": upload, "title": "A brief"},
                               headers=headers)  # fmt: skip
    assert uploaded.status_code == 202, uploaded.content
    job = client.get(uploaded["Location"], headers=headers).json()
    report = job["report"]
    assert (job["status"], report["title"], report["passage_count"]) == ("succeeded", "A brief", 1)
    assert "A brief" in client.get(reverse("annotations:report-list", args=[workspace.slug])).content.decode()
    sections = call(client, "GET", f"/reports/{report['uuid']}/sections/", headers).json()
    assert [s["title"] for s in sections] == list(
        reading_report.__class__.objects.get(uuid=report["uuid"]).sections.values_list("title", flat=True)
    )
    bad = client.post(f"{API}/workspaces/{workspace.slug}/reports/",
                      {"file": SimpleUploadedFile("x.exe", b"MZ")}, headers=headers)  # fmt: skip
    assert bad.status_code == 400
    assert "unsupported file type" in bad.json()["detail"]

    merged = call(client, "POST", f"/workspaces/{workspace.slug}/tags/merge/", headers,
                  {"survivor": "Security", "merged": ["energy"]})  # fmt: skip
    assert merged.status_code == 200
    assert merged.json()["merged"] == 1
    assert not Tag.objects.filter(name="Energy").exists()
    assert "Energy" not in client.get(reverse("annotations:tag-list", args=[workspace.slug])).content.decode()
    unknown = call(client, "POST", f"/workspaces/{workspace.slug}/tags/merge/", headers,
                   {"survivor": "Security", "merged": ["nope"]})  # fmt: skip
    assert unknown.status_code == 404
    # A NUL in a name is refused as input (PostgreSQL would fail on it in the lookup: a 500).
    hostile = call(client, "POST", f"/workspaces/{workspace.slug}/tags/merge/", headers,
                   {"survivor": "Secu\u0000rity", "merged": ["nope"]})  # fmt: skip
    assert hostile.status_code == 422, hostile.content
