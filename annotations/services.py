"""Writes that touch several records, shared by the browser views, the admin actions and the
management commands, so a rule lives in one place.

Every function takes keyword arguments only and raises ServiceError (a ValidationError) with a
message a researcher can read, or EditConflict when someone else changed the record meanwhile.
"""

import dataclasses
import secrets
import uuid as uuid_lib
from collections import defaultdict
from collections.abc import Iterable
from datetime import timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Lower
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from . import jobs, permissions
from .importing import refuse_oversized, refuse_unsupported
from .models import (
    MAX_COMMENT_LENGTH,
    ApiToken,
    Comment,
    Highlight,
    Job,
    Membership,
    Passage,
    Report,
    Role,
    Source,
    SourceLink,
    Tag,
    TaggedHighlight,
    TaggedPassage,
    TaggedReport,
    Workspace,
    normalize_tag_name,
    normalize_url,
)

if TYPE_CHECKING:
    from .sharing.qdc import Code  # sharing imports services: a type only, not at run time


class ServiceError(ValidationError):
    pass


def _full_clean(obj, **kwargs):
    """Validate a record with the model's own rules, as a ServiceError a researcher can read."""
    try:
        obj.full_clean(**kwargs)
    except ValidationError as error:
        # A broken record-wide rule explains the field errors it causes (an empty quote of a
        # span outside the text): say that one.
        messages = error.message_dict.get(NON_FIELD_ERRORS) or error.messages
        raise ServiceError(" ".join(messages)) from None


class EditConflict(ServiceError):
    def __init__(self, what):
        super().__init__(
            f"This {what} was changed by someone else while you were editing it. Reload to see their change."
        )


def ensure_latest(passages: Iterable[Passage]) -> None:
    """Annotations are written on the newest version only: an old version keeps, read-only, what
    was carried from it to the next. Reports already loaded are read as they are; the others in one query."""
    passages = list(passages)
    loaded = [p.report for p in passages if Passage.report.is_cached(p)]
    unloaded = [p.pk for p in passages if not Passage.report.is_cached(p)]
    old = next((report for report in loaded if not report.is_latest), None)
    if old is None and unloaded:
        old = Report.objects.filter(passages__pk__in=unloaded, is_latest=False).first()
    if old is not None:
        raise ServiceError(
            f"This is version {old.version_number} of the report, not its newest version: it is read-only."
        )


# --- Tags -----------------------------------------------------------------------------------


MAX_NEW_TAGS = 5  # per request: a typo or a script cannot flood a team's codebook


def tags_named(*, workspace: Workspace, names: Iterable[str], max_new: int = MAX_NEW_TAGS) -> list[Tag]:
    """The workspace's codebook tags called `names` (any case), in order and without repeats;
    names the codebook lacks become new tags, at most `max_new` of them (else nothing is created)."""
    wanted = {}
    for raw in names:
        tag = Tag(workspace=workspace, name=raw)
        try:
            tag.clean_fields(exclude=["workspace", "slug", "uuid"])
            tag.clean()
        except ValidationError as error:
            raise ServiceError(" ".join(error.messages)) from None
        wanted.setdefault(tag.name.lower(), tag)
    existing = {
        tag.lower_name: tag
        for tag in Tag.objects.filter(workspace=workspace)
        .annotate(lower_name=Lower("name"))
        .filter(lower_name__in=list(wanted))
    }
    new = [tag for key, tag in wanted.items() if key not in existing]
    if len(new) > max_new:
        raise ServiceError(
            f"At most {max_new} new tags at a time: {len(new)} of these are not in the codebook yet "
            f"({', '.join(tag.name for tag in new[:10])}{', …' if len(new) > 10 else ''}). "
            "Pick existing tags, or add the new ones a few at a time."
        )
    for tag in new:
        existing[tag.name.lower()] = _create_tag(tag)
    return [existing[key] for key in wanted]


def _create_tag(tag: Tag) -> Tag:
    try:
        with transaction.atomic():
            tag.save()
            return tag
    except IntegrityError:  # someone created it a moment ago
        return Tag.objects.filter(workspace=tag.workspace).named(tag.name).get()


def tag_get_or_create(*, workspace: Workspace, name: str) -> Tag:
    """The codebook tag of `workspace` called `name`, whatever its case; created when new."""
    return tags_named(workspace=workspace, names=[name])[0]


