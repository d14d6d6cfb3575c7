"""The data model of the workbench.

User-facing records carry a `uuid`; URLs, exports and fixtures identify records by it, never by
the integer primary key. Reusable filters live on the QuerySet classes below.
"""

import hashlib
import re
import uuid as uuid_lib
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.validators import MaxLengthValidator, RegexValidator, URLValidator
from django.db import models
from django.db.models import Count, Exists, F, Max, OuterRef, Prefetch, Q, Subquery, Value
from django.db.models.functions import Coalesce, Greatest, Lower
from django.db.models.signals import pre_delete
from django.dispatch import receiver
from django.utils import timezone
from django.utils.text import slugify
from simple_history.models import HistoricalRecords
from taggit.managers import TaggableManager, _TaggableManager
from taggit.models import TagBase, TaggedItemBase

from .links import uuid_url

http_url_validator = URLValidator(schemes=["http", "https"])

MAX_COMMENT_LENGTH = 20_000
# C0 controls other than tab and line breaks, and DEL: PostgreSQL refuses NUL in text, and the
# others only ever arrive by accident or to hide something.
TEXT_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def validate_no_control_characters(value):
    if TEXT_CONTROL_CHARACTERS.search(value):
        raise ValidationError("Contains NUL or other control characters.", code="control_characters")


def validate_footnotes(value):
    if not (isinstance(value, list) and all(isinstance(marker, str) for marker in value)):
        raise ValidationError("Must be a list of footnote marker strings.", code="footnotes")


def validate_record(obj, exclude=()):
    """`full_clean()` without the lookups its callers have already made: foreign keys point at rows
    they hold, and uniqueness is the database's to enforce (under concurrency only it can)."""
    relations = [f.name for f in obj._meta.concrete_fields if f.is_relation]
    obj.full_clean(exclude=[*relations, *exclude], validate_unique=False, validate_constraints=False)


def uuid_field():
    return models.UUIDField(default=uuid_lib.uuid4, unique=True, editable=False, verbose_name="UUID")


def member_workspace_ids(user):
    """Ids of the workspaces a user is a member of, as a subquery (visible_to adds the superuser rule)."""
    return Membership.objects.filter(user=user).values("workspace_id")


def workspace_id_of(obj):
    """The id of the workspace `obj` belongs to, following its model's `workspace_path`."""
    path = type(obj).workspace_path
    if path == "pk":
        return obj.pk
    *hops, last = path.split("__")
    for hop in hops:
        obj = getattr(obj, hop)
    return getattr(obj, f"{last}_id")


class WorkspaceScopedQuerySet(models.QuerySet):
    """Rows of a model that declares `workspace_path`, the lookup path from it to its workspace
    ("pk" for the workspace itself). Every scoping filter is derived from that declaration.

    Only membership opens a workspace: superusers see everything, and staff status (opening the
    admin) grants nothing here."""

    def in_workspaces(self, ids):
        """Rows of the workspaces whose ids are `ids` (a list or a subquery)."""
        return self.filter(**{f"{self.model.workspace_path}__in": ids})

    def visible_to(self, user):
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        return self.in_workspaces(member_workspace_ids(user))

    def update(self, **kwargs):
        """Bulk updates stamp the rows they change, as `save()` does (see Stamped)."""
        if issubclass(self.model, Stamped):
            kwargs.setdefault("changed_at", timezone.now())
        return super().update(**kwargs)

    def latest_or(self, field, default):
        """Correlated MAX(field) of these rows, or `default`: never NULL, so Greatest() behaves the
        same on SQLite (NULL if any argument is NULL) and PostgreSQL (skips NULLs)."""
        latest = self.order_by().values(_group=Value(1)).annotate(m=Max(field)).values("m")
        return Coalesce(Subquery(latest, output_field=models.DateTimeField()), default)


ScopedManager = models.Manager.from_queryset(WorkspaceScopedQuerySet)


class Stamped(models.Model):
    """A shared record's change stamp: set by every save and bulk update here, carried unchanged
    by exports and imports, so a re-import can tell which side changed a record since."""

    changed_at = models.DateTimeField(
        default=timezone.now, editable=False, help_text="When this record last changed, on whichever instance."
    )

    class Meta:
        abstract = True

    def save(self, *args, stamp=True, **kwargs):
        """Stamps the record; stamp=False keeps the stamp it carries (an import's, from its origin)."""
        if not stamp:
            return super().save(*args, **kwargs)
        self.changed_at = timezone.now()
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "changed_at"}
        super().save(*args, **kwargs)


class UuidNaturalKeyManager(ScopedManager):
    def get_by_natural_key(self, uuid):
        return self.get(uuid=uuid)


class ByUuidMixin:
    def natural_key(self):
        return (str(self.uuid),)


# --- People named in shared data, and sharing bookkeeping -----------------------------------------


class Person(User):
    """A user as a fixture names them: the exporter writes users as Persons, so that `loaddata`
    creates the ones missing here (inactive, without password) and never changes an account that
    exists, which a plain `auth.user` record would overwrite (privileges, password, e-mail)."""

    class Meta:
        proxy = True
        verbose_name = "person named in shared data"

    def _save_table(self, raw=False, cls=None, force_insert=False, force_update=False, using=None, *args, **kwargs):
        # loaddata saves deserialized records with raw=True, after matching the natural key
        # (username) to a local pk: an existing account is then left exactly as it is.
        if raw:
            existing = User._base_manager.using(using).filter(username=self.username).values_list("pk", flat=True)
            if existing:
                self.pk = existing[0]
                return True
        return super()._save_table(raw, cls, force_insert, force_update, using, *args, **kwargs)


