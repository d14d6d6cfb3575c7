"""The W3C Web Annotation Protocol: one annotation container per report.

`/api/w3c/reports/<uuid>/` is an LDP Basic Container holding the report's annotations as the
JSON-LD export writes them (one serializer: sharing/jsonld.py), paged, with ETags. Annotators
POST an annotation whose target is a passage (`urn:uuid:<passage uuid>`, optionally narrowed by a
TextQuoteSelector and/or TextPositionSelector); what it becomes depends on its bodies:

- `tagging` TextualBodies: tags on the passage, or, with a selector, a highlight with those tags;
- a `commenting` TextualBody (or `bodyValue`): a comment on the passage or a new highlight;
- a `linking` body whose `id` is an http(s) URL: a source link (the workspace's source for that
  URL, created if new; a `classifying` TextualBody may name the relation).

An annotation with `motivation: replying` targets another annotation instead: a comment's (its IRI
in this container, or `urn:uuid:<comment uuid>`). Its one text body becomes a reply in that
comment's thread, which the container and the export show as `replying` to the thread's first
comment.

Each annotation's IRI is the container's plus its uuid; its owner (or a curator) may PUT a changed
tag or comment text, and DELETE it.
"""

import hashlib
import json
import re
import uuid as uuid_lib
from functools import wraps

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse, JsonResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from ninja.errors import HttpError
from ninja.utils import check_csrf

from .. import permissions, services
from ..models import Comment, Highlight, Passage, SourceLink, TaggedHighlight, TaggedPassage
from ..sharing.jsonld import CONTEXT, annotation_items, tagging_uuid
from ..views.scoping import get_report_for_user, require
from .auth import SAFE_METHODS, PerTokenThrottle, token_user
from .selectors import span_of
from .w3c_schemas import problems

MEDIA_TYPE = f'application/ld+json; profile="{CONTEXT}"'
PAGE_SIZE = 100
CONTAINER_LINKS = (
    '<http://www.w3.org/ns/ldp#BasicContainer>; rel="type", '
    '<http://www.w3.org/ns/ldp#Resource>; rel="type", '
    '<http://www.w3.org/TR/annotation-protocol/>; rel="http://www.w3.org/ns/ldp#constrainedBy"'
)
MAX_BODY_BYTES = 100_000
UUID_AT_END = re.compile(r"([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$", re.IGNORECASE)

throttle = PerTokenThrottle()


def _error(status, detail, **headers):
    response = JsonResponse({"detail": detail}, status=status)
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def protocol_view(view):
    """Token or session (CSRF on writes) authentication, the per-token rate limit, and JSON errors
    for what the scoping and services refuse: as the REST API does."""

    @csrf_exempt  # checked below for session callers; a token is not a cookie, so needs no CSRF token
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        authorization = request.headers.get("Authorization", "")
        try:
            if authorization[:7].lower() == "bearer ":
                user = token_user(request, authorization[7:].strip())
            elif request.user.is_authenticated:
                if request.method not in SAFE_METHODS and check_csrf(request):
                    return _error(403, "CSRF check failed: send the X-CSRFToken header.")
                user = request.user
            else:
                user = None
        except HttpError as exc:
            return _error(exc.status_code, str(exc))
        if user is None:
            return _error(401, "Send a personal API token: Authorization: Bearer <token>.", WWW_Authenticate="Bearer")
        if not throttle.allow_request(request):
            return _error(
                429, "Too many requests for this token: wait a moment.", Retry_After=str(int(throttle.wait() or 1))
            )
        try:
            return view(request, *args, **kwargs)
        except Http404:
            return _error(404, "Not found (or not yours to see).")
        except PermissionDenied:
            return _error(403, "Your role in this workspace does not allow this.")
        except ValidationError as exc:
            return _error(400, " ".join(exc.messages))

    return wrapper


def _container_iri(request, report):
    return request.build_absolute_uri(reverse("w3c-container", args=[report.uuid]))