@transaction.atomic
def passage_add_tag(*, passage: Passage, name: str, user: User | None = None) -> Tag:
    """Tag a passage; adding a tag it already carries is a no-op, also when two people race."""
    ensure_latest([passage])
    tag = tag_get_or_create(workspace=passage.report.workspace, name=name)
    _link_once(TaggedPassage, content_object=passage, tag=tag, added_by=user)
    return tag


@transaction.atomic
def passage_remove_tag(*, passage: Passage, tag: Tag) -> None:
    ensure_latest([passage])
    TaggedPassage.objects.filter(content_object=passage, tag=tag).delete()


def _same_workspace(tag: Tag, passages: list[Passage]) -> None:
    if Passage.objects.filter(pk__in=[p.pk for p in passages]).exclude(report__workspace=tag.workspace_id).exists():
        raise ServiceError("The tag belongs to another workspace's codebook than some of the passages.")


@transaction.atomic
def passages_add_tag(*, passages: Iterable[Passage], tag: Tag, user: User | None = None) -> int:
    """Add one tag to many passages; returns how many passages gained it."""
    passages = list(passages)
    ensure_latest(passages)
    _same_workspace(tag, passages)
    have = set(
        TaggedPassage.objects.filter(tag=tag, content_object__in=passages).values_list("content_object_id", flat=True)
    )
    new = [TaggedPassage(content_object=p, tag=tag, added_by=user) for p in passages if p.pk not in have]
    TaggedPassage.objects.bulk_create(new, ignore_conflicts=True)
    # bulk_create sends no signals: the links' history and the passages' stamps are written here.
    added = TaggedPassage.objects.filter(tag=tag, content_object__in=[link.content_object.pk for link in new])
    TaggedPassage.history.bulk_history_create(list(added), default_user=user)
    Passage.objects.filter(pk__in=[link.content_object.pk for link in new]).touch()
    return len(new)


@transaction.atomic
def passages_add_tag_named(*, passages: Iterable[Passage], name: str, user: User | None = None) -> tuple[str, int]:
    """Add the tag called `name` to many passages, from (or new in) each passage's own workspace
    codebook; returns the tag's name as the codebook spells it and how many passages gained it."""
    by_workspace = defaultdict(list)
    for passage in Passage.objects.filter(pk__in=[p.pk for p in passages]).select_related("report__workspace"):
        by_workspace[passage.report.workspace].append(passage)
    spelled, tagged = normalize_tag_name(name), 0
    for workspace, group in by_workspace.items():
        tag = tag_get_or_create(workspace=workspace, name=name)
        spelled, tagged = tag.name, tagged + passages_add_tag(passages=group, tag=tag, user=user)
    return spelled, tagged


@transaction.atomic
def passages_remove_tag(*, passages: Iterable[Passage], tag: Tag) -> int:
    passages = list(passages)
    ensure_latest(passages)
    deleted, _ = TaggedPassage.objects.filter(tag=tag, content_object__in=list(passages)).delete()
    return deleted


def _link_once(model, **fields):
    if model.objects.filter(content_object=fields["content_object"], tag=fields["tag"]).exists():
        return
    link = model(**fields)
    link._history_user = fields.get("added_by")  # who tagged, also outside a request (commands, jobs)
    try:
        with transaction.atomic():
            link.save()
    except IntegrityError:  # the same link was created concurrently: one link is what we want
        pass


def _retire_merged(survivor, merged: list, name) -> int:
    """The end of a merge: the survivor is saved and the merged records deleted, each change noting
    the other side in its history; a deleted record's tombstone says where it went."""
    survivor._change_reason = "Merged " + ", ".join(name(record) for record in merged)
    survivor.save()
    for record in merged:
        record._change_reason = f"Merged into {name(survivor)}"
        record._merged_into = survivor
        record.delete()
    return len(merged)


