"""Who gets what from every URL of the project.

Every URL pattern the resolver knows (the admin's too) has a row below: for each role, the outcome
of a GET (and of a POST where the view takes one) against the records of one workspace. A pattern
without a row fails test_every_url_pattern_has_a_matrix_row, so a new view cannot go unchecked.
Besides the status, no refused response, and no response at all to someone outside the workspace,
may contain any of the workspace's text.
"""

from dataclasses import dataclass

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.admin.utils import quote
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from annotations import services
from annotations.models import Job, Membership, Orphan, Passage, Report, Role, Section, TaggedPassage, Work
from annotations.sharing.qdc import codebook_xml

from .conftest import make_member

ROLES = ("anon", "viewer", "annotator", "curator", "outsider", "staff", "staff_outsider")
# anon            not logged in
# viewer, annotator, curator   members of the workspace (the curator is also staff: the admin opens)
# outsider        curator of another workspace, not staff
# staff           staff user without any membership: staff status opens the admin, no workspace
# staff_outsider  staff curator of another workspace: the admin opens, but not onto our records

# Outcomes. A status code, or a redirect whose target matters.
OK, CREATED, HIDDEN, DENIED, NOT_ALLOWED = 200, 201, 404, 403, 405
LOGIN = "login"  # 302 to the login page, with ?next=
ADMIN_LOGIN = "admin-login"  # 302 to the admin's login page
ADMIN_INDEX = "admin-index"  # 302 to the admin's index: "does not exist" (a foreign record), or already in
MOVED = "moved"  # 301/302 elsewhere on this site (a write done, a shortcut followed, a logout)

SECRETS = {
    "workspace": "Workspace Quillwort",
    "report": "Report Marramgrass",
    "section": "Section Bladderwrack",
    "passage": "Passage text Samphire about the SCO.",
    "comment": "Comment Saltwort",
    "source": "Source Glasswort",
    "note": "Link note Sea-kale",
    "tag": "Tag Sea-lavender",
}


@dataclass(frozen=True)
class Row:
    target: str  # the URL name, or the route of an unnamed pattern
    method: str
    args: str  # which records fill the URL (see url_args)
    outcomes: tuple

    def __str__(self):
        return f"{self.method} {self.target}"


def row(target, method, args, *outcomes):
    assert len(outcomes) == len(ROLES), f"{target}: one outcome per role"
    return Row(target, method, args, outcomes)


GET, POST = "GET", "POST"
H, D, N, C = HIDDEN, DENIED, NOT_ALLOWED, CREATED
O = OK  # noqa: E741 (a column of one-letter outcomes reads as a table)
L, AL, AI, M = LOGIN, ADMIN_LOGIN, ADMIN_INDEX, MOVED

