"""Who gets what from every REST API operation and the W3C container, for every role.

Each caller uses a personal token, as scripts do: the workspace's viewer, annotator and curator; a
curator of another workspace (outsider); the curator's read-only token; and a token of the
curator limited to another workspace they also belong to, which must see nothing of this one
(404). Anonymous callers get 401. No refused response, and no response to someone outside the
workspace, may contain any of the workspace's text (SECRETS).
"""

import json
from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse

from annotations import services
from annotations.models import Membership, Role

from . import test_security_access_matrix as browser_matrix

SECRETS = browser_matrix.SECRETS
records = browser_matrix.records  # the browser matrix's records, as a fixture here too
fast_password_hashing = browser_matrix.fast_password_hashing  # autouse here too

ROLES = ("anon", "viewer", "annotator", "curator", "outsider", "read_only", "other_workspace")
OK, CREATED, ACCEPTED, GONE, UNAUTHORIZED, DENIED, HIDDEN = 200, 201, 202, 204, 401, 403, 404
O, C, A, G, U, D, H = OK, CREATED, ACCEPTED, GONE, UNAUTHORIZED, DENIED, HIDDEN  # noqa: E741 (a column of one-letter outcomes)


@dataclass(frozen=True)
class Row:
    target: str  # the URL name
    method: str
    args: str  # which records fill the URL
    body: str  # which request body (see body_of)
    outcomes: tuple

    def __str__(self):
        return f"{self.method} {self.target}"


def row(target, method, args, body, *outcomes):
    assert len(outcomes) == len(ROLES), f"{target}: one outcome per role"
    return Row(target, method, args, body, outcomes)


GET, POST, PUT, PATCH, DELETE = "GET", "POST", "PUT", "PATCH", "DELETE"

# fmt: off
API_ROWS = [
    #   target                        method  args           body         anon viewer annot curator outsider r/o other
    row("api:openapi-json",           GET,    "",            "",          O,   O,     O,    O,      O,       O,  O),
    row("api:openapi-view",           GET,    "",            "",          O,   O,     O,    O,      O,       O,  O),
    row("api:api-root",               GET,    "",            "",          H,   H,     H,    H,      H,       H,  H),
    row("api:workspace_list",         GET,    "",            "",          U,   O,     O,    O,      O,       O,  O),
    row("api:workspace_detail",       GET,    "workspace",   "",          U,   O,     O,    O,      H,       O,  H),
    row("api:member_list",            GET,    "workspace",   "",          U,   O,     O,    O,      H,       O,  H),
    row("api:member_set",             PUT,    "member",      "role",      U,   D,     D,    O,      H,       D,  H),
    row("api:member_remove",          DELETE, "member",      "",          U,   D,     D,    G,      H,       D,  H),
    row("api:report_list",            GET,    "workspace",   "",          U,   O,     O,    O,      H,       O,  H),
    row("api:report_upload",          POST,   "workspace",   "upload",    U,   D,     D,    A,      H,       D,  H),
    row("api:job_detail",             GET,    "job",         "",          U,   D,     D,    O,      H,       O,  H),
    row("api:report_detail",          GET,    "report",      "",          U,   O,     O,    O,      H,       O,  H),
    row("api:section_list",           GET,    "report",      "",          U,   O,     O,    O,      H,       O,  H),
    row("api:passage_list",           GET,    "",            "",          U,   O,     O,    O,      O,       O,  O),
    row("api:passage_detail",         GET,    "passage",     "",          U,   O,     O,    O,      H,       O,  H),
    row("api:passage_update",         PATCH,  "passage",     "status",    U,   D,     D,    O,      H,       D,  H),
    row("api:tag_list",               GET,    "workspace",   "",          U,   O,     O,    O,      H,       O,  H),
    row("api:tag_create",             POST,   "workspace",   "new_tag",   U,   D,     D,    C,      H,       D,  H),
    row("api:tag_rename",             PATCH,  "tag",         "rename",    U,   D,     D,    O,      H,       D,  H),
    row("api:tag_merge",              POST,   "workspace",   "merge",     U,   D,     D,    O,      H,       D,  H),
    row("api:passage_tag_list",       GET,    "passage",     "",          U,   O,     O,    O,      H,       O,  H),
    row("api:passage_tag_add",        POST,   "passage",     "tag",       U,   D,     C,    C,      H,       D,  H),
    row("api:passage_tag_remove",     DELETE, "passage+tag", "",          U,   D,     D,    G,      H,       D,  H),
    row("api:highlight_list",         GET,    "passage",     "",          U,   O,     O,    O,      H,       O,  H),
    row("api:highlight_create",       POST,   "passage",     "highlight", U,   D,     C,    C,      H,       D,  H),
    row("api:highlight_detail",       GET,    "highlight",   "",          U,   O,     O,    O,      H,       O,  H),
    row("api:highlight_delete",       DELETE, "highlight",   "",          U,   D,     D,    G,      H,       D,  H),
    row("api:highlight_tag_add",      POST,   "highlight",   "tag",       U,   D,     C,    C,      H,       D,  H),
    row("api:highlight_tag_remove",   DELETE, "highlight+tag", "",        U,   D,     D,    G,      H,       D,  H),
    row("api:comment_list",           GET,    "passage",     "",          U,   O,     O,    O,      H,       O,  H),
    row("api:comment_create",         POST,   "passage",     "comment",   U,   D,     C,    C,      H,       D,  H),
    row("api:comment_detail",         GET,    "comment",     "",          U,   O,     O,    O,      H,       O,  H),
    row("api:comment_update",         PATCH,  "comment",     "edit",      U,   D,     D,    O,      H,       D,  H),
    row("api:comment_delete",         DELETE, "comment",     "",          U,   D,     D,    G,      H,       D,  H),
    row("api:comment_resolve",        POST,   "comment",     "resolve",   U,   D,     D,    O,      H,       D,  H),
    row("api:source_list",            GET,    "workspace",   "",          U,   O,     O,    O,      H,       O,  H),
    row("api:source_create",          POST,   "workspace",   "source",    U,   D,     C,    C,      H,       D,  H),
    row("api:source_detail",          GET,    "source",      "",          U,   O,     O,    O,      H,       O,  H),
    row("api:source_link_list",       GET,    "passage",     "",          U,   O,     O,    O,      H,       O,  H),
    row("api:source_link_create",     POST,   "passage",     "link",      U,   D,     C,    C,      H,       D,  H),
    row("api:source_link_delete",     DELETE, "link",        "",          U,   D,     D,    G,      H,       D,  H),
    row("w3c-container",              GET,    "report",      "",          U,   O,     O,    O,      H,       O,  H),
    row("w3c-container",              POST,   "report",      "annotation", U,  D,     C,    C,      H,       D,  H),
    row("w3c-annotation",             GET,    "report+comment", "",       U,   O,     O,    O,      H,       O,  H),
    row("w3c-annotation",             PUT,    "report+comment", "annotation", U, D,   D,    O,      H,       D,  H),
    row("w3c-annotation",             DELETE, "report+comment", "",       U,   D,     D,    G,      H,       D,  H),
]
# fmt: on


