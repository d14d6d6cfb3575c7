"""What the REST API reads and writes. Output schemas resolve from model instances whose related
records the endpoints load up front (select_related / prefetch), so a list costs a fixed number
of queries."""

from datetime import date, datetime
from typing import Annotated, Literal
from uuid import UUID

from ninja import Field, Schema
from pydantic import StringConstraints

from ..models import Passage, Role, Source, SourceLink
from .selectors import selectors_of

Status = Literal[tuple(Passage.Status.values)]
RoleName = Literal[tuple(Role.values)]
SourceKind = Literal[tuple(Source.Kind.values)]
Relation = Literal[tuple(SourceLink.Relation.values)]


def username(user):
    return user.get_username() if user is not None else None


class Error(Schema):
    detail: str = Field(description="What went wrong, for people.")


class WorkspaceOut(Schema):
    slug: str
    name: str
    role: RoleName | None = Field(description="The caller's role in the workspace.")


class MemberOut(Schema):
    username: str
    full_name: str
    role: RoleName

    @staticmethod
    def resolve_username(m):
        return m.user.get_username()

    @staticmethod
    def resolve_full_name(m):
        return m.user.get_full_name()


class MemberIn(Schema):
    role: RoleName


class ReportOut(Schema):
    uuid: UUID
    workspace: str
    title: str
    authors: str
    publisher: str
    published_on: date | None
    source_url: str
    original_filename: str
    created_at: datetime
    passage_count: int
    tagged_count: int
    approved_count: int
    open_thread_count: int

    @staticmethod
    def resolve_workspace(report):
        return report.workspace.slug


class JobOut(Schema):
    uuid: UUID
    kind: str
    status: Literal["queued", "running", "succeeded", "failed"]
    phase: str = Field(description='What the job is doing now, e.g. "writing passages".')
    done: int
    total: int
    message: str = Field(description="The outcome for people: a summary, or what went wrong.")
    report: ReportOut | None = Field(description="The report it imported (or had imported before).")
    url: str = Field(description="This status, to poll until `status` is succeeded or failed.")
    page: str = Field(description="The job's page in the app.")
    created_at: datetime
    finished_at: datetime | None


class SectionOut(Schema):
    order: int
    title: str
    level: int


class PassageOut(Schema):
    uuid: UUID
    report: UUID
    section: str | None = Field(description="The title of the passage's section.")
    section_order: int | None
    order: int
    kind: str
    label: str
    text: str
    footnotes: list[str]
    page: int | None
    status: Status
    version: int
    updated_at: datetime
    tags: list[str]

    @staticmethod
    def resolve_report(p):
        return p.report.uuid

    @staticmethod
    def resolve_section(p):
        return p.section.title if p.section else None

    @staticmethod
    def resolve_section_order(p):
        return p.section.order if p.section else None

    @staticmethod
    def resolve_footnotes(p):
        return [str(marker) for marker in p.footnotes or []]

    @staticmethod
    def resolve_tags(p):
        return [link.tag.name for link in p.tag_links.all()]


class PassageStatusIn(Schema):
    status: Status
    version: int = Field(description="The version you last read: a newer one means someone else changed it (409).")


class PassageConflict(Schema):
    detail: str
    current: PassageOut


class TagOut(Schema):
    uuid: UUID
    name: str
    slug: str
    description: str
    color: str


# A tag name as looked up in the codebook: no control characters (PostgreSQL refuses NUL in any
# query, so such a name would otherwise answer 500 rather than "no such tag").
TagName = Annotated[str, StringConstraints(min_length=1, max_length=100, pattern=r"^[^\x00-\x1f\x7f]*$")]


class TagIn(Schema):
    name: TagName
    description: str = Field("", max_length=5000, description="What the code means and when to apply it.")
    color: str = Field("", max_length=7, description="#RRGGBB; empty for the default grey.")


class TagRenameIn(Schema):
    name: TagName = Field(description="The new name; the tag keeps its links.")


class TagMergeIn(Schema):
    survivor: TagName = Field(description="The name of the tag that stays.")
    merged: list[TagName] = Field(
        min_length=1, max_length=50, description="Names of the tags folded into it and deleted."
    )