# fmt: off
APP_ROWS = [
    #    target                              method args        anon viewer annot curator outsider staff staff_out
    row("annotations:home",                  GET,  "",          L,   M,     M,    M,      M,       O,    M),
    row("annotations:favicon",               GET,  "",          M,   M,     M,    M,      M,       M,    M),
    row("annotations:report-list",           GET,  "workspace", L,   O,     O,    O,      H,       H,    H),
    row("annotations:report-upload",         GET,  "workspace", L,   N,     N,    N,      N,       N,    N),
    row("annotations:report-upload",         POST, "workspace", L,   D,     D,    M,      H,       H,    H),
    row("annotations:tag-list",              GET,  "workspace", L,   O,     O,    O,      H,       H,    H),
    row("annotations:tag-detail",            GET,  "tag",       L,   O,     O,    O,      H,       H,    H),
    row("annotations:tag-excerpts",          GET,  "workspace", L,   O,     O,    O,      H,       H,    H),
    row("annotations:tag-excerpts",          POST, "workspace", L,   N,     N,    N,      N,       N,    N),
    row("annotations:codebook-import",       GET,  "workspace", L,   N,     N,    N,      N,       N,    N),
    row("annotations:codebook-import",       POST, "workspace", L,   D,     D,    M,      H,       H,    H),
    row("annotations:member-list",           GET,  "workspace", L,   O,     O,    O,      H,       H,    H),
    row("annotations:member-set",            GET,  "workspace", L,   N,     N,    N,      N,       N,    N),
    row("annotations:member-set",            POST, "workspace", L,   D,     D,    M,      H,       H,    H),
    row("annotations:member-remove",         GET,  "workspace", L,   N,     N,    N,      N,       N,    N),
    row("annotations:member-remove",         POST, "workspace", L,   D,     D,    M,      H,       H,    H),
    row("annotations:workspace-activity",    GET,  "workspace", L,   O,     O,    O,      H,       H,    H),
    row("annotations:report-read",           GET,  "report",    L,   O,     O,    O,      H,       H,    H),
    row("annotations:report-passages",       GET,  "report",    L,   O,     O,    O,      H,       H,    H),
    row("annotations:report-heatmap",        GET,  "report",    L,   O,     O,    O,      H,       H,    H),
    row("annotations:report-metadata",       GET,  "report",    L,   N,     N,    N,      N,       N,    N),
    row("annotations:report-metadata",       POST, "report",    L,   D,     D,    M,      H,       H,    H),
    row("annotations:passage-detail",        GET,  "passage",   L,   O,     O,    O,      H,       H,    H),
    row("annotations:passage-panel",         GET,  "passage",   L,   O,     O,    O,      H,       H,    H),
    row("annotations:passage-history",       GET,  "passage",   L,   O,     O,    O,      H,       H,    H),
    row("annotations:passage-tag-add",       GET,  "passage",   L,   N,     N,    N,      N,       N,    N),
    row("annotations:passage-tag-add",       POST, "passage",   L,   D,     O,    O,      H,       H,    H),
    row("annotations:passage-tag-remove",    GET,  "passage",   L,   N,     N,    N,      N,       N,    N),
    row("annotations:passage-tag-remove",    POST, "passage",   L,   D,     D,    O,      H,       H,    H),
    row("annotations:passage-status",        GET,  "passage",   L,   N,     N,    N,      N,       N,    N),
    row("annotations:passage-status",        POST, "passage",   L,   D,     D,    O,      H,       H,    H),
    row("annotations:comment-create",        GET,  "passage",   L,   N,     N,    N,      N,       N,    N),
    row("annotations:comment-create",        POST, "passage",   L,   D,     O,    O,      H,       H,    H),
    row("annotations:highlight-create",      GET,  "passage",   L,   N,     N,    N,      N,       N,    N),
    row("annotations:highlight-create",      POST, "passage",   L,   D,     O,    O,      H,       H,    H),
    row("annotations:sourcelink-create",     GET,  "passage",   L,   N,     N,    N,      N,       N,    N),
    row("annotations:sourcelink-create",     POST, "passage",   L,   D,     O,    O,      H,       H,    H),
    # Replying is for annotators; editing, deleting and resolving the thread for its author (the
    # curator here) or a curator.
    row("annotations:comment-reply",         GET,  "comment",   L,   N,     N,    N,      N,       N,    N),
    row("annotations:comment-reply",         POST, "comment",   L,   D,     O,    O,      H,       H,    H),
    row("annotations:comment-edit",          GET,  "comment",   L,   N,     N,    N,      N,       N,    N),
    row("annotations:comment-edit",          POST, "comment",   L,   D,     D,    O,      H,       H,    H),
    row("annotations:comment-delete",        GET,  "comment",   L,   N,     N,    N,      N,       N,    N),
    row("annotations:comment-delete",        POST, "comment",   L,   D,     D,    O,      H,       H,    H),
    row("annotations:comment-resolve",       GET,  "comment",   L,   N,     N,    N,      N,       N,    N),
    row("annotations:comment-resolve",       POST, "comment",   L,   D,     D,    O,      H,       H,    H),
    row("annotations:highlight-delete",      GET,  "highlight", L,   N,     N,    N,      N,       N,    N),
    row("annotations:highlight-delete",      POST, "highlight", L,   D,     D,    O,      H,       H,    H),
    row("annotations:sourcelink-delete",     GET,  "link",      L,   N,     N,    N,      N,       N,    N),
    row("annotations:sourcelink-delete",     POST, "link",      L,   D,     D,    O,      H,       H,    H),
    # Personal API tokens: everyone manages their own (revoking another's token is a 404).
    row("annotations:token-list",            GET,  "",          L,   O,     O,    O,      O,       O,    O),
    row("annotations:token-list",            POST, "",          L,   C,     C,    C,      C,       C,    C),
    row("annotations:token-revoke",          GET,  "token",     L,   N,     N,    N,      N,       N,    N),
    row("annotations:token-revoke",          POST, "token",     L,   M,     H,    H,      H,       H,    H),
    # Versions: curators upload the next version and review what could not be placed; readers compare.
    row("annotations:report-new-version",    GET,  "report",    L,   N,     N,    N,      N,       N,    N),
    row("annotations:report-new-version",    POST, "report",    L,   D,     D,    M,      H,       H,    H),
    row("annotations:report-orphans",        GET,  "report",    L,   D,     D,    O,      H,       H,    H),
    row("annotations:report-compare",        GET,  "report",    L,   O,     O,    O,      H,       H,    H),
    row("annotations:orphan-place",          GET,  "orphan",    L,   N,     N,    N,      N,       N,    N),
    row("annotations:orphan-place",          POST, "orphan",    L,   D,     D,    O,      H,       H,    H),
    row("annotations:orphan-dismiss",        GET,  "orphan",    L,   N,     N,    N,      N,       N,    N),
    row("annotations:orphan-dismiss",        POST, "orphan",    L,   D,     D,    O,      H,       H,    H),
    # Search covers what the user may read: the outsider searches for our passage's words in vain.
    row("annotations:search",                GET,  "search",    L,   O,     O,    O,      O,       O,    O),
    row("annotations:job-detail",            GET,  "job",       L,   D,     D,    O,      H,       H,    H),
    # Import and export (background jobs): curators only; the download is the job's file.
    row("annotations:workspace-share",       GET,  "workspace", L,   D,     D,    O,      H,       H,    H),
    row("annotations:fixture-import",        GET,  "workspace", L,   N,     N,    N,      N,       N,    N),
    row("annotations:fixture-import",        POST, "workspace", L,   D,     D,    M,      H,       H,    H),
    row("annotations:export-start",          GET,  "workspace", L,   N,     N,    N,      N,       N,    N),
    row("annotations:export-start",          POST, "workspace", L,   D,     D,    M,      H,       H,    H),
    row("annotations:job-download",          GET,  "export_job", L,  D,     D,    O,      H,       H,    H),
]

