"""Writes that touch several records, shared by the browser views, the admin actions and the
management commands, so a rule lives in one place.

Every function takes keyword arguments only and raises ServiceError (a ValidationError) with a
message a researcher can read, or EditConflict when someone else changed the record meanwhile.
"""

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from .models import (
    Comment,
    Highlight,
    Membership,
    Passage,
    Role,
    Source,
    SourceLink,
    Tag,
    TaggedHighlight,
    TaggedPassage,
    TaggedReport,
    normalize_url,
)


class ServiceError(ValidationError):
    pass


class EditConflict(ServiceError):
    def __init__(self, what):
        super().__init__(
            f"This {what} was changed by someone else while you were editing it. Reload to see their change."
        )


def ensure_latest(passages: Iterable[Passage]) -> None:
    """Annotations are written on the newest version only: an old version keeps, read-only, what
    was carried from it to the next."""
    old = next((p.report for p in passages if not p.report.is_latest), None)
    if old is not None:
        raise ServiceError(
            f"This is version {old.version_number} of the report, not its newest version: it is read-only."
        )


# --- Tags -----------------------------------------------------------------------------------


def tag_get_or_create(*, name: str) -> Tag:
    """The codebook tag called `name`, whatever its case; created when new."""
    name = " ".join(name.split())
    if not name:
        raise ServiceError("A tag needs a name.")
    if len(name) > 100:
        raise ServiceError("Tag names are at most 100 characters.")
    existing = Tag.objects.filter(name__iexact=name).first()
    if existing:
        return existing
    try:
        with transaction.atomic():
            return Tag.objects.create(name=name)
    except IntegrityError:  # someone created it a moment ago
        return Tag.objects.get(name__iexact=name)


def passage_add_tag(*, passage: Passage, name: str, user=None) -> Tag:
    """Tag a passage; adding a tag it already carries is a no-op, also when two people race."""
    ensure_latest([passage])
    tag = tag_get_or_create(name=name)
    _link_once(TaggedPassage, content_object=passage, tag=tag, added_by=user)
    return tag


def passage_remove_tag(*, passage: Passage, tag: Tag) -> None:
    ensure_latest([passage])
    TaggedPassage.objects.filter(content_object=passage, tag=tag).delete()


def passages_add_tag(*, passages: Iterable[Passage], tag: Tag, user=None) -> int:
    """Add one tag to many passages; returns how many passages gained it."""
    passages = list(passages)
    ensure_latest(passages)
    have = set(
        TaggedPassage.objects.filter(tag=tag, content_object__in=passages).values_list("content_object_id", flat=True)
    )
    new = [TaggedPassage(content_object=p, tag=tag, added_by=user) for p in passages if p.pk not in have]
    TaggedPassage.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


def passages_remove_tag(*, passages: Iterable[Passage], tag: Tag) -> int:
    passages = list(passages)
    ensure_latest(passages)
    deleted, _ = TaggedPassage.objects.filter(tag=tag, content_object__in=list(passages)).delete()
    return deleted


def _link_once(model, **fields):
    lookup = {"content_object": fields["content_object"], "tag": fields["tag"]}
    try:
        with transaction.atomic():
            model.objects.get_or_create(**lookup, defaults=fields)
    except IntegrityError:  # the same link was created concurrently: one link is what we want
        pass


@transaction.atomic
def tags_merge(*, survivor: Tag, merged: Iterable[Tag]) -> int:
    """Fold tags into `survivor`: every passage, highlight and report tagging moves over (no
    duplicate links), descriptions are combined, the merged tags are deleted. Returns the number
    of tags merged."""
    merged = [tag for tag in merged if tag.pk != survivor.pk]
    if not merged:
        raise ServiceError("Pick at least one tag other than the surviving tag to merge into it.")
    descriptions = [survivor.description.strip()] + [t.description.strip() for t in merged]
    for link_model in (TaggedPassage, TaggedHighlight, TaggedReport):
        already = link_model.objects.filter(tag=survivor).values("content_object_id")
        links = link_model.objects.filter(tag__in=merged)
        links.filter(content_object_id__in=already).delete()
        # An object carrying two of the merged tags keeps one link: keep the lowest id per object.
        seen = set()
        for link in links.order_by("content_object_id", "id"):
            if link.content_object_id in seen:
                link.delete()
            else:
                seen.add(link.content_object_id)
        links.update(tag=survivor)
    combined = "\n\n".join(dict.fromkeys(d for d in descriptions if d))
    if combined != survivor.description:
        survivor.description = combined
    survivor._change_reason = "Merged " + ", ".join(t.name for t in merged)
    survivor.save()
    for tag in merged:
        tag._change_reason = f"Merged into {survivor.name}"
        tag.delete()
    return len(merged)


# --- Passages -------------------------------------------------------------------------------