class Instance(models.Model):
    """This installation's identity in the files it exports (one row, made on first use)."""

    uuid = uuid_field()

    def __str__(self):
        return str(self.uuid)

    @classmethod
    def this(cls):
        return cls.objects.order_by("pk").first() or cls.objects.create()


class ImportStamp(models.Model):
    """An export that was loaded here: from which instance, written when (by the origin's clock),
    loaded when (by ours). A re-import compares both sides' change stamps with the last one from
    the same origin to tell a change from a true conflict. Exports carry one (`loaddata` stores it)."""

    origin = models.UUIDField(db_index=True, help_text="The exporting instance.")
    exported_at = models.DateTimeField(help_text="When the file was written, by the origin's clock.")
    imported_at = models.DateTimeField(default=timezone.now, help_text="When it was loaded here.")

    class Meta:
        ordering = ["-imported_at", "-id"]

    def __str__(self):
        return f"{self.origin} as of {self.exported_at:%Y-%m-%d %H:%M}"

    @classmethod
    def last_from(cls, origin):
        return cls.objects.filter(origin=origin).order_by("-exported_at", "-id").first()


# --- Workspaces and members -------------------------------------------------------------------


class WorkspaceManager(ScopedManager):
    def get_by_natural_key(self, slug):
        return self.get(slug=slug)