AUTH_ROWS = [
    #    target                              method args        anon viewer annot curator outsider staff staff_out
    row("login",                             GET,  "",          O,   O,     O,    O,      O,       O,    O),
    row("logout",                            GET,  "",          N,   N,     N,    N,      N,       N,    N),
    row("logout",                            POST, "",          M,   M,     M,    M,      M,       M,    M),
    row("password_change",                   GET,  "",          L,   O,     O,    O,      O,       O,    O),
    row("password_change_done",              GET,  "",          L,   O,     O,    O,      O,       O,    O),
    row("password_reset",                    GET,  "",          O,   O,     O,    O,      O,       O,    O),
    row("password_reset_done",               GET,  "",          O,   O,     O,    O,      O,       O,    O),
    row("password_reset_confirm",            GET,  "reset",     O,   O,     O,    O,      O,       O,    O),
    row("password_reset_complete",           GET,  "",          O,   O,     O,    O,      O,       O,    O),
]

ADMIN_SITE_ROWS = [
    # Staff who curate nothing pass the admin site's own check, then every model refuses them.
    #    target                              method args        anon viewer annot curator outsider staff staff_out
    row("admin:index",                       GET,  "",          AL,  AL,    AL,   O,      AL,      O,    O),
    row("admin:login",                       GET,  "",          O,   O,     O,    AI,     O,       AI,   AI),
    row("admin:logout",                      GET,  "",          AI,  AI,    AI,   N,      AI,      N,    N),
    row("admin:password_change",             GET,  "",          AL,  AL,    AL,   O,      AL,      O,    O),
    row("admin:password_change_done",        GET,  "",          AL,  AL,    AL,   O,      AL,      O,    O),
    row("admin:autocomplete",                GET,  "",          AL,  AL,    AL,   D,      AL,      D,    D),
    row("admin:jsi18n",                      GET,  "",          AL,  AL,    AL,   O,      AL,      O,    O),
    row("admin:view_on_site",                GET,  "shortcut",  AL,  AL,    AL,   M,      AL,      M,    M),
    row("admin:recent_changes",              GET,  "",          AL,  AL,    AL,   O,      AL,      D,    O),
    row("admin:app_list",                    GET,  "app",       AL,  AL,    AL,   O,      AL,      H,    O),
    row("admin/(?P<url>.*)$",                GET,  "nowhere",   AL,  AL,    AL,   H,      AL,      H,    H),
]
# fmt: on