@pytest.fixture
def api_records(records):
    """The matrix's records, a highlight tag by the curator, and the tokens of each role."""
    users = records["users"]
    curator, other = users["curator"], users["outsider"].memberships.get().workspace
    Membership.objects.create(workspace=other, user=curator, role=Role.VIEWER)
    services.highlight_add_tag(highlight=records["highlight"], name="Security", user=curator)
    services.tag_get_or_create(workspace=records["workspace"], name="Energy")
    tokens = {role: services.api_token_create(user=users[role], name=role)[1] for role in ROLES[1:5]}
    tokens["read_only"] = services.api_token_create(user=curator, name="ro", read_only=True)[1]
    tokens["other_workspace"] = services.api_token_create(user=curator, name="other", workspace=other)[1]
    return {**records, "tokens": tokens}


def url_of(r, data):
    if r.args == "":
        return reverse(r.target)
    parts = {
        "workspace": [data["workspace"].slug],
        "member": [data["workspace"].slug, "vera"],
        "passage+tag": [data["passage"].uuid, data["tag"].name],
        "highlight+tag": [data["highlight"].uuid, "Security"],
        "report+comment": [data["report"].uuid, data["comment"].uuid],
    }
    args = parts.get(r.args) or [data[r.args].uuid]
    return reverse(r.target, args=args)


def body_of(r, data):
    """A valid request body: a refusal must come from the permission check, not the input."""
    passage = data["passage"]
    annotation = {
        "@context": "http://www.w3.org/ns/anno.jsonld",
        "type": "Annotation",
        "motivation": "commenting",
        "body": {"type": "TextualBody", "value": "A comment through the protocol"},
        "target": f"urn:uuid:{passage.uuid}",
    }
    return {
        "role": {"role": Role.ANNOTATOR},
        "status": {"status": "approved", "version": passage.version},
        "merge": {"survivor": "Security", "merged": ["Energy"]},
        "tag": {"name": "Energy"},
        "new_tag": {"name": "Pipelines", "color": "#0f766e"},
        "rename": {"name": "Renamed"},
        "highlight": {"selector": [{"type": "TextPositionSelector", "start": 0, "end": 7}]},
        "comment": {"body": "A new comment"},
        "edit": {"body": "Edited", "version": data["comment"].version},
        "resolve": {"resolved": True},
        "source": {"url": "https://example.org/new", "title": "New"},
        "link": {"source": str(data["source"].uuid), "relation": "supports"},
        "annotation": annotation,
    }.get(r.body)


def request(client, r, data, role):
    headers = {} if role == "anon" else {"Authorization": f"Bearer {data['tokens'][role]}"}
    url = url_of(r, data)
    if r.body == "upload":
        upload = SimpleUploadedFile("new.txt", b"A heading\n\nA paragraph of text.\n")
        return client.post(url, {"file": upload}, headers=headers)
    body = body_of(r, data)
    if body is None:
        return client.generic(r.method, url, headers=headers)
    content_type = "application/ld+json" if r.target.startswith("w3c") else "application/json"
    return client.generic(r.method, url, json.dumps(body), content_type=content_type, headers=headers)


@pytest.mark.parametrize("r", API_ROWS, ids=str)
def test_api_access_matrix(client, api_records, r):
    failures = []
    for role, expected in zip(ROLES, r.outcomes, strict=True):
        with transaction.atomic():
            response = request(client, r, api_records, role)
            if response.status_code != expected:
                failures.append(f"{role}: expected {expected}, got {response.status_code} {response.content[:200]}")
            refused = expected >= 400
            outside = role in ("anon", "outsider", "other_workspace")
            if refused or outside:
                leaked = [key for key, text in SECRETS.items() if text.encode() in response.content]
                if leaked:
                    failures.append(f"{role}: the response shows the {', '.join(leaked)}")
            # The root URL only names the API's base for reverse(); Django's own 404 page answers it.
            if refused and r.target != "api:api-root":
                assert response["Content-Type"].startswith("application/json"), f"{role}: errors are JSON"
                assert response.json()["detail"], f"{role}: errors say what went wrong"
            transaction.set_rollback(True)
    assert not failures, f"{r}: " + "; ".join(failures)