@transaction.atomic
def tags_merge(*, survivor: Tag, merged: Iterable[Tag]) -> int:
    """Fold tags of one workspace's codebook into `survivor`: every passage, highlight and report
    tagging moves over (no duplicate links), descriptions are combined, the merged tags are
    deleted. Returns the number of tags merged."""
    merged = [tag for tag in merged if tag.pk != survivor.pk]
    if not merged:
        raise ServiceError("Pick at least one tag other than the surviving tag to merge into it.")
    if any(tag.workspace_id != survivor.workspace_id for tag in merged):
        raise ServiceError("Only tags of the same workspace's codebook can be merged.")
    descriptions = [survivor.description.strip()] + [t.description.strip() for t in merged]
    names = {tag.pk: tag.name for tag in merged}
    for link_model in (TaggedPassage, TaggedHighlight, TaggedReport):
        # Each link moves to the survivor, or goes when its object carries the survivor already
        # (or two of the merged tags: the lowest id stays); the links' history says which merge.
        tagged = set(link_model.objects.filter(tag=survivor).values_list("content_object_id", flat=True))
        moved = []
        for link in link_model.objects.filter(tag__in=merged).order_by("content_object_id", "id"):
            link._change_reason = f"Merged {names[link.tag_id]} into {survivor.name}"
            if link.content_object_id in tagged:
                link.delete()
            else:
                tagged.add(link.content_object_id)
                link.tag = survivor
                moved.append(link)
        bulk_update_with_history(moved, link_model, ["tag"], batch_size=500)
    combined = "\n\n".join(dict.fromkeys(d for d in descriptions if d))
    if combined != survivor.description:
        survivor.description = combined
    return _retire_merged(survivor, merged, lambda tag: tag.name)


@dataclasses.dataclass
class CodebookMerge:
    created: list[str] = dataclasses.field(default_factory=list)
    described: list[str] = dataclasses.field(default_factory=list)  # given the file's description
    unchanged: list[str] = dataclasses.field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{len(self.created)} new tag(s), {len(self.described)} existing tag(s) given a description, "
            f"{len(self.unchanged)} already in the codebook."
        )


@transaction.atomic
def codebook_merge(*, workspace: Workspace, codes: Iterable["Code"], dry_run: bool = False) -> CodebookMerge:
    """Merge codes (name, description, colour) into the workspace's codebook by name, whatever its
    case: a new name becomes a tag; an existing tag keeps its name and colour and takes the
    file's description only when it has none. One bad code refuses the lot (nothing is written);
    with `dry_run`, nothing is written either way."""
    result = CodebookMerge()
    existing = {tag.name.lower(): tag for tag in Tag.objects.filter(workspace=workspace)}
    for number, code in enumerate(codes, start=1):
        tag = existing.get(normalize_tag_name(code.name).lower())
        if tag is None:
            try:
                tag = tag_create(
                    workspace=workspace, name=code.name, description=code.description, color=code.color or ""
                )
            except ServiceError as error:
                raise ServiceError(f"Code {number} ({code.name[:60]!r}): {' '.join(error.messages)}") from None
            existing[tag.name.lower()] = tag
            result.created.append(tag.name)
        elif code.description and not tag.description.strip():
            tag.description = code.description
            tag._change_reason = "Description from an imported codebook"
            tag.save(update_fields=["description"])
            result.described.append(tag.name)
        else:
            result.unchanged.append(tag.name)
    if dry_run:
        transaction.set_rollback(True)
    return result


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
    *,
    passage: Passage,
    start: int,
    end: int,
    user: User | None = None,
    tags: Iterable[str] = (),
    comment: str = "",
) -> Highlight:
    """A highlight over passage.text[start:end] (code points), with optional tags and a first comment."""
    ensure_latest([passage])
    highlight = Highlight(
        passage=passage, start=start, end=end, created_by=user, **Highlight.quote_for(passage.text, start, end)
    )
    # The passage and the user are rows in hand and the uuid is new: the model's own rules (the
    # span lies inside the text, which implies the non-empty-span constraint) are what can fail,
    # and checking them costs no query.
    _full_clean(highlight, exclude=["passage", "created_by"], validate_unique=False, validate_constraints=False)
    highlight.save()
    # A new highlight has no links yet: one insert for all of them (the highlight's own save has
    # already raised the passage's stamp, in this same transaction).
    bulk_create_with_history(
        [
            TaggedHighlight(content_object=highlight, tag=tag, added_by=user)
            for tag in tags_named(workspace=passage.report.workspace, names=tags)
        ],
        TaggedHighlight,
        default_user=user,
    )
    if comment.strip():
        comment_create(passage=passage, author=user, body=comment, highlight=highlight)
    return highlight