# What (curator, staff, staff_outsider) get from each view of a ModelAdmin; everyone else is sent
# to the admin's login page. "scoped": the workspace's curators get its records; a staff curator
# of another workspace gets an empty list and the "does not exist" redirect for our records (403
# from django-simple-history's views); staff who curate nothing get 403.
# "django": Django's model permissions decide; no curator has any.
ADMIN_ACCESS = {
    "scoped": {
        "changelist": (OK, DENIED, OK),
        "add": (OK, DENIED, OK),
        "change": (OK, DENIED, ADMIN_INDEX),
        "delete": (OK, DENIED, ADMIN_INDEX),
        "delete-post": (MOVED, DENIED, ADMIN_INDEX),
        "history": (OK, ADMIN_INDEX, ADMIN_INDEX),
        "simple-history": (OK, DENIED, DENIED),
    },
    "django": dict.fromkeys(
        ("changelist", "add", "change", "delete", "delete-post", "history"), (DENIED, DENIED, DENIED)
    ),
}


def admin_model_rows(model, record, *, access="scoped", simple_history=False, **overrides):
    """The rows of one ModelAdmin; `overrides` maps a view (add, delete...) to its own triple."""
    app, name = model.split(".")
    prefix = f"admin:{app}_{name}"
    outcomes = {**ADMIN_ACCESS[access], **{kind.replace("_", "-"): v for kind, v in overrides.items()}}
    history = outcomes["simple-history"] if simple_history else outcomes["history"]

    def admin_row(target, method, args, staff_outcomes):
        curator, staff, staff_outsider = staff_outcomes
        return row(target, method, args, AL, AL, AL, curator, AL, staff, staff_outsider)

    rows = [
        admin_row(f"{prefix}_changelist", GET, "", outcomes["changelist"]),
        admin_row(f"{prefix}_changelist", POST, "", outcomes["changelist"]),
        admin_row(f"{prefix}_add", GET, "", outcomes["add"]),
        admin_row(f"{prefix}_change", GET, record, outcomes["change"]),
        admin_row(f"{prefix}_change", POST, record, outcomes["change"]),
        admin_row(f"{prefix}_delete", GET, record, outcomes["delete"]),
        admin_row(f"{prefix}_delete", POST, record, outcomes["delete-post"]),
        admin_row(f"{prefix}_history", GET, record, history),
        # The bare object id redirects to its change page (it shows nothing).
        admin_row(f"admin/{app}/{name}/<path:object_id>/", GET, record, (M, M, M)),
    ]
    if simple_history:
        rows.append(admin_row(f"{prefix}_simple_history", GET, f"{record}+history", history))
    return rows


NO_ONE = (DENIED, DENIED, DENIED)