class Workspace(Stamped):
    """A team's space: its reports, sources and annotations are private to its members."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=100, unique=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    workspace_path = "pk"
    objects = WorkspaceManager()

    class Meta:
        ordering = ["name"]
        verbose_name = "team workspace"

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.slug,)


class Role(models.TextChoices):
    VIEWER = "viewer", "Viewer (reads)"
    ANNOTATOR = "annotator", "Annotator (tags, highlights, comments, links sources)"
    CURATOR = "curator", "Curator (also reviews, uploads, manages members)"


LAST_CURATOR = "A workspace needs at least one curator: make someone else a curator first."


class MembershipQuerySet(WorkspaceScopedQuerySet):
    def check_curators_remain(self):
        """Raise ValidationError if deleting these memberships would leave a workspace that has
        curators without any."""
        for workspace_id in self.filter(role=Role.CURATOR).values_list("workspace_id", flat=True).distinct():
            others = Membership.objects.filter(workspace_id=workspace_id, role=Role.CURATOR)
            if not others.exclude(pk__in=self.values("pk")).exists():
                raise ValidationError(LAST_CURATOR)

    def delete(self):
        self.check_curators_remain()
        return super().delete()


class MembershipManager(ScopedManager.from_queryset(MembershipQuerySet)):
    def get_by_natural_key(self, workspace_slug, username):
        return self.get(workspace__slug=workspace_slug, user__username=username)


class Membership(Stamped):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(
        max_length=20,
        choices=Role.choices,
        default=Role.ANNOTATOR,
        help_text="Curators review and clean up the workspace, also in this admin.",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    workspace_path = "workspace"
    objects = MembershipManager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "user"], name="unique_membership")]
        ordering = ["workspace", "user"]
        verbose_name = "team member"

    def __str__(self):
        return f"{self.user} — {self.get_role_display()} in {self.workspace}"

    def natural_key(self):
        return (self.workspace.slug, self.user.get_username())

    natural_key.dependencies = ["annotations.workspace", "auth.user"]

    def clean(self):
        # The last curator stays one: in the app, in the admin, through any service.
        if self.pk is not None and self.role != Role.CURATOR:
            stored = Membership.objects.filter(pk=self.pk, role=Role.CURATOR)
            stored.check_curators_remain()

    def delete(self, *args, **kwargs):
        Membership.objects.filter(pk=self.pk).check_curators_remain()
        return super().delete(*args, **kwargs)


def count_of(queryset):
    """A correlated COUNT(*) subquery of `queryset`, for use in .annotate()."""
    counted = queryset.order_by().values(_group=Value(1)).annotate(n=Count("*")).values("n")
    return Coalesce(Subquery(counted, output_field=models.IntegerField()), 0)


# --- Each workspace's codebook ------------------------------------------------------------------

hex_color_validator = RegexValidator(r"^#[0-9a-fA-F]{6}\Z", "Give the colour as # and six hex digits, e.g. #1d4ed8.")
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")


def normalize_tag_name(name):
    """A tag name as the codebook stores it: runs of whitespace become one space, no padding."""
    return " ".join(str(name).split())


class TagQuerySet(WorkspaceScopedQuerySet):
    def named(self, name):
        """Tags called `name`, whatever its case and spacing (one per workspace at most)."""
        return self.filter(name__iexact=normalize_tag_name(name))

    def used_in_report(self, report):
        """Tags the report, its passages or their highlights carry."""
        return self.filter(
            Q(Exists(TaggedReport.objects.filter(tag=OuterRef("pk"), content_object=report)))
            | Q(Exists(TaggedPassage.objects.filter(tag=OuterRef("pk"), content_object__report=report)))
            | Q(Exists(TaggedHighlight.objects.filter(tag=OuterRef("pk"), content_object__passage__report=report)))
        )

    def with_usage(self):
        """How many passages, highlights and reports carry each tag, and the sum, in the same query."""

        def used_on(link_model):
            # Within the tag's own workspace only: a stray link elsewhere is never its usage.
            in_own_workspace = {link_model.workspace_path: OuterRef("workspace")}
            return count_of(link_model.objects.filter(tag=OuterRef("pk"), **in_own_workspace))

        return self.annotate(
            passage_count=used_on(TaggedPassage),
            highlight_count=used_on(TaggedHighlight),
            report_count=used_on(TaggedReport),
        ).annotate(usage_count=F("passage_count") + F("highlight_count") + F("report_count"))


class TagManager(ScopedManager.from_queryset(TagQuerySet)):
    def get_by_natural_key(self, workspace_slug, name):
        return self.get(workspace__slug=workspace_slug, name__iexact=name)


class Tag(TagBase, Stamped):  # noqa: DJ008 (TagBase defines __str__)
    """A code of one workspace's codebook; names are unique per workspace regardless of case.

    URLs name a tag by its uuid: a name may be anything a person can type ("Ürümqi", "!!!", 🚩).
    The slug stays ASCII and is only a readable label."""

    uuid = uuid_field()
    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="tags", help_text="The team whose codebook this is."
    )
    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=100, editable=False)
    description = models.TextField(blank=True, help_text="What this code means and when to apply it.")
    color = models.CharField(
        max_length=7,
        default="#6b7280",
        validators=[hex_color_validator],
        help_text="Hex colour of the tag's chips, e.g. #1d4ed8.",
    )
    history = HistoricalRecords()

    natural_key_fields = ["workspace", "name"]
    workspace_path = "workspace"
    objects = TagManager()

    class Meta:
        ordering = [Lower("name")]
        constraints = [
            models.UniqueConstraint(
                "workspace",
                Lower("name"),
                name="unique_tag_name_per_workspace",
                violation_error_message="The codebook already has a tag with this name.",
            ),
            models.UniqueConstraint(fields=["workspace", "slug"], name="unique_tag_slug_per_workspace"),
        ]
        verbose_name = "codebook tag"

    def natural_key(self):
        return (self.workspace.slug, self.name)

    natural_key.dependencies = ["annotations.workspace"]

    def clean(self):
        self.name = normalize_tag_name(self.name)
        if not self.name:
            raise ValidationError({"name": "A tag needs a name."})
        if CONTROL_CHARACTERS.search(self.name):
            raise ValidationError({"name": "Tag names cannot contain control characters."})

    @classmethod
    def names_by_id(cls, ids):
        """Tag names by id, also of tags deleted (merged away) since, from their history."""
        names = dict(cls.objects.filter(pk__in=ids).values_list("pk", "name"))
        gone = set(ids) - set(names) - {None}
        for pk, name in cls.history.filter(id__in=gone).order_by("history_date").values_list("id", "name"):
            names[pk] = name
        return names

    def slugify(self, tag, i=None):
        # ASCII, never empty: "Ürümqi" -> "urumqi", "!!!" -> "tag"; taggit adds a number when taken.
        slug = slugify(tag)[:90] or "tag"
        return slug if i is None else f"{slug}-{i}"


class WorkspaceTaggableManager(_TaggableManager):
    """taggit's manager (`record.tags.add("name")`), looking tags up in and adding them to the
    tagged record's own workspace codebook; another workspace's tag is refused."""

    def _to_tag_model_instances(self, tags, tag_kwargs):
        workspace_id = workspace_id_of(self.instance)
        if any(isinstance(tag, Tag) and tag.workspace_id != workspace_id for tag in tags):
            raise ValidationError("The tag belongs to another workspace's codebook.")
        return super()._to_tag_model_instances(tags, {"workspace_id": workspace_id, **tag_kwargs})


def tags_field(through):
    return TaggableManager(through=through, blank=True, manager=WorkspaceTaggableManager)


class TagLinkManager(ScopedManager):
    """Tag links are found again by (tagged record's uuid, tag name), never by integer pk."""

    def get_by_natural_key(self, object_uuid, tag_name):
        return self.get(content_object__uuid=object_uuid, tag__name=tag_name)


def tag_link_natural_key(tagged_model):
    """A tag link's natural key, (tagged record's uuid, tag name): a function of each link model's
    own, as it carries the model's serialization dependencies."""

    def natural_key(self):
        return (str(self.content_object.uuid), self.tag.name)

    natural_key.dependencies = [tagged_model, "annotations.tag"]
    return natural_key


class TagLink(TaggedItemBase, Stamped):  # noqa: DJ008 (TaggedItemBase defines __str__)
    """A record carries a tag of its own workspace's codebook. Subclasses name the tagged record
    (`content_object`), the `tag` with its related name, `workspace_path` and `natural_key`."""

    natural_key_fields = ["content_object", "tag"]
    objects = TagLinkManager()

    class Meta:
        abstract = True

    def clean(self):
        try:
            workspace_id = workspace_id_of(self)
        except ObjectDoesNotExist:  # the tagged record is not chosen yet: its own error says so
            return
        if self.tag_id and self.tag.workspace_id != workspace_id:
            raise ValidationError({"tag": "The tag belongs to another workspace's codebook."})


class AuthoredTagLink(TagLink):  # noqa: DJ008 (TaggedItemBase defines __str__)
    """A tag link that records who added it and when (the report-level links do not)."""

    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        abstract = True


class TaggedPassage(AuthoredTagLink):  # noqa: DJ008 (TaggedItemBase defines __str__)
    content_object = models.ForeignKey("Passage", on_delete=models.CASCADE, related_name="tag_links")
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="passage_links")
    workspace_path = "content_object__report__workspace"
    # Who added or removed which tag, and when (tag merges move links: a change of tag).
    history = HistoricalRecords(excluded_fields=["changed_at"])

    class Meta:
        constraints = [models.UniqueConstraint(fields=["content_object", "tag"], name="unique_passage_tag")]
        verbose_name = "tag on a passage"
        verbose_name_plural = "tags on passages"

    natural_key = tag_link_natural_key("annotations.passage")