def highlight_add_tag(*, highlight: Highlight, name: str, user: User | None = None) -> Tag:
    """Tag a highlight; adding a tag it already carries is a no-op."""
    tag = tag_get_or_create(workspace=highlight.passage.report.workspace, name=name)
    _link_once(TaggedHighlight, content_object=highlight, tag=tag, added_by=user)
    return tag


def highlight_remove_tag(*, highlight: Highlight, tag: Tag) -> None:
    TaggedHighlight.objects.filter(content_object=highlight, tag=tag).delete()


def highlight_delete(*, highlight: Highlight) -> None:
    """The highlight and its tag links go; its comments stay on the passage with the quote."""
    ensure_latest([highlight.passage])
    highlight.delete()


# --- Comments -------------------------------------------------------------------------------

def _clean_body(body: str) -> str:
    body = body.strip()
    if not body:
        raise ServiceError("A comment cannot be empty.")
    if len(body) > MAX_COMMENT_LENGTH:
        raise ServiceError(f"Comments are at most {MAX_COMMENT_LENGTH:,} characters.")
    return body


def comment_create(
    *,
    passage: Passage,
    author: User | None,
    body: str,
    parent: Comment | None = None,
    highlight: Highlight | None = None,
    uuid: uuid_lib.UUID | None = None,
) -> Comment:
    """Start a thread, or reply to one (replies always attach to the thread's first comment).

    `uuid` (the token of the form that was submitted) makes the call idempotent: submitting the
    same form again returns the comment it created the first time."""
    if uuid is not None:
        existing = Comment.objects.filter(uuid=uuid).first()
        if existing is not None:
            if existing.author_id != getattr(author, "pk", None) or existing.passage_id != passage.pk:
                raise ServiceError("This form was already used. Reload the page and try again.")
            return existing
    ensure_latest([passage])
    if parent is not None:
        parent = parent.parent or parent
        highlight = parent.highlight
    fields = {"uuid": uuid} if uuid is not None else {}
    comment = Comment(
        passage=passage, author=author, body=_clean_body(body), parent=parent, highlight=highlight, **fields
    )
    _full_clean(comment, validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():
            comment.save()
            return comment
    except IntegrityError:
        if uuid is None:
            raise
        return comment_create(passage=passage, author=author, body=body, uuid=uuid)  # the twin won the race


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
        _full_clean(current, validate_unique=False, validate_constraints=False)
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


def source_get_or_create(*, workspace: Workspace, url: str, **fields) -> tuple[Source, bool]:
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
    user: User | None = None,
) -> tuple[SourceLink, bool]:
    ensure_latest([passage])
    link = SourceLink(
        passage=passage,
        source=source,
        relation=relation,
        footnote=footnote.strip(),
        note=note.strip(),
        highlight=highlight,
        added_by=user,
    )
    _full_clean(link, validate_unique=False, validate_constraints=False)
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
def source_link_create_for_url(
    *, passage: Passage, url: str, source_fields: dict, **link_fields
) -> tuple[SourceLink, bool]:
    """Link the passage to the workspace's source for `url`, created with `source_fields` if new;
    a new source is kept only together with its link."""
    source, _ = source_get_or_create(workspace=passage.report.workspace, url=url, **source_fields)
    return source_link_create(passage=passage, source=source, **link_fields)


def source_link_delete(*, link: SourceLink) -> None:
    """The link goes; the source stays in the workspace's list."""
    ensure_latest([link.passage])
    link.delete()


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
    return _retire_merged(survivor, duplicates, lambda source: source.title)


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


# --- Report upload ------------------------------------------------------------------------


def report_import_upload(
    *,
    workspace: Workspace,
    upload: UploadedFile,
    title: str | None,
    user: User | None,
    new_version_of: Report | None = None,
) -> Job:
    """Queue the import of an uploaded report file (browser form and API alike): a background job
    imports it, all or nothing; with `new_version_of` as that report's next version, its annotations
    carried over in the same transaction. What can be told at once (an unsupported type, a file
    too big) is refused at once with ReportImportError, without a job."""
    refuse_unsupported(upload.name)
    refuse_oversized(upload.size, settings.REPORT_MAX_UPLOAD_BYTES)
    params = {"filename": upload.name, "title": title or ""}
    if new_version_of is not None:
        params["new_version_of"] = str(new_version_of.uuid)
    return jobs.enqueue(
        Job.Kind.NEW_VERSION if new_version_of is not None else Job.Kind.IMPORT_REPORT,
        workspace=workspace,
        user=user,
        payload=upload.read(),
        params=params,
    )