def read_only_admin_rows(model, record, deletable=False):
    """A read-only ModelAdmin: scoped viewing; adding and saving refused to everyone, and deleting
    unless `deletable` (then scoped)."""
    # After a delete, a view-only changelist sends the curator to the admin's index.
    if deletable:
        deleting = {"delete_post": (ADMIN_INDEX, DENIED, ADMIN_INDEX)}
    else:
        deleting = {"delete": NO_ONE, "delete_post": NO_ONE}
    rows = admin_model_rows(model, record, add=NO_ONE, **deleting)
    change = f"admin:{model.replace('.', '_')}_change"
    saved = row(change, POST, record, AL, AL, AL, DENIED, AL, DENIED, DENIED)
    return [saved if (r.target, r.method) == (change, POST) else r for r in rows]

# fmt: off
ADMIN_MODEL_ROWS = [
    *admin_model_rows("annotations.workspace",     "workspace", add=NO_ONE, delete=NO_ONE, delete_post=NO_ONE),
    *admin_model_rows("annotations.membership",    "membership"),
    *admin_model_rows("annotations.report",        "report", simple_history=True),
    *admin_model_rows("annotations.section",       "section"),
    *admin_model_rows("annotations.passage",       "passage", simple_history=True),
    *admin_model_rows("annotations.highlight",     "highlight", add=NO_ONE),  # made in the reading view
    *admin_model_rows("annotations.comment",       "comment", simple_history=True),
    *admin_model_rows("annotations.source",        "source", simple_history=True),
    *admin_model_rows("annotations.sourcelink",    "link", simple_history=True),
    *admin_model_rows("annotations.taggedpassage", "tagging"),
    *admin_model_rows("annotations.tag",           "tag", simple_history=True),
    # Jobs, works and orphans are read-only in the admin (the worker, the importer and Needs review write them).
    *read_only_admin_rows("annotations.job",       "job"),
    *read_only_admin_rows("annotations.work",      "work"),
    *read_only_admin_rows("annotations.orphan",    "orphan", deletable=True),  # with its report or passage
    *admin_model_rows("auth.user",                 "user", access="django"),
    *admin_model_rows("auth.group",                "group", access="django"),
    *admin_model_rows("axes.accessattempt",        "attempt", access="django"),
    *admin_model_rows("axes.accesslog",            "accesslog", access="django"),
    *admin_model_rows("axes.accessfailurelog",     "failurelog", access="django"),
    #    target                                    method args    anon viewer annot curator outsider staff staff_out
    row("admin:auth_user_password_change",         GET,  "user",  AL,  AL,    AL,   D,      AL,      D,    D),
    # The finder of similar tag names: a curator sees their own codebooks' groups only.
    row("admin:annotations_tag_similar",           GET,  "",      AL,  AL,    AL,   O,      AL,      D,    O),
    row("admin:annotations_tag_similar",           POST, "",      AL,  AL,    AL,   N,      AL,      N,    N),
]
# fmt: on

MATRIX = APP_ROWS + AUTH_ROWS + ADMIN_SITE_ROWS + ADMIN_MODEL_ROWS