class TaggedHighlight(AuthoredTagLink):  # noqa: DJ008 (TaggedItemBase defines __str__)
    content_object = models.ForeignKey("Highlight", on_delete=models.CASCADE, related_name="tag_links")
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="highlight_links")
    workspace_path = "content_object__passage__report__workspace"
    # Who added or removed which tag, and when (tag merges move links: a change of tag).
    history = HistoricalRecords(excluded_fields=["changed_at"])

    class Meta:
        constraints = [models.UniqueConstraint(fields=["content_object", "tag"], name="unique_highlight_tag")]
        verbose_name = "tag on a highlight"
        verbose_name_plural = "tags on highlights"

    natural_key = tag_link_natural_key("annotations.highlight")


class TaggedReport(TagLink):  # noqa: DJ008 (TaggedItemBase defines __str__)
    content_object = models.ForeignKey("Report", on_delete=models.CASCADE, related_name="tag_links")
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="report_links")
    workspace_path = "content_object__workspace"
    # Who added or removed which tag, and when (tag merges move links: a change of tag).
    history = HistoricalRecords(excluded_fields=["changed_at"])

    class Meta:
        constraints = [models.UniqueConstraint(fields=["content_object", "tag"], name="unique_report_tag")]
        verbose_name = "tag on a report"
        verbose_name_plural = "tags on reports"

    natural_key = tag_link_natural_key("annotations.report")


# --- Reports and their passages -----------------------------------------------------------------


class Work(ByUuidMixin, Stamped):
    """A report as a series of versions (a revised edition is the next version of its work)."""

    uuid = uuid_field()
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="works")
    title = models.CharField(max_length=500)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    workspace_path = "workspace"
    objects = UuidNaturalKeyManager()

    class Meta:
        ordering = ["title"]
        verbose_name = "report series (work)"
        verbose_name_plural = "report series (works)"

    def __str__(self):
        return self.title


class ReportQuerySet(WorkspaceScopedQuerySet):
    def latest_versions(self):
        """Each work's newest version only (the report list shows those)."""
        return self.filter(is_latest=True)

    def with_progress(self):
        """Counts the report list shows: passages, tagged, approved, open threads; last activity."""
        passages = Passage.objects.filter(report=OuterRef("pk"))
        return self.annotate(
            passage_count=count_of(passages),
            tagged_count=count_of(passages.filter(Exists(TaggedPassage.objects.filter(content_object=OuterRef("pk"))))),
            approved_count=count_of(passages.filter(status=Passage.Status.APPROVED)),
            open_thread_count=count_of(Comment.objects.open_threads().filter(passage__report=OuterRef("pk"))),
        )

    def for_list(self):
        """The report list: each work's newest version with its progress, last activity and the
        share of its passages tagged (to sort by)."""
        return (
            self.latest_versions()
            .with_progress()
            .with_last_activity()
            .annotate(tagged_share=F("tagged_count") * 1.0 / Greatest(F("passage_count"), 1))
        )

    def with_last_activity(self):
        """When anything in each report last changed: an edit, a comment, a tag, a highlight, a link."""
        created = F("created_at")
        of_report = OuterRef("pk")
        return self.annotate(
            last_activity=Greatest(
                created,
                Passage.objects.filter(report=of_report).latest_or("updated_at", created),
                Comment.objects.filter(passage__report=of_report).latest_or("created_at", created),
                TaggedPassage.objects.filter(content_object__report=of_report).latest_or("created_at", created),
                Highlight.objects.filter(passage__report=of_report).latest_or("created_at", created),
                SourceLink.objects.filter(passage__report=of_report).latest_or("created_at", created),
            )
        )