# --- Workspace members ----------------------------------------------------------------------


def account_named(text: str) -> User | None:
    """The active account whose username (any case) or e-mail address is `text`, typed in full;
    None when there is none or several match. Callers say the same in both cases and never list
    accounts, so a form that adds members cannot be used to find out who has an account."""
    text = text.strip()
    if not text:
        return None
    matches = list(
        get_user_model()
        .objects.filter(Q(username__iexact=text) | Q(email__iexact=text), is_active=True)
        .order_by("pk")[:2]
    )
    return matches[0] if len(matches) == 1 else None


NO_SUCH_ACCOUNT = (
    "No account was added for what you typed. Type the full username or e-mail address of the person; "
    "an administrator creates accounts."
)


def _lock_curators(workspace) -> None:
    # Two curators stepping down at once must not both pass the last-curator rule.
    list(Membership.objects.select_for_update().filter(workspace=workspace, role=Role.CURATOR).values("pk"))


@transaction.atomic
def membership_set_role(*, workspace: Workspace, user: User, role: str) -> Membership:
    """Add `user` to the workspace with `role`, or change their role; the last curator stays one
    (the model's rule)."""
    if role not in Role.values:
        raise ServiceError(f"Unknown role {role!r}.")
    _lock_curators(workspace)
    membership = Membership.objects.filter(workspace=workspace, user=user).first()
    if membership is None:
        return Membership.objects.create(workspace=workspace, user=user, role=role)
    membership.role = role
    _full_clean(membership, validate_unique=False, validate_constraints=False)
    membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def membership_remove(*, workspace: Workspace, user: User) -> None:
    _lock_curators(workspace)
    membership = Membership.objects.filter(workspace=workspace, user=user).first()
    if membership is None:
        return
    try:
        membership.delete()
    except ValidationError as error:
        raise ServiceError(" ".join(error.messages)) from None


REPORT_METADATA_FIELDS = ("title", "authors", "publisher", "published_on", "report_number", "source_url")


@transaction.atomic
def report_update_metadata(*, report: Report, user: User | None = None, **fields) -> Report:
    """Change a report's title and bibliographic details (curators correct what the import read)."""
    unknown = set(fields) - set(REPORT_METADATA_FIELDS)
    if unknown:
        raise TypeError(f"not report metadata: {', '.join(sorted(unknown))}")
    for name, value in fields.items():
        setattr(report, name, value)
    report.full_clean()
    report._history_user = user
    report.save()
    return report


# --- API tokens -----------------------------------------------------------------------------

# How often a token's "last used" time is written: a script making many calls a minute should not
# cost a write per call.
TOKEN_USE_RESOLUTION = timedelta(minutes=1)


def api_token_create(
    *, user: User, name: str, read_only: bool = False, workspace: Workspace | None = None
) -> tuple[ApiToken, str]:
    """A new personal API token; returns it and its secret, which is shown once and never stored."""
    name = " ".join(name.split())
    if not name:
        raise ServiceError("Give the token a name, so you know later what it is for.")
    if len(name) > 100:
        raise ServiceError("Token names are at most 100 characters.")
    if workspace is not None and not permissions.can_read(user, workspace):
        raise ServiceError(f"{user.get_username()} is not a member of {workspace.name}.")
    secret = ApiToken.PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        read_only=read_only,
        workspace=workspace,
        key_hash=ApiToken.digest(secret),
        key_hint=secret[: len(ApiToken.PREFIX) + 4],
    )
    return token, secret


def api_token_revoke(*, token: ApiToken) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def api_token_authenticate(*, secret: str) -> ApiToken | None:
    """The live token with this secret (its user active), its last-used time kept up to date."""
    if not secret.startswith(ApiToken.PREFIX) or len(secret) > 100:
        return None
    token = (
        ApiToken.objects.active()
        .select_related("user", "workspace")
        .filter(key_hash=ApiToken.digest(secret), user__is_active=True)
        .first()
    )
    if token is not None:
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at > TOKEN_USE_RESOLUTION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now
    return token