def passage_set_status(*, passage: Passage, status: str, expected_version: int | None = None) -> Passage:
    """Change a passage's review status; with expected_version, refuse if someone else changed it."""
    if status not in Passage.Status.values:
        raise ServiceError(f"Unknown status {status!r}.")
    ensure_latest([passage])
    with transaction.atomic():
        current = Passage.objects.select_for_update().get(pk=passage.pk)
        if expected_version is not None and current.version != expected_version:
            raise EditConflict("passage")
        current.status = status
        current.version += 1
        current.save(update_fields=["status", "version", "updated_at"])
    return current


def passages_set_status(*, passages: Iterable[Passage], status: str) -> int:
    """Bulk status change; each passage is saved so its history records the change."""
    changed = 0
    with transaction.atomic():
        for passage in passages:
            if passage.status != status:
                passage_set_status(passage=passage, status=status)
                changed += 1
    return changed


# --- Highlights -----------------------------------------------------------------------------


@transaction.atomic
def highlight_create(
    *, passage: Passage, start: int, end: int, user=None, tags: Iterable[str] = (), comment: str = ""
) -> Highlight:
    """A highlight over passage.text[start:end] (code points), with optional tags and a first comment."""
    ensure_latest([passage])
    if not (0 <= start < end <= len(passage.text)):
        raise ServiceError(f"The selection {start}–{end} is outside the passage (length {len(passage.text)}).")
    if not passage.text[start:end].strip():
        raise ServiceError("Select some text to highlight.")
    highlight = Highlight.objects.create(
        passage=passage, start=start, end=end, created_by=user, **Highlight.quote_for(passage.text, start, end)
    )
    for name in tags:
        _link_once(TaggedHighlight, content_object=highlight, tag=tag_get_or_create(name=name), added_by=user)
    if comment.strip():
        comment_create(passage=passage, author=user, body=comment, highlight=highlight)
    return highlight


# --- Comments -------------------------------------------------------------------------------

MAX_COMMENT_LENGTH = 20_000


def _clean_body(body: str) -> str:
    body = body.strip()
    if not body:
        raise ServiceError("A comment cannot be empty.")
    if len(body) > MAX_COMMENT_LENGTH:
        raise ServiceError(f"Comments are at most {MAX_COMMENT_LENGTH:,} characters.")
    return body


def comment_create(
    *, passage: Passage, author, body: str, parent: Comment | None = None, highlight: Highlight | None = None
) -> Comment:
    """Start a thread, or reply to one (replies always attach to the thread's first comment)."""
    ensure_latest([passage])
    if parent is not None:
        if parent.passage_id != passage.pk:
            raise ServiceError("A reply must be on the same passage as its thread.")
        parent = parent.parent or parent
        highlight = parent.highlight
    if highlight is not None and highlight.passage_id != passage.pk:
        raise ServiceError("The highlight belongs to another passage.")
    return Comment.objects.create(
        passage=passage, author=author, body=_clean_body(body), parent=parent, highlight=highlight
    )


def comment_edit(*, comment: Comment, body: str, expected_version: int | None = None) -> Comment:
    body = _clean_body(body)
    ensure_latest([comment.passage])
    with transaction.atomic():
        current = Comment.objects.select_for_update().get(pk=comment.pk)
        if current.deleted_at is not None:
            raise ServiceError("This comment was deleted.")
        if expected_version is not None and current.version != expected_version:
            raise EditConflict("comment")
        current.body = body
        current.edited_at = timezone.now()
        current.version = current.version + 1
        current.save()
    return current


def comment_delete(*, comment: Comment) -> Comment:
    """Soft delete: the text goes, the thread keeps its shape and its replies."""
    ensure_latest([comment.passage])
    if comment.deleted_at is None:
        comment.deleted_at = timezone.now()
        comment.version += 1
        comment.save(update_fields=["deleted_at", "version"])
    return comment


def comment_set_resolved(*, comment: Comment, resolved: bool) -> Comment:
    """Resolve or reopen the thread the comment belongs to."""
    ensure_latest([comment.passage])
    root = comment.parent or comment
    if root.resolved != resolved:
        root.resolved = resolved
        root.version += 1
        root.save(update_fields=["resolved", "version"])
    return root


def comments_resolve(*, comments: Iterable[Comment]) -> int:
    resolved = 0
    with transaction.atomic():
        for comment in comments:
            root = comment.parent or comment
            if not root.resolved:
                comment_set_resolved(comment=root, resolved=True)
                resolved += 1
    return resolved


# --- Sources --------------------------------------------------------------------------------


def source_get_or_create(*, workspace, url: str, **fields) -> tuple[Source, bool]:
    """The workspace's source for this URL (compared normalized), created with `fields` if new."""
    source = Source(workspace=workspace, url=url.strip(), **fields)
    source.full_clean(exclude=["url_normalized"], validate_unique=False, validate_constraints=False)
    same_url = Source.objects.filter(workspace=workspace, url_normalized=normalize_url(source.url))
    existing = same_url.first()
    if existing:
        return existing, False
    try:
        with transaction.atomic():
            source.save()
    except IntegrityError:  # someone added the same URL a moment ago: theirs is the one
        return same_url.get(), False
    return source, True