class Report(ByUuidMixin, Stamped):
    uuid = uuid_field()
    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="reports", help_text="The team that works on this report."
    )
    title = models.CharField(max_length=500)
    slug = models.SlugField(max_length=200)
    authors = models.CharField(max_length=500, blank=True)
    publisher = models.CharField(max_length=300, blank=True)
    published_on = models.DateField(null=True, blank=True)
    source_url = models.URLField(max_length=1000, blank=True, validators=[http_url_validator])
    report_number = models.CharField(
        max_length=50, blank=True, help_text="The publisher's number for the report: R48903, GAO-15-541T, 98-380."
    )
    original_filename = models.CharField(max_length=300, blank=True)
    content_sha256 = models.CharField(
        max_length=64, blank=True, db_index=True, help_text="SHA-256 of the imported file: re-imports are detected."
    )
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    tags = tags_field(TaggedReport)
    work = models.ForeignKey(
        Work,
        null=True,
        blank=True,
        on_delete=models.RESTRICT,
        related_name="versions",
        help_text="The series of versions this report belongs to.",
    )
    version_number = models.PositiveIntegerField(default=1, help_text="1 for the first version of the work.")
    is_latest = models.BooleanField(
        default=True, db_index=True, help_text="The newest version of its work; older versions are read-only."
    )
    history = HistoricalRecords(excluded_fields=["updated_at"])

    workspace_path = "workspace"
    objects = UuidNaturalKeyManager.from_queryset(ReportQuerySet)()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "slug"], name="unique_report_slug"),
            models.UniqueConstraint(fields=["work", "version_number"], name="unique_work_version"),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        # Every report belongs to a work: a new report starts its own series.
        if self.work_id is None:
            self.work = Work.objects.create(workspace_id=self.workspace_id, title=self.title[:500])
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return uuid_url("annotations:report-read", self.uuid)


class SectionManager(ScopedManager):
    def get_by_natural_key(self, report_uuid, order):
        return self.get(report__uuid=report_uuid, order=order)


class Section(Stamped):
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="sections")
    order = models.PositiveIntegerField()
    title = models.CharField(max_length=500)
    level = models.PositiveSmallIntegerField(default=1)

    workspace_path = "report__workspace"
    objects = SectionManager()

    class Meta:
        ordering = ["report", "order"]
        constraints = [models.UniqueConstraint(fields=["report", "order"], name="unique_section_order")]
        verbose_name = "section heading"

    def __str__(self):
        return self.title

    def natural_key(self):
        return self.report.natural_key() + (self.order,)

    natural_key.dependencies = ["annotations.report"]


class PassageQuerySet(WorkspaceScopedQuerySet):
    def annotated_by(self, username):
        """Passages the user (by username, any case) tagged, commented on, highlighted or linked
        to a source."""
        users = get_user_model().objects.filter(username__iexact=username).values("pk")
        of_passage = {"passage": OuterRef("pk")}
        return self.filter(
            Exists(TaggedPassage.objects.filter(content_object=OuterRef("pk"), added_by__in=users))
            | Exists(Comment.objects.live().filter(**of_passage, author__in=users))
            | Exists(Highlight.objects.filter(**of_passage, created_by__in=users))
            | Exists(SourceLink.objects.filter(**of_passage, added_by__in=users))
        )

    def with_comments(self):
        return self.filter(Exists(Comment.objects.live().filter(passage=OuterRef("pk"))))

    def without_comments(self):
        return self.exclude(Exists(Comment.objects.live().filter(passage=OuterRef("pk"))))

    def with_open_threads(self):
        return self.filter(Exists(Comment.objects.open_threads().filter(passage=OuterRef("pk"))))

    def touch(self):
        """Mark these passages' annotations as changed: their cached reading-view fragments and
        ETags go stale. Every write that changes what a passage shows calls this (signals.py).
        The stamp is local (a cache key), not a change to the shared record, so the passages'
        change stamps (`changed_at`, see Stamped) are left as they are."""
        return models.QuerySet.update(self, annotation_stamp=F("annotation_stamp") + 1)

    def with_annotation_counts(self):
        """Counts of tags, comments, open threads and sources per passage, in the same query.

        Correlated subqueries rather than joined COUNT(DISTINCT ...): joins multiply the rows
        (tags x comments x sources) and get slow on well-annotated passages."""
        of_passage = {"passage": OuterRef("pk")}
        return self.annotate(
            tag_count=count_of(TaggedPassage.objects.filter(content_object=OuterRef("pk"))),
            comment_count=count_of(Comment.objects.live().filter(**of_passage)),
            open_thread_count=count_of(Comment.objects.open_threads().filter(**of_passage)),
            source_count=count_of(SourceLink.objects.filter(**of_passage)),
        )

    def for_reading(self):
        """The one place the reading view's queries are shaped: a fixed number, whatever the rows."""
        return (
            self.select_related("section")
            .with_annotation_counts()
            .prefetch_related(
                Prefetch(
                    "tag_links", queryset=TaggedPassage.objects.select_related("tag").order_by(Lower("tag__name"))
                ),
                Prefetch(
                    "highlights",
                    queryset=Highlight.objects.filter(orphaned=False)
                    .order_by("start", "end")
                    .prefetch_related(Prefetch("tag_links", queryset=TaggedHighlight.objects.select_related("tag"))),
                ),
            )
            .order_by("order")
        )