class TagMergeOut(Schema):
    merged: int
    survivor: TagOut


class TagLinkIn(Schema):
    name: str = Field(max_length=200)


class TagLinkOut(Schema):
    tag: str
    added_by: str | None
    created_at: datetime

    @staticmethod
    def resolve_tag(link):
        return link.tag.name

    @staticmethod
    def resolve_added_by(link):
        return username(link.added_by)


class TextQuoteSelector(Schema):
    type: Literal["TextQuoteSelector"]
    exact: str
    prefix: str = ""
    suffix: str = ""


class TextPositionSelector(Schema):
    type: Literal["TextPositionSelector"]
    start: int = Field(ge=0, description="Offset in Unicode code points.")
    end: int = Field(ge=0)


Selector = TextQuoteSelector | TextPositionSelector


class HighlightIn(Schema):
    selector: list[Selector] = Field(min_length=1, max_length=2)
    tags: list[str] = Field(default=[], max_length=50)
    comment: str = ""


class HighlightOut(Schema):
    uuid: UUID
    passage: UUID
    selector: list[Selector]
    tags: list[str]
    created_by: str | None
    created_at: datetime

    @staticmethod
    def resolve_passage(h):
        return h.passage.uuid

    @staticmethod
    def resolve_selector(h):
        return selectors_of(h)

    @staticmethod
    def resolve_tags(h):
        return [link.tag.name for link in h.tag_links.all()]

    @staticmethod
    def resolve_created_by(h):
        return username(h.created_by)


class CommentIn(Schema):
    body: str
    parent: UUID | None = Field(None, description="Reply to this comment's thread.")
    highlight: UUID | None = Field(None, description="Comment on this highlight of the passage.")


class CommentEditIn(Schema):
    body: str
    version: int = Field(description="The version you last read: a newer one means someone else changed it (409).")


class ResolveIn(Schema):
    resolved: bool


class CommentOut(Schema):
    uuid: UUID
    passage: UUID
    parent: UUID | None
    highlight: UUID | None
    author: str | None
    body: str = Field(description="Markdown; empty once deleted.")
    resolved: bool
    deleted: bool
    version: int
    created_at: datetime
    edited_at: datetime | None

    @staticmethod
    def resolve_passage(c):
        return c.passage.uuid

    @staticmethod
    def resolve_parent(c):
        return c.parent.uuid if c.parent_id else None

    @staticmethod
    def resolve_highlight(c):
        return c.highlight.uuid if c.highlight_id else None

    @staticmethod
    def resolve_author(c):
        return username(c.author)

    @staticmethod
    def resolve_body(c):
        return "" if c.is_deleted else c.body

    @staticmethod
    def resolve_deleted(c):
        return c.is_deleted


class CommentConflict(Schema):
    detail: str
    current: CommentOut


class SourceIn(Schema):
    url: str = Field(max_length=1000, description="http or https.")
    title: str = Field(min_length=1, max_length=500)
    authors: str = Field("", max_length=500)
    publisher: str = Field("", max_length=300)
    published_on: date | None = None
    kind: SourceKind = "other"


class SourceOut(Schema):
    uuid: UUID
    url: str
    title: str
    authors: str
    publisher: str
    published_on: date | None
    kind: SourceKind
    doi: str
    notes: str


class SourceLinkIn(Schema):
    source: UUID = Field(description="A source of the passage's workspace.")
    relation: Relation = "cites"
    footnote: str = Field("", max_length=20)
    note: str = Field("", max_length=5000)
    highlight: UUID | None = None


class SourceLinkOut(Schema):
    uuid: UUID
    passage: UUID
    source: SourceOut
    relation: Relation
    footnote: str
    note: str
    highlight: UUID | None
    added_by: str | None
    created_at: datetime

    @staticmethod
    def resolve_passage(link):
        return link.passage.uuid

    @staticmethod
    def resolve_highlight(link):
        return link.highlight.uuid if link.highlight_id else None

    @staticmethod
    def resolve_added_by(link):
        return username(link.added_by)