def source_link_create(
    *,
    passage: Passage,
    source: Source,
    relation: str = SourceLink.Relation.CITES,
    footnote: str = "",
    note: str = "",
    highlight: Highlight | None = None,
    user=None,
) -> tuple[SourceLink, bool]:
    if source.workspace_id != passage.report.workspace_id:
        raise ServiceError("The source belongs to another workspace.")
    ensure_latest([passage])
    if relation not in SourceLink.Relation.values:
        raise ServiceError(f"Unknown relation {relation!r}.")
    if highlight is not None and highlight.passage_id != passage.pk:
        raise ServiceError("The highlight belongs to another passage.")
    try:
        with transaction.atomic():
            return SourceLink.objects.get_or_create(
                passage=passage,
                source=source,
                relation=relation,
                defaults={"footnote": footnote.strip(), "note": note.strip(), "highlight": highlight, "added_by": user},
            )
    except IntegrityError:
        return SourceLink.objects.get(passage=passage, source=source, relation=relation), False


@transaction.atomic
def sources_merge(*, survivor: Source, duplicates: Iterable[Source]) -> int:
    """Fold duplicate sources into `survivor`: their links move over (a passage that already links
    the survivor with the same relation keeps one link), empty fields are filled from the
    duplicates, notes are combined, and the duplicates are deleted. Returns how many were merged."""
    duplicates = [s for s in duplicates if s.pk != survivor.pk]
    if not duplicates:
        raise ServiceError("Pick at least one source other than the surviving source.")
    if any(s.workspace_id != survivor.workspace_id for s in duplicates):
        raise ServiceError("Only sources of the same workspace can be merged.")
    for duplicate in duplicates:
        for link in duplicate.links.all():
            if SourceLink.objects.filter(passage_id=link.passage_id, source=survivor, relation=link.relation).exists():
                link.delete()
            else:
                link.source = survivor
                link.save()
        for field in ("authors", "publisher", "published_on", "accessed_on", "doi"):
            if not getattr(survivor, field) and getattr(duplicate, field):
                setattr(survivor, field, getattr(duplicate, field))
        if duplicate.notes.strip() and duplicate.notes.strip() not in survivor.notes:
            survivor.notes = "\n\n".join(n for n in (survivor.notes.strip(), duplicate.notes.strip()) if n)
    survivor._change_reason = "Merged " + ", ".join(s.title for s in duplicates)
    survivor.save()
    for duplicate in duplicates:
        duplicate._change_reason = f"Merged into {survivor.title}"
        duplicate.delete()
    return len(duplicates)


@transaction.atomic
def tags_delete_unused(*, tags: Iterable[Tag]) -> list[str]:
    """Orphan clean-up: delete those of `tags` that no passage, highlight or report carries (checked
    under a row lock, so a tag someone just applied survives). Returns the names deleted."""
    unused = (
        Tag.objects.filter(pk__in=[tag.pk for tag in tags])
        .exclude(Exists(TaggedPassage.objects.filter(tag=OuterRef("pk"))))
        .exclude(Exists(TaggedHighlight.objects.filter(tag=OuterRef("pk"))))
        .exclude(Exists(TaggedReport.objects.filter(tag=OuterRef("pk"))))
        .select_for_update()
    )
    deleted = []
    for tag in unused:
        tag._change_reason = "Deleted as unused"
        tag.delete()
        deleted.append(tag.name)
    return deleted


# --- Workspace members ----------------------------------------------------------------------


def _keep_a_curator(workspace, leaving_user) -> None:
    others = workspace.memberships.filter(role=Role.CURATOR).exclude(user=leaving_user)
    if not others.exists():
        raise ServiceError("A workspace needs at least one curator: make someone else a curator first.")


@transaction.atomic
def membership_set_role(*, workspace, user, role: str) -> Membership:
    """Add `user` to the workspace with `role`, or change their role; the last curator stays one."""
    if role not in Role.values:
        raise ServiceError(f"Unknown role {role!r}.")
    membership = Membership.objects.select_for_update().filter(workspace=workspace, user=user).first()
    if membership is None:
        return Membership.objects.create(workspace=workspace, user=user, role=role)
    if membership.role == Role.CURATOR and role != Role.CURATOR:
        _keep_a_curator(workspace, user)
    membership.role = role
    membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def membership_remove(*, workspace, user) -> None:
    membership = Membership.objects.select_for_update().filter(workspace=workspace, user=user).first()
    if membership is None:
        return
    if membership.role == Role.CURATOR:
        _keep_a_curator(workspace, user)
    membership.delete()
