"""Conditional GET for the reading view, its chunks and the passage panel: the ETag is a digest of
everything the response shows — the passages' annotation stamps, which every write raises, plus
the small lists around them (sections and their counts, codebook, members, the reader and their
role) — computed from cheap queries before anything is rendered, so an unchanged page costs a
few queries and a 304, no rendering and no transfer.

Besides the parts each view passes, the digest covers the reader (who they are, their CSRF
secret, whose token the page embeds; their workspaces, listed in the menu), the URL and the
static files' names (a deploy changes them)."""

import hashlib

from django.contrib.messages import get_messages
from django.http import HttpResponseNotModified
from django.middleware.csrf import get_token
from django.templatetags.static import static

from .. import permissions
from .fragments import FRAGMENT_VERSION

STATIC_FILES = ("annotations/app.css", "annotations/annotate.js")


def etag_for(request, *parts):
    get_token(request)  # the page embeds a token: make sure the secret it derives from is the one hashed
    reader = (
        request.user.pk,
        request.user.get_username(),
        request.user.is_staff,
        request.META.get("CSRF_COOKIE"),
        [(ws.pk, ws.slug, ws.name) for ws in permissions.visible_workspaces(request.user)],
    )
    everything = (FRAGMENT_VERSION, [static(name) for name in STATIC_FILES], request.get_full_path(), reader, parts)
    return '"' + hashlib.sha256(repr(everything).encode()).hexdigest()[:40] + '"'


def not_modified(request, etag):
    """A 304 when the client's copy (If-None-Match) is current; None when the page must be sent.
    Pending messages (shown once, on the next page) always get a full page."""
    wanted = request.headers.get("If-None-Match", "")
    if not wanted or etag not in (tag.strip().removeprefix("W/") for tag in wanted.split(",")):
        return None
    if len(get_messages(request)):
        return None
    return with_etag(HttpResponseNotModified(), etag)


def with_etag(response, etag):
    """Browsers keep the page but ask again every time (no-cache), so a change shows at once."""
    if response.status_code in (200, 304):
        response["ETag"] = etag
        response["Cache-Control"] = "private, no-cache"
    return response