class Passage(ByUuidMixin, Stamped):
    class Kind(models.TextChoices):
        PARAGRAPH = "paragraph", "Paragraph"
        LIST_ITEM = "list_item", "List item"
        NOTE = "note", "Note (footnote or endnote)"
        QUOTE = "quote", "Quotation"
        TABLE = "table", "Table"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        IN_REVIEW = "in_review", "In review"
        APPROVED = "approved", "Approved"
        FLAGGED = "flagged", "Flagged"

    uuid = uuid_field()
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="passages")
    section = models.ForeignKey(Section, null=True, blank=True, on_delete=models.SET_NULL, related_name="passages")
    order = models.PositiveIntegerField(help_text="Position in the report's reading order.")
    kind = models.CharField(
        max_length=20, choices=Kind.choices, default=Kind.PARAGRAPH, help_text="How the passage is set in the report."
    )
    label = models.CharField(max_length=50, blank=True, help_text='List label ("1.a") or note marker ("*", "12").')
    text = models.TextField(help_text="Clean text, without footnote markers or page-break artefacts.")
    footnotes = models.JSONField(
        default=list, blank=True, validators=[validate_footnotes], help_text="Footnote markers referenced here."
    )
    page = models.PositiveIntegerField(null=True, blank=True)
    status = models.CharField(
        max_length=20,
        choices=Status.choices,
        default=Status.OPEN,
        db_index=True,
        help_text="Review status: open, in review, approved by a curator, or flagged for another look.",
    )
    version = models.PositiveIntegerField(default=1, help_text="Raised on every edit, to detect conflicting edits.")
    # Raised (PassageQuerySet.touch) by every write to the passage, its tags, highlights,
    # comments or source links: the key of its cached reading-view fragment and of ETags.
    annotation_stamp = models.PositiveBigIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    tags = tags_field(TaggedPassage)
    history = HistoricalRecords(excluded_fields=["updated_at", "annotation_stamp"])

    workspace_path = "report__workspace"
    objects = UuidNaturalKeyManager.from_queryset(PassageQuerySet)()

    class Meta:
        ordering = ["report", "order"]
        constraints = [models.UniqueConstraint(fields=["report", "order"], name="unique_passage_order")]

    def __str__(self):
        prefix = f"{self.label} " if self.label else ""
        return f"{prefix}{self.text[:80]}"

    def get_absolute_url(self):
        # ?at= makes the reading view open the chunk of a long report that holds the passage.
        return uuid_url("annotations:report-read", self.report.uuid) + f"?at={self.uuid}#p-{self.uuid}"

    def clean(self):
        if self.section_id is not None and self.report_id is not None and self.section.report_id != self.report_id:
            raise ValidationError({"section": "The section belongs to another report."})
        if self.pk is not None:
            cut = Highlight.objects.filter(passage_id=self.pk, end__gt=len(self.text)).order_by("-end").first()
            if cut is not None:
                raise ValidationError(
                    {
                        "text": f"The text is {len(self.text)} characters long but a highlight on it ends at "
                        f"{cut.end}: the text cannot be shortened under its highlights."
                    }
                )


class Highlight(ByUuidMixin, Stamped):
    """A span of a passage: code-point offsets into Passage.text plus a W3C TextQuoteSelector."""

    QUOTE_CONTEXT = 32

    uuid = uuid_field()
    passage = models.ForeignKey(Passage, on_delete=models.CASCADE, related_name="highlights")
    start = models.PositiveIntegerField(help_text="Offset of the first character, in Unicode code points.")
    end = models.PositiveIntegerField(help_text="Offset after the last character, in Unicode code points.")
    exact = models.TextField()
    prefix = models.CharField(max_length=QUOTE_CONTEXT, blank=True)
    suffix = models.CharField(max_length=QUOTE_CONTEXT, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="highlights"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    orphaned = models.BooleanField(
        default=False,
        help_text="Its passage's text changed and its words could not be found again: hidden until a "
        "curator places it (Needs review).",
    )
    tags = tags_field(TaggedHighlight)

    workspace_path = "passage__report__workspace"
    objects = UuidNaturalKeyManager()

    class Meta:
        ordering = ["passage", "start", "end"]
        verbose_name = "highlighted span"
        constraints = [models.CheckConstraint(condition=Q(end__gt=models.F("start")), name="highlight_nonempty_span")]

    def __str__(self):
        return f"“{self.exact[:60]}”"

    def check_span(self, text):
        """The span must lie inside the passage's text and hold more than whitespace."""
        if not 0 <= self.start < self.end <= len(text):
            raise ValidationError(
                f"The selection {self.start}–{self.end} is outside the passage (length {len(text)})."
            )
        if not text[self.start : self.end].strip():
            raise ValidationError("Select some text to highlight.")

    def clean(self):
        if self.passage_id is not None and self.start is not None and self.end is not None:
            self.check_span(self.passage.text)

    @classmethod
    def quote_for(cls, text, start, end):
        """The W3C TextQuoteSelector fields (exact, prefix, suffix) for a span of `text`."""
        return {
            "exact": text[start:end],
            "prefix": text[max(0, start - cls.QUOTE_CONTEXT) : start],
            "suffix": text[end : end + cls.QUOTE_CONTEXT],
        }


class CommentQuerySet(WorkspaceScopedQuerySet):
    def live(self):
        return self.filter(deleted_at__isnull=True)

    def open_threads(self):
        return self.live().filter(parent__isnull=True, resolved=False)


class Comment(ByUuidMixin, Stamped):
    uuid = uuid_field()
    passage = models.ForeignKey(Passage, on_delete=models.CASCADE, related_name="comments")
    # Deleting a highlight keeps its discussion: the comments stay on the passage, marked with the
    # quote of the removed highlight (see keep_comments_of_removed_highlight).
    highlight = models.ForeignKey(
        Highlight, null=True, blank=True, on_delete=models.SET_NULL, related_name="comments"
    )
    removed_highlight = models.TextField(
        blank=True, help_text="The quote of the highlight this comment was on, since deleted."
    )
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="replies",
        help_text="Replies point to the thread's first comment.",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="comments"
    )
    body = models.TextField(
        validators=[MaxLengthValidator(MAX_COMMENT_LENGTH), validate_no_control_characters],
        help_text="Markdown source; rendered sanitized.",
    )
    resolved = models.BooleanField(default=False, help_text="A resolved thread is settled; set on its first comment.")
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True, help_text="Soft delete: the thread keeps its shape.")
    history = HistoricalRecords()

    workspace_path = "passage__report__workspace"
    objects = UuidNaturalKeyManager.from_queryset(CommentQuerySet)()

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return self.body[:80]

    def clean(self):
        """A comment, its highlight and its thread are on one passage; replies attach to the thread's
        first comment, so threads are one level deep and can never form a cycle."""
        super().clean()
        if self.passage_id is None:
            return
        if self.highlight_id is not None and self.highlight.passage_id != self.passage_id:
            raise ValidationError({"highlight": "A comment and its highlight must be on the same passage."})
        if self.parent_id is None:
            return
        parent = self.parent
        if self.pk is not None and parent.pk == self.pk:
            raise ValidationError({"parent": "A comment cannot reply to itself."})
        if parent.passage_id != self.passage_id:
            raise ValidationError({"parent": "A reply must be on the same passage as its thread."})
        if parent.parent_id is not None:
            raise ValidationError({"parent": "Replies attach to the thread's first comment, not to another reply."})
        if self.pk is not None and Comment.objects.filter(parent_id=self.pk).exclude(pk=parent.pk).exists():
            raise ValidationError({"parent": "This comment has replies: it starts a thread and cannot become a reply."})

    @property
    def is_deleted(self):
        return self.deleted_at is not None