def url_patterns(patterns=None, prefix="", namespace=""):
    """(key, route) of every URL pattern: its namespaced name, or its route when it has none."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = ":".join(filter(None, [namespace, pattern.namespace]))
            yield from url_patterns(pattern.url_patterns, route, inner)
        elif isinstance(pattern, URLPattern):
            name = pattern.name and ":".join(filter(None, [namespace, pattern.name]))
            yield name or route, route


def test_every_url_pattern_has_a_matrix_row():
    from .test_api_access_matrix import API_ROWS  # the API's operations, with tokens for every role

    keys = {key for key, _ in url_patterns()}
    covered = {r.target for r in MATRIX if r.method == GET} | {r.target for r in API_ROWS}
    assert keys - covered == set(), "add these URL patterns to the access matrix"
    assert covered - keys == set(), "these matrix rows name URL patterns that no longer exist"


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def records(workspace, other_workspace, viewer, annotator, curator, outsider):
    """One of everything in the workspace, made by its curator, plus the extra users."""
    User = get_user_model()
    curator.is_staff = True
    curator.save(update_fields=["is_staff"])
    staff = User.objects.create_user("stan", is_staff=True)
    staff_outsider = make_member(other_workspace, "olga", Role.CURATOR)
    staff_outsider.is_staff = True
    staff_outsider.save(update_fields=["is_staff"])

    workspace.name = SECRETS["workspace"]
    workspace.save()
    report = Report.objects.create(workspace=workspace, title=SECRETS["report"], slug="secret-report")
    section = Section.objects.create(report=report, order=1, title=SECRETS["section"])
    passage = Passage.objects.create(report=report, section=section, order=1, text=SECRETS["passage"])
    tag = services.passage_add_tag(passage=passage, name=SECRETS["tag"], user=curator)
    highlight = services.highlight_create(passage=passage, start=0, end=7, user=curator)
    comment = services.comment_create(passage=passage, author=curator, body=SECRETS["comment"])
    source, _ = services.source_get_or_create(
        workspace=workspace, url="https://example.org/secret", title=SECRETS["source"]
    )
    link, _ = services.source_link_create(passage=passage, source=source, user=curator, note=SECRETS["note"])
    seen = {"user_agent": "test", "ip_address": "127.0.0.1", "username": "vera", "http_accept": "*/*"}
    return {
        "users": {
            "anon": None,
            "viewer": viewer,
            "annotator": annotator,
            "curator": curator,
            "outsider": outsider,
            "staff": staff,
            "staff_outsider": staff_outsider,
        },
        "workspace": workspace,
        "membership": Membership.objects.get(workspace=workspace, user=viewer),
        "report": report,
        "section": section,
        "passage": passage,
        "tag": tag,
        "tagging": TaggedPassage.objects.get(content_object=passage, tag=tag),
        "highlight": highlight,
        "comment": comment,
        "source": source,
        "link": link,
        "job": Job.objects.create(
            workspace=workspace, kind=Job.Kind.IMPORT_REPORT, created_by=curator, status=Job.Status.SUCCEEDED,
            message=f"Imported “{SECRETS['report']}”", report=report,
        ),
        "export_job": Job.objects.create(
            workspace=workspace, kind=Job.Kind.EXPORT_ANNOTATIONS, created_by=curator, status=Job.Status.SUCCEEDED,
            message=f"Exported the annotations of “{SECRETS['report']}”", report=report,
            result=SECRETS["passage"].encode(), result_name="secret-report.csv",
        ),
        "token": services.api_token_create(user=viewer, name="Vera's script")[0],
        "orphan": Orphan.objects.create(report=report, passage=passage, reason="Its passage was removed."),
        "work": Work.objects.create(workspace=workspace, title=SECRETS["report"]),
        "user": viewer,
        "group": Group.objects.create(name="editors"),
        "attempt": AccessAttempt.objects.create(
            **seen, path_info="/", get_data="", post_data="", failures_since_start=1
        ),
        "accesslog": AccessLog.objects.create(**seen, path_info="/"),
        "failurelog": AccessFailureLog.objects.create(**seen, path_info="/"),
    }


def url_args(r, records):
    """The browser's URLs name workspaces and tags by slug and records by uuid; the admin's by pk."""
    kind = r.args
    if kind in ("workspace", "tag") and r.target.startswith("annotations:"):
        return [records["workspace"].slug] + ([records["tag"].uuid] if kind == "tag" else [])
    special = {
        "": [],
        "reset": ["MQ", "set-password"],
        "app": ["annotations"],
        "shortcut": [ContentType.objects.get_for_model(Report).pk, records["report"].pk],
    }
    if kind in special:
        return special[kind]
    if kind.endswith("+history"):
        obj = records[kind.removesuffix("+history")]
        return [quote(obj.pk), obj.history.latest().history_id]
    obj = records[kind]
    return [obj.uuid] if r.target.startswith("annotations:") else [quote(obj.pk)]


def url_of(r, records):
    if r.args == "search":
        return reverse(r.target) + "?q=Samphire"
    if r.target == "annotations:tag-excerpts":
        return reverse(r.target, args=url_args(r, records)) + f"?tag={records['tag'].uuid}&format=html"
    if r.target == "admin/(?P<url>.*)$":
        return "/admin/no-such-page/"
    if r.target.startswith("admin/"):
        return "/" + r.target.replace("<path:object_id>", str(records[r.args].pk))
    return reverse(r.target, args=url_args(r, records))


def post_data(r, records):
    """A valid submission for the view: a refusal must come from the permission check, not the form."""
    name = r.target.removeprefix("annotations:")
    data = {
        "report-upload": {"file": SimpleUploadedFile("new.txt", b"A heading\n\nA paragraph of text.\n")},
        "fixture-import": {"file": SimpleUploadedFile("shared.json", b"[]")},
        "export-start": {"what": "csv", "report": records["report"].uuid},
        "codebook-import": {"file": SimpleUploadedFile("codebook.qdc", codebook_xml([records["tag"]]).encode())},
        "report-metadata": {"title": "Renamed report", "authors": "Jane Doe"},
        "report-new-version": {"file": SimpleUploadedFile("v2.txt", b"A heading\n\nA revised paragraph.\n")},
        "orphan-place": {"passage": records["passage"].uuid},
        "member-set": {"username": "stan", "role": Role.VIEWER},
        "member-remove": {"username": "vera"},
        "passage-tag-add": {"name": "Energy"},
        "passage-tag-remove": {"tag": records["tag"].uuid},
        "passage-status": {"status": Passage.Status.APPROVED, "version": records["passage"].version},
        "comment-create": {"body": "A new comment"},
        "highlight-create": {"start": 0, "end": 5},
        "sourcelink-create": {
            "url": "https://example.org/new",
            "title": "New",
            "kind": "other",
            "relation": "supports",
        },
        "comment-reply": {"body": "A reply"},
        "comment-edit": {"body": "Edited", "version": records["comment"].version},
        "comment-resolve": {"resolved": "1"},
        "token-list": {"name": "A script"},
    }.get(name, {})
    if r.target.endswith("_delete"):
        data = {"post": "yes"}
    return data


def outcome_of(response):
    if response.status_code not in (301, 302):
        return response.status_code
    location = response["Location"].removeprefix("http://testserver")
    if location.startswith(reverse("login") + "?next="):
        return LOGIN
    if location.startswith(reverse("admin:login") + "?next="):
        return ADMIN_LOGIN
    if location == reverse("admin:index"):
        return ADMIN_INDEX
    return MOVED if location.startswith("/") and not location.startswith("//") else location


def secrets_hidden_from(role, r, expected):
    """Nobody outside the workspace sees its text, staff or not (only membership opens a
    workspace), and nobody sees it in a refusal."""
    if role in ("anon", "outsider", "staff", "staff_outsider") or expected not in (OK, CREATED, MOVED):
        return SECRETS
    return {}


@pytest.mark.parametrize("r", MATRIX, ids=str)
def test_access_matrix(client, records, r):
    failures = []
    for role, expected in zip(ROLES, r.outcomes, strict=True):
        user = records["users"][role]
        with transaction.atomic():
            client.logout()
            if user is not None:
                client.force_login(user)
            url = url_of(r, records)
            if r.method == GET:
                response = client.get(url)
            else:
                response = client.post(url, post_data(r, records), headers={"HX-Request": "true"})
            actual = outcome_of(response)
            if actual != expected:
                failures.append(f"{role}: expected {expected}, got {actual}")
            body = b"".join(response) if response.streaming else response.content
            leaked = [key for key, text in secrets_hidden_from(role, r, expected).items() if text.encode() in body]
            if leaked:
                failures.append(f"{role}: the response shows the {', '.join(leaked)}")
            transaction.set_rollback(True)
    assert not failures, f"{r}: " + "; ".join(failures)


def test_search_shows_the_passage_to_members_only(client, records):
    """The matrix's search row means something only if members do find the passage."""
    url = url_of(row("annotations:search", GET, "search", *ROLES), records)
    client.force_login(records["users"]["viewer"])
    assert SECRETS["report"] in client.get(url).content.decode()
    client.force_login(records["users"]["outsider"])
    assert SECRETS["report"] not in client.get(url).content.decode()