# --- The codebook: tags created and renamed one at a time (API; the admin's form checks the same model rules) ---


def tag_create(*, workspace, name: str, description: str = "", color: str = "") -> Tag:
    """Add a tag to the workspace's codebook; a name it has already (whatever the case) is refused,
    as are a name with control characters and a colour that is not #RRGGBB. `color` empty: the default."""
    tag = Tag(workspace=workspace, name=name, description=description)
    if color:
        tag.color = color
    _full_clean(tag, exclude=["slug"])  # the slug is made from the name on save
    try:
        with transaction.atomic():
            tag.save()
    except IntegrityError:  # the same name was added a moment ago
        raise ServiceError("The codebook already has a tag with this name.") from None
    return tag


def tag_rename(*, tag: Tag, name: str) -> Tag:
    """Rename a codebook tag: its links stay, its slug (a readable label only) too; a name another
    tag of the codebook has (whatever the case) is refused and the old name kept."""
    old = tag.name
    tag.name = name
    try:
        _full_clean(tag, exclude=["slug"])
    except ServiceError:
        tag.name = old
        raise
    if tag.name == old:
        return tag
    tag._change_reason = f"Renamed from {old}"
    try:
        with transaction.atomic():
            tag.save(update_fields=["name"])
    except IntegrityError:
        tag.name = old
        raise ServiceError("The codebook already has a tag with this name.") from None
    return tag


# --- Sharing from the browser: fixture imports and exports as background jobs -----------------


def fixture_import_upload(*, workspace, upload, user, dry_run: bool = False, apply_deletions: bool = False) -> Job:
    """Queue the safe import (`import_fixture`) of an uploaded fixture into `workspace`: every record
    the file holds goes there, as with `import_fixture --workspace`, so a curator's upload reaches no
    other workspace. A file over FIXTURE_MAX_BYTES is refused at once, without a job."""
    limit = settings.FIXTURE_MAX_BYTES
    if upload.size > limit:
        raise ServiceError(f"{upload.name} is {upload.size:,} bytes, over the limit of {limit:,} for a fixture.")
    return jobs.enqueue(
        Job.Kind.IMPORT_FIXTURE,
        workspace=workspace,
        user=user,
        payload=upload.read(),
        params={"filename": upload.name, "dry_run": dry_run, "apply_deletions": apply_deletions},
    )


EXPORT_FORMATS = ("csv", "jsonld")


def export_start(*, workspace, user, what: str, report: Report | None = None) -> Job:
    """Queue an export: `what` "fixture" is the whole workspace (as `export_fixture --workspace`);
    "csv" or "jsonld" the annotations of one of its reports (as `export_annotations`)."""
    if what == "fixture":
        return jobs.enqueue(Job.Kind.EXPORT_FIXTURE, workspace=workspace, user=user)
    if what not in EXPORT_FORMATS:
        raise ServiceError("Export the workspace as a fixture, or a report's annotations as csv or jsonld.")
    if report is None or report.workspace_id != workspace.pk:
        raise ServiceError("Choose a report of this workspace whose annotations to export.")
    return jobs.enqueue(
        Job.Kind.EXPORT_ANNOTATIONS, workspace=workspace, user=user, params={"report": str(report.uuid), "format": what}
    )


def fixture_export_selection(*, reports, passages, user) -> list[Job]:
    """Queue the fixture export of chosen reports (whole) and passages, one job per workspace they
    belong to (a job's download is for that workspace's curators)."""
    chosen = defaultdict(lambda: {"reports": [], "passages": []})
    for workspace_id, uuid in reports.values_list("workspace_id", "uuid"):
        chosen[workspace_id]["reports"].append(str(uuid))
    for workspace_id, uuid in passages.values_list("report__workspace_id", "uuid"):
        chosen[workspace_id]["passages"].append(str(uuid))
    workspaces = Workspace.objects.in_bulk(list(chosen))
    return [
        jobs.enqueue(Job.Kind.EXPORT_FIXTURE, workspace=workspaces[pk], user=user, params={"selection": selection})
        for pk, selection in sorted(chosen.items())
    ]