@receiver(pre_delete, sender=Highlight)
def keep_comments_of_removed_highlight(sender, instance, origin=None, **kwargs):
    """Whoever deletes a highlight (its author in the app, a curator in the admin), the comments on
    it (anyone's) move to the passage, marked as from the removed highlight; saved one by one, so
    their history records the move. When the passage itself goes, its comments go with it."""
    deleting_highlights = isinstance(origin, Highlight) or getattr(origin, "model", None) is Highlight
    if not deleting_highlights:
        return
    for comment in Comment.objects.filter(highlight=instance):
        comment.highlight = None
        comment.removed_highlight = instance.exact
        comment.save(update_fields=["highlight", "removed_highlight"])


def normalize_url(url):
    """The form of a URL used to spot duplicate sources: case-folded scheme and host, no
    fragment, no default port, no trailing slash."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    if parts.port and (parts.scheme.lower(), parts.port) not in {("http", 80), ("https", 443)}:
        host = f"{host}:{parts.port}"
    path = parts.path.rstrip("/")
    return urlunsplit((parts.scheme.lower(), host, path, parts.query, ""))


class Source(ByUuidMixin, Stamped):
    class Kind(models.TextChoices):
        NEWS = "news", "News"
        ACADEMIC = "academic", "Academic"
        GOVERNMENT = "government", "Government"
        THINK_TANK = "think_tank", "Think tank"
        DATASET = "dataset", "Dataset"
        OTHER = "other", "Other"

    uuid = uuid_field()
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="sources")
    url = models.URLField(max_length=1000, validators=[http_url_validator], help_text="http or https only.")
    url_normalized = models.CharField(max_length=1000, editable=False)
    title = models.CharField(max_length=500)
    authors = models.CharField(max_length=500, blank=True)
    publisher = models.CharField(max_length=300, blank=True)
    published_on = models.DateField(null=True, blank=True)
    accessed_on = models.DateField(null=True, blank=True)
    kind = models.CharField(
        max_length=20, choices=Kind.choices, default=Kind.OTHER, help_text="What sort of publication the source is."
    )
    doi = models.CharField(max_length=200, blank=True, verbose_name="DOI")
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    history = HistoricalRecords()

    workspace_path = "workspace"
    objects = UuidNaturalKeyManager()

    class Meta:
        ordering = ["title"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "url_normalized"], name="unique_source_url_per_workspace")
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        self.url_normalized = normalize_url(self.url)
        super().save(*args, **kwargs)


class SourceLink(ByUuidMixin, Stamped):
    class Relation(models.TextChoices):
        CITES = "cites", "cites"
        SUPPORTS = "supports", "supports"
        CONTRADICTS = "contradicts", "contradicts"
        CONTEXT = "context", "gives context to"

    uuid = uuid_field()
    passage = models.ForeignKey(Passage, on_delete=models.CASCADE, related_name="source_links")
    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="links")
    highlight = models.ForeignKey(
        Highlight, null=True, blank=True, on_delete=models.SET_NULL, related_name="source_links"
    )
    relation = models.CharField(
        max_length=20,
        choices=Relation.choices,
        default=Relation.CITES,
        help_text="How the passage relates to the source.",
    )
    footnote = models.CharField(max_length=20, blank=True, help_text="The report's footnote marker, if any.")
    note = models.TextField(blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    history = HistoricalRecords()

    workspace_path = "passage__report__workspace"
    objects = UuidNaturalKeyManager()

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["passage", "source", "relation"], name="unique_source_link")]

    def __str__(self):
        return f"{self.passage} {self.relation} {self.source}"

    def clean(self):
        if self.passage_id is None:
            return
        if self.highlight_id is not None and self.highlight.passage_id != self.passage_id:
            raise ValidationError({"highlight": "The highlight belongs to another passage."})
        if self.source_id is not None and self.source.workspace_id != self.passage.report.workspace_id:
            raise ValidationError({"source": "The source belongs to another workspace than the passage."})


# --- Background jobs (annotations/jobs.py) ----------------------------------------------------


class Job(models.Model):
    """Long work done by a job worker, not in the request: its state, progress and outcome."""

    class Kind(models.TextChoices):
        IMPORT_REPORT = "import_report", "report import"
        IMPORT_FIXTURE = "import_fixture", "fixture import"
        EXPORT_FIXTURE = "export_fixture", "fixture export"
        EXPORT_ANNOTATIONS = "export_annotations", "annotation export"
        NEW_VERSION = "new_version", "new version (import and carry-over)"

    class Status(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        SUCCEEDED = "succeeded"
        FAILED = "failed"

    uuid = uuid_field()
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="jobs")
    kind = models.CharField(max_length=40, choices=Kind.choices)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # The input (an uploaded file) travels with the job, so a worker on any machine can run it;
    # emptied when the job ends.
    payload = models.BinaryField(blank=True, default=b"")
    params = models.JSONField(default=dict, blank=True)
    # Which worker runs it (host:pid), so a worker that died mid-job can be told from a slow one.
    worker = models.CharField(max_length=200, blank=True)
    phase = models.CharField(max_length=100, blank=True)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True)  # the outcome for a person: a summary, or what went wrong
    report = models.ForeignKey("Report", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # An export's file, downloaded from the job's page; kept with the job (in the database, so any
    # web server can hand out what a worker on another machine wrote).
    result = models.BinaryField(blank=True, default=b"")
    result_name = models.CharField(max_length=200, blank=True)

    workspace_path = "workspace"
    objects = ScopedManager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.status})"

    def get_absolute_url(self):
        return uuid_url("annotations:job-detail", self.uuid)

    @property
    def finished(self):
        return self.status in (self.Status.SUCCEEDED, self.Status.FAILED)

    @property
    def percent(self):
        return round(100 * self.done / self.total) if self.total else None


class Tombstone(models.Model):
    """A shared record deleted (or merged into another) here: exports carry it, so that
    `import_fixture --apply-deletions` deletes (or merges) the same record on another instance."""

    model = models.CharField(max_length=100, help_text="The deleted record's model, e.g. annotations.tag.")
    key = models.JSONField(help_text="Its natural key, as exports write it.")
    workspace = models.ForeignKey(
        Workspace, null=True, blank=True, on_delete=models.CASCADE, related_name="+", help_text="Empty: no workspace."
    )
    merged_into = models.JSONField(null=True, blank=True, help_text="Natural key of the record it was merged into.")
    deleted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["deleted_at", "id"]

    def __str__(self):
        return f"{self.model} {self.key} deleted {self.deleted_at:%Y-%m-%d %H:%M}"


# --- Personal API tokens --------------------------------------------------------------------


class ApiTokenQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True)


class ApiToken(models.Model):
    """A personal token for the REST API. Only a SHA-256 digest of the secret is stored: the
    secret is 256 random bits, so a fast digest cannot be brute-forced, and each request needs
    one indexed lookup rather than a slow password hash."""

    PREFIX = "awb_"

    uuid = uuid_field()
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, help_text="What the token is for, e.g. “R analysis script”.")
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    key_hint = models.CharField(max_length=12, editable=False, help_text="The first characters, to recognise it.")
    read_only = models.BooleanField(default=False, help_text="A read-only token cannot change anything.")
    workspace = models.ForeignKey(
        Workspace,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="Limits the token to one workspace; empty means every workspace of the user.",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "API token"

    def __str__(self):
        return f"{self.name} ({self.key_hint}…)"

    @staticmethod
    def digest(secret):
        return hashlib.sha256(secret.encode()).hexdigest()


class Orphan(ByUuidMixin, models.Model):
    """An annotation that could not be placed with confidence in a report's new version (or in a
    passage's edited text): kept for a curator to place or dismiss, never silently misplaced.

    `passage` is where the annotation was (the old version's passage, which keeps its own copy);
    `highlight` is set when the orphan is a highlight, else it is the passage's own annotations
    (tag links, comment threads, source links). `report` is the version it needs a place in."""

    class Status(models.TextChoices):
        OPEN = "open", "Needs review"
        PLACED = "placed", "Placed"
        DISMISSED = "dismissed", "Dismissed"

    uuid = uuid_field()
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="orphans")
    passage = models.ForeignKey(Passage, on_delete=models.CASCADE, related_name="+")
    highlight = models.ForeignKey(Highlight, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=200)
    candidates = models.JSONField(
        default=list, blank=True, help_text="The best places found: [{passage: uuid, score: 0-100}]."
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN, db_index=True)
    placed_in = models.ForeignKey(Passage, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    workspace_path = "report__workspace"
    objects = UuidNaturalKeyManager()

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = "orphaned annotation"

    def __str__(self):
        what = f"“{self.highlight.exact[:60]}”" if self.highlight_id else f"annotations of {self.passage}"
        return f"{what} ({self.get_status_display()})"