def _etag(document):
    digest = hashlib.sha256(json.dumps(document, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    return f'"{digest[:32]}"'


def _ld_response(request, document, *, status=200, allow, extra_links=None, **headers):
    """A JSON-LD answer with its ETag; a GET whose If-None-Match names that ETag gets 304."""
    etag = _etag(document)
    if request.method in ("GET", "HEAD") and etag in request.headers.get("If-None-Match", ""):
        response = HttpResponse(status=304)
    else:
        body = b"" if request.method == "HEAD" else json.dumps(document, ensure_ascii=False).encode()
        response = HttpResponse(body, status=status, content_type=MEDIA_TYPE)
    response["ETag"] = etag
    response["Allow"] = allow
    response["Vary"] = "Accept, Authorization, Cookie"
    links = ['<http://www.w3.org/ns/ldp#Resource>; rel="type"'] if extra_links is None else [extra_links]
    response["Link"] = ", ".join(links)
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def _page(request, iri, items, number):
    """Page `number` of the container (0-based), an AnnotationPage."""
    last = max(0, (len(items) - 1) // PAGE_SIZE)
    page = {
        "id": f"{iri}?page={number}",
        "type": "AnnotationPage",
        "partOf": {"id": iri, "total": len(items)},
        "startIndex": number * PAGE_SIZE,
        "items": items[number * PAGE_SIZE : (number + 1) * PAGE_SIZE],
    }
    if number < last:
        page["next"] = f"{iri}?page={number + 1}"
    if number > 0:
        page["prev"] = f"{iri}?page={number - 1}"
    return page


@protocol_view
def container(request, uuid):
    report = get_report_for_user(request, uuid)
    may_post = permissions.can_annotate(request.user, report.workspace)
    allow = "GET, HEAD, OPTIONS" + (", POST" if may_post else "")
    headers = {"allow": allow, "extra_links": CONTAINER_LINKS, "Accept_Post": MEDIA_TYPE}
    if request.method == "OPTIONS":
        return _ld_response(request, {}, status=200, **headers)
    if request.method == "POST":
        require(permissions.can_annotate, request.user, report.workspace)
        return _create(request, report)
    if request.method not in ("GET", "HEAD"):
        return _error(405, f"{request.method} is not allowed on an annotation container.", Allow=allow)
    iri = _container_iri(request, report)
    items = annotation_items(report, annotation_base=iri)
    if "page" in request.GET:
        try:
            number = int(request.GET["page"])
        except ValueError:
            number = -1
        if not 0 <= number <= max(0, (len(items) - 1) // PAGE_SIZE):
            raise Http404
        return _ld_response(request, {"@context": CONTEXT, **_page(request, iri, items, number)}, **headers)
    collection = {
        "@context": [CONTEXT, "http://www.w3.org/ns/ldp.jsonld"],
        "id": iri,
        "type": "AnnotationCollection",
        "label": f"Annotations of “{report.title}”",
        "total": len(items),
        "first": _page(request, iri, items, 0),
        "last": f"{iri}?page={max(0, (len(items) - 1) // PAGE_SIZE)}",
    }
    return _ld_response(request, collection, **headers)


# --- One annotation ------------------------------------------------------------------------------


def _find(report, iri, record_uuid):
    """The annotation with this IRI, as the container lists it (None if there is none)."""
    wanted = f"{iri}{record_uuid}"
    return next((item for item in annotation_items(report, annotation_base=iri) if item["id"] == wanted), None)


def _record(report, record_uuid):
    """(the record behind an annotation, its owner's id) for highlights, comments, source links and
    tag links of the report's passages and highlights."""
    in_report = {"passage__report": report}
    for model, owner in ((Highlight, "created_by_id"), (Comment, "author_id"), (SourceLink, "added_by_id")):
        record = model.objects.filter(uuid=record_uuid, **in_report).select_related("passage").first()
        if record is not None:
            return record, getattr(record, owner)
    links = [
        *TaggedPassage.objects.filter(content_object__report=report).select_related("content_object", "tag"),
        *TaggedHighlight.objects.filter(content_object__passage__report=report).select_related(
            "content_object__passage", "tag"
        ),
    ]
    for link in links:
        if tagging_uuid(link.content_object, link.tag) == record_uuid:
            return link, link.added_by_id
    raise Http404


def _annotation_response(request, report, record_uuid, *, status=200, **headers):
    iri = _container_iri(request, report)
    item = _find(report, iri, record_uuid)
    if item is None:
        raise Http404
    return _ld_response(request, item, status=status, allow="GET, HEAD, OPTIONS, PUT, DELETE", **headers)


@protocol_view
def annotation(request, uuid, annotation):
    report = get_report_for_user(request, uuid)
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return _annotation_response(request, report, annotation)
    if request.method not in ("PUT", "DELETE"):
        return _error(
            405, f"{request.method} is not allowed on an annotation.", Allow="GET, HEAD, OPTIONS, PUT, DELETE"
        )
    record, owner_id = _record(report, annotation)
    if not permissions.can_change_item(request.user, report.workspace, owner_id):
        raise PermissionDenied
    if "If-Match" in request.headers:
        current = _find(report, _container_iri(request, report), annotation)
        if current is None or _etag(current) not in request.headers["If-Match"]:
            return _error(412, "The annotation changed since you read it (its ETag differs): read it again.")
    if request.method == "DELETE":
        _delete(record)
        return HttpResponse(status=204)
    document, error = _read_json(request, _container_iri(request, report) + str(annotation))
    if error:
        return error
    new_uuid = _replace(request, record, document)
    return _annotation_response(request, report, new_uuid)


def _delete(record):
    if isinstance(record, Comment):
        services.comment_delete(comment=record)
    elif isinstance(record, TaggedPassage):
        services.passage_remove_tag(passage=record.content_object, tag=record.tag)
    elif isinstance(record, TaggedHighlight):
        services.highlight_remove_tag(highlight=record.content_object, tag=record.tag)
    elif isinstance(record, Highlight):
        services.highlight_delete(highlight=record)
    else:
        services.source_link_delete(link=record)


@transaction.atomic
def _replace(request, record, document):
    """PUT: a comment's new text, or a tag link's new tag. Returns the annotation's uuid afterwards
    (a tag link's changes with its tag)."""
    bodies = _bodies(document)
    if isinstance(record, Comment):
        purpose = "replying" if record.parent_id else "commenting"
        text = _one(bodies, purpose, f"A {purpose} annotation needs one {purpose} TextualBody.")
        services.comment_edit(comment=record, body=text)
        return record.uuid
    if isinstance(record, (TaggedPassage, TaggedHighlight)):
        name = _one(bodies, "tagging", "A tagging annotation needs one tagging TextualBody.")
        tagged = record.content_object
        _delete(record)
        if isinstance(record, TaggedPassage):
            tag = services.passage_add_tag(passage=tagged, name=name, user=request.user)
        else:
            tag = services.highlight_add_tag(highlight=tagged, name=name, user=request.user)
        return tagging_uuid(tagged, tag)
    raise services.ServiceError("Only comments and tags can be replaced; delete this annotation and post a new one.")


# --- Creating --------------------------------------------------------------------------------------


def _read_json(request, assigned_id):
    """The posted annotation, checked against the W3C must-assertions (with the id the server
    assigns, as clients need not send one): (document, None) or (None, an error response)."""
    content_type = request.content_type or ""
    if content_type not in ("application/ld+json", "application/json"):
        return None, _error(415, f"Send the annotation as {MEDIA_TYPE}.", Accept_Post=MEDIA_TYPE)
    if len(request.body) > MAX_BODY_BYTES:
        return None, _error(413, f"An annotation is at most {MAX_BODY_BYTES:,} bytes.")
    try:
        document = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        return None, _error(400, "The body is not valid JSON.")
    if not isinstance(document, dict):
        return None, _error(400, "Send one annotation, a JSON object.")
    failed = problems({**document, "id": assigned_id})
    if failed:
        return None, _error(400, "Not a valid Web Annotation: " + " ".join(failed))
    return document, None


def _as_list(value):
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _bodies(document):
    """[(purpose, body)]: a body's own purpose, else the annotation's motivation."""
    motivation = document.get("motivation")
    motivation = motivation if isinstance(motivation, str) else None
    bodies = []
    for body in _as_list(document.get("body")):
        if isinstance(body, dict):
            bodies.append((body.get("purpose") or motivation, body))
        elif isinstance(body, str):  # an external resource named by its IRI alone
            bodies.append((motivation, {"id": body}))
    if isinstance(document.get("bodyValue"), str):
        bodies.append((motivation or "commenting", {"type": "TextualBody", "value": document["bodyValue"]}))
    return bodies


def _texts(bodies, purpose):
    return [b["value"] for p, b in bodies if p == purpose and isinstance(b.get("value"), str)]


def _one(bodies, purpose, message):
    texts = _texts(bodies, purpose)
    if len(texts) != 1:
        raise services.ServiceError(message)
    return texts[0]


def _target_uuid(document):
    """The uuid at the end of the annotation's one target (a string, or a SpecificResource's
    source or id); None when there is none."""
    targets = _as_list(document.get("target"))
    if len(targets) != 1:
        raise services.ServiceError("Target exactly one passage of the report, or one comment to reply to.")
    target = targets[0]
    source = target if isinstance(target, str) else target.get("source") or target.get("id") or ""
    found = UUID_AT_END.search(source) if isinstance(source, str) else None
    return uuid_lib.UUID(found.group(1)) if found else None


def _reply(request, report, document, bodies):
    """A `replying` annotation: a reply in the thread of the comment it targets."""
    record_uuid = _target_uuid(document)
    parent = (
        Comment.objects.filter(passage__report=report, uuid=record_uuid).select_related("passage").first()
        if record_uuid
        else None
    )
    if parent is None:
        raise services.ServiceError(
            "A reply answers a comment: its target must be the annotation of a comment of this report "
            "(its IRI in this container, or urn:uuid:<comment uuid>)."
        )
    texts = [b["value"] for p, b in bodies if p in ("replying", "commenting") and isinstance(b.get("value"), str)]
    if len(texts) != 1 or len(bodies) != 1:
        raise services.ServiceError("A reply carries one text: a replying TextualBody, or bodyValue.")
    return services.comment_create(passage=parent.passage, author=request.user, body=texts[0], parent=parent).uuid


def _target(report, document):
    """(passage, selectors) the annotation targets; the passage must be one of the report's."""
    passage_uuid = _target_uuid(document)
    if passage_uuid is None:
        raise services.ServiceError("The target must be a passage: urn:uuid:<passage uuid>.")
    passage = Passage.objects.filter(report=report, uuid=passage_uuid).first()
    if passage is None:
        raise services.ServiceError("The target is not a passage of this report.")
    target = _as_list(document["target"])[0]
    selectors = _as_list(target.get("selector")) if isinstance(target, dict) else []
    return passage, selectors


def _create(request, report):
    new_uuid = uuid_lib.uuid4()
    document, error = _read_json(request, f"{_container_iri(request, report)}{new_uuid}")
    if error:
        return error
    bodies = _bodies(document)
    with transaction.atomic():
        if document.get("motivation") == "replying" or any(purpose == "replying" for purpose, _ in bodies):
            created = _reply(request, report, document, bodies)
        else:
            passage, selectors = _target(report, document)
            created = _apply(request, passage, selectors, bodies)
    iri = _container_iri(request, report)
    return _annotation_response(request, report, created, status=201, Location=f"{iri}{created}")


def _apply(request, passage, selectors, bodies):
    """Make the records the bodies ask for; returns the uuid of the annotation that answers."""
    user = request.user
    tags = _texts(bodies, "tagging")
    comments = _texts(bodies, "commenting")
    links = [b["id"] for p, b in bodies if p == "linking" and isinstance(b.get("id"), str)]
    kinds = [kind for kind, present in (("tagging", tags), ("commenting", comments), ("linking", links)) if present]
    if len(kinds) != 1:
        raise services.ServiceError("Post one kind of annotation: tagging, commenting or linking bodies.")
    if len(comments) > 1 or len(links) > 1:
        raise services.ServiceError("Post one comment or one link per annotation.")
    highlight = None
    if selectors:
        start, end = span_of(passage.text, selectors)
        highlight = services.highlight_create(passage=passage, start=start, end=end, user=user)
    if tags:
        if highlight is not None:
            added = [services.highlight_add_tag(highlight=highlight, name=name, user=user) for name in tags]
        else:
            added = [services.passage_add_tag(passage=passage, name=name, user=user) for name in tags]
        return tagging_uuid(highlight or passage, added[0])
    if comments:
        return services.comment_create(passage=passage, author=user, body=comments[0], highlight=highlight).uuid
    if not links[0].lower().startswith(("http://", "https://")):
        raise services.ServiceError("A linking body's id must be the http or https URL of the source.")
    relations = [r for r in _texts(bodies, "classifying") if r in SourceLink.Relation.values]
    source_title = next((b.get("title") for p, b in bodies if p == "linking" and isinstance(b.get("title"), str)), "")
    source, _ = services.source_get_or_create(
        workspace=passage.report.workspace, url=links[0], title=(source_title or links[0])[:500]
    )
    link, _ = services.source_link_create(
        passage=passage,
        source=source,
        relation=relations[0] if relations else SourceLink.Relation.CITES,
        note=" ".join(_texts(bodies, "describing")),
        highlight=highlight,
        user=user,
    )
    return link.uuid
