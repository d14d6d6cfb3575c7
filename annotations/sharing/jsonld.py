"""A report's annotations as a W3C Web Annotation `AnnotationCollection` (JSON-LD).

Mapping: tag links -> `tagging` TextualBody; highlights -> `highlighting` with a SpecificResource
target (TextQuoteSelector + TextPositionSelector, which agree: any change of a passage's text
re-anchors its highlights); every passage and highlight target names its passage's IRI as
`source` and the report version it belongs to (the report's IRI) as `scope`; comments -> `commenting` (Markdown
TextualBody), replies -> `replying` targeting the parent comment's annotation; source links ->
`linking` with the source URL as an external body and the relation as a `classifying` body.

TextPositionSelector offsets count Unicode code points, as the W3C model requires ("in terms of
unicode code points ... not in terms of code units"), which is what Highlight.start/end store
and what Python's str indexes count. They are relative to the passage text (the target source).

Every record is identified by `ANNOTATION_BASE_URL` + uuid (default "urn:uuid:"); tag links have
no uuid of their own, so theirs is a uuid5 of (tagged record's uuid, tag name): stable across
exports and instances.
"""

import uuid

from django.conf import settings

from .export_query import passages_for_export

CONTEXT = "http://www.w3.org/ns/anno.jsonld"
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:report-annotation-workbench:web-annotation")


def derived_uuid(*parts):
    """The stable uuid of something without one of its own (a tag link, a collection)."""
    return uuid.uuid5(NAMESPACE, "/".join(str(p) for p in parts))


def tagging_uuid(tagged, tag):
    """The uuid of the `tagging` annotation of a tag link on `tagged` (a passage, highlight or report)."""
    return derived_uuid(tagged.uuid, tag.name.lower())


class _Ids:
    """Ids of the records annotated (`of`) and of the annotations (`annotation`, `derived`): both
    ANNOTATION_BASE_URL + uuid in an export; the W3C container gives annotations its own IRIs."""

    def __init__(self, annotation_base=None):
        self.base = settings.ANNOTATION_BASE_URL
        self.annotation_base = annotation_base or self.base

    def of(self, record_uuid):
        return f"{self.base}{record_uuid}"

    def annotation(self, record_uuid):
        return f"{self.annotation_base}{record_uuid}"

    def derived(self, *parts):
        return self.annotation(derived_uuid(*parts))


def _agent(user):
    if user is None:
        return None
    return {"type": "Person", "nickname": user.username, "name": user.get_full_name() or user.username}


def _annotation(ids_id, motivation, target, *, body=None, created=None, creator=None, modified=None):
    annotation = {"@context": CONTEXT, "id": ids_id, "type": "Annotation", "motivation": motivation}
    if body:
        annotation["body"] = body
    annotation["target"] = target
    if creator:
        annotation["creator"] = creator
    if created:
        annotation["created"] = created.isoformat()
    if modified:
        annotation["modified"] = modified.isoformat()
    return annotation


def _tag_body(tag):
    return {"type": "TextualBody", "purpose": "tagging", "value": tag.name}


def _passage_target(ids, passage, version):
    """The passage of this version of the report: passages of each version have their own IRI,
    and `scope` names the version they are read in."""
    return {"type": "SpecificResource", "source": ids.of(passage.uuid), "scope": version}


def _highlight_target(ids, passage, highlight, version):
    return {
        **_passage_target(ids, passage, version),
        "selector": [
            {
                "type": "TextQuoteSelector",
                "exact": highlight.exact,
                "prefix": highlight.prefix,
                "suffix": highlight.suffix,
            },
            {"type": "TextPositionSelector", "start": highlight.start, "end": highlight.end},
        ],
    }


def _taggings(ids, tagged, target):
    """One `tagging` annotation per tag link of a passage or highlight."""
    for link in tagged.tag_links.all():
        yield _annotation(
            ids.annotation(tagging_uuid(tagged, link.tag)),
            "tagging",
            target,
            body=_tag_body(link.tag),
            created=link.created_at,
            creator=_agent(link.added_by),
        )


def _passage_annotations(ids, passage, version):
    passage_target = _passage_target(ids, passage, version)
    highlight_targets = {}
    yield from _taggings(ids, passage, passage_target)
    for highlight in passage.highlights.all():
        target = highlight_targets[highlight.pk] = _highlight_target(ids, passage, highlight, version)
        yield _annotation(
            ids.annotation(highlight.uuid),
            "highlighting",
            target,
            created=highlight.created_at,
            creator=_agent(highlight.created_by),
        )
        yield from _taggings(ids, highlight, target)
    for comment in passage.comments.all():
        if comment.parent_id:
            motivation, target = "replying", ids.annotation(comment.parent.uuid)
        else:
            motivation = "commenting"
            target = highlight_targets.get(comment.highlight_id, passage_target)
        # A soft-deleted comment stays, bodiless, so the replies to it still have their target.
        body = (
            None
            if comment.is_deleted
            else {
                "type": "TextualBody",
                "purpose": motivation,
                "value": comment.body,
                "format": "text/markdown",
            }
        )
        yield _annotation(
            ids.annotation(comment.uuid),
            motivation,
            target,
            body=body,
            created=comment.created_at,
            creator=_agent(comment.author),
            modified=comment.deleted_at or comment.edited_at,
        )
    for link in passage.source_links.all():
        body = [
            {"id": link.source.url, "type": "Text", "title": link.source.title},
            {"type": "TextualBody", "purpose": "classifying", "value": link.relation},
        ]
        if link.note:
            body.append({"type": "TextualBody", "purpose": "describing", "value": link.note})
        yield _annotation(
            ids.annotation(link.uuid),
            "linking",
            highlight_targets.get(link.highlight_id, passage_target),
            body=body,
            created=link.created_at,
            creator=_agent(link.added_by),
        )


def annotation_items(report, *, annotation_base=None):
    """Every annotation of the report, in a stable order: tags on the report, then passage by
    passage its taggings, highlights, comments and source links."""
    ids = _Ids(annotation_base)
    items = [
        _annotation(
            ids.annotation(tagging_uuid(report, link.tag)), "tagging", ids.of(report.uuid), body=_tag_body(link.tag)
        )
        for link in report.tag_links.select_related("tag").order_by("pk")
    ]
    version = ids.of(report.uuid)
    for passage in passages_for_export(report):
        items.extend(_passage_annotations(ids, passage, version))
    return items


def annotation_collection(report):
    """The report's annotations as one AnnotationCollection with a single page (a plain dict)."""
    ids = _Ids()
    items = annotation_items(report)
    return {
        "@context": CONTEXT,
        "id": ids.derived(report.uuid, "collection"),
        "type": "AnnotationCollection",
        "label": f"Annotations of “{report.title}”, version {report.version_number}",
        "total": len(items),
        "first": {"id": ids.derived(report.uuid, "page", 0), "type": "AnnotationPage", "startIndex": 0, "items": items},
    }
