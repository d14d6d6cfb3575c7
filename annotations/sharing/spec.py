"""How each shared model is identified and written in a fixture: natural keys, never integer pks.

A record's natural key is built from `key_fields`: plain fields contribute their value, foreign
keys contribute the natural key of the record they point to (so a Section is (report uuid,
order) and a tag link is (object uuid, tag name)). The same description drives the fixture
writer's `values()` queries and the importer's matching of file records to local rows.
"""

import datetime
import uuid
from dataclasses import dataclass, field
from functools import cached_property

from annotations.models import (
    Comment,
    Highlight,
    Membership,
    Passage,
    Person,
    Report,
    Section,
    Source,
    SourceLink,
    Tag,
    TaggedHighlight,
    TaggedPassage,
    TaggedReport,
    Work,
    Workspace,
)

# Exported user fields: enough to name a person, nothing to log in with or to contact them.
USER_FIELDS = ("username", "first_name", "last_name")
# Fields that mean something only in this database (Passage.annotation_stamp keys its cached
# fragments), so they are neither exported nor imported.
LOCAL_ONLY_FIELDS = {"annotation_stamp"}
UNUSABLE_PASSWORD = "!"


@dataclass(frozen=True)
class Spec:
    model: type
    key_fields: tuple[str, ...]
    # Fields the model computes from others; recomputed on import, ignored when comparing.
    derived: tuple[str, ...] = ()
    # Foreign keys that never change once a record exists (moving records between parents is refused).
    owner_fields: tuple[str, ...] = ()
    # A new record equal to a local one on these fields is the same thing (the same URL cited twice),
    # so the import reuses the local record instead of tripping over the unique constraint.
    merge_on: tuple[str, ...] = ()
    # Deleting such a record here leaves a tombstone that exports carry (see tombstones.py).
    tombstoned: bool = True

    @property
    def label(self):
        return self.model._meta.label_lower

    @property
    def workspace_path(self):
        """Path from the model to its workspace (as the model declares it), to keep an import
        inside the workspaces the file names; None for records of no workspace."""
        return getattr(self.model, "workspace_path", None)

    @property
    def is_user(self):
        return self.model is Person

    @cached_property
    def plain_fields(self):
        if self.is_user:
            return [self.model._meta.get_field(name) for name in USER_FIELDS]
        return [
            f
            for f in self.model._meta.concrete_fields
            if not f.primary_key and not f.is_relation and f.name not in LOCAL_ONLY_FIELDS
        ]

    @cached_property
    def foreign_keys(self):
        if self.is_user:
            return []
        return [f for f in self.model._meta.concrete_fields if f.is_relation]


def _specs():
    return [
        Spec(Person, ("username",), tombstoned=False),
        Spec(Workspace, ("slug",), tombstoned=False),
        Spec(
            Membership,
            ("workspace", "user"),
            owner_fields=("workspace", "user"),
            tombstoned=False,  # members of an existing workspace are managed locally
        ),
        # A tag is (workspace, name); its uuid names it in this instance's URLs only.
        Spec(Tag, ("workspace", "name"), derived=("slug", "uuid"), owner_fields=("workspace",)),
        Spec(Work, ("uuid",), owner_fields=("workspace",), tombstoned=False),  # goes with its last version
        Spec(
            Report,
            ("uuid",),
            owner_fields=("workspace",),
        ),
        Spec(
            TaggedReport,
            ("content_object", "tag"),
            owner_fields=("content_object", "tag"),
        ),
        Spec(Section, ("report", "order"), owner_fields=("report",), tombstoned=False),  # goes with its report
        Spec(
            Passage,
            ("uuid",),
            owner_fields=("report",),
        ),
        Spec(
            TaggedPassage,
            ("content_object", "tag"),
            owner_fields=("content_object", "tag"),
        ),
        Spec(
            Highlight,
            ("uuid",),
            owner_fields=("passage",),
        ),
        Spec(
            TaggedHighlight,
            ("content_object", "tag"),
            owner_fields=("content_object", "tag"),
        ),
        Spec(
            Source,
            ("uuid",),
            derived=("url_normalized",),
            owner_fields=("workspace",),
            merge_on=("workspace", "url_normalized"),
        ),
        Spec(
            SourceLink,
            ("uuid",),
            owner_fields=("passage",),
            merge_on=("passage", "source", "relation"),
        ),
        Spec(
            Comment,
            ("uuid",),
            owner_fields=("passage",),
        ),
    ]


@dataclass
class Registry:
    """The specs in dependency order (every record's references come earlier), by label."""

    specs: list[Spec] = field(default_factory=_specs)

    def __post_init__(self):
        self.by_label = {spec.label: spec for spec in self.specs}
        # Files written before users travelled as Persons name them as plain users.
        self.by_label["auth.user"] = self.by_label[Person._meta.label_lower]
        self.by_model = {spec.model: spec for spec in self.specs}
        self.by_model[Person._meta.concrete_model] = self.by_model[Person]

    def target(self, fk):
        return self.by_model[fk.related_model]

    def key_paths(self, spec, prefix=""):
        """ORM lookup paths whose values, in order, make up the natural key of `spec`'s records."""
        paths = []
        for name in spec.key_fields:
            f = spec.model._meta.get_field(name)
            if f.is_relation:
                paths += self.key_paths(self.target(f), f"{prefix}{name}__")
            else:
                paths.append(prefix + name)
        return paths


def jsonable(value):
    """A value as JSON writes it and Django's deserializer reads it back, without loss
    (Django's own encoder cuts datetimes to milliseconds)."""
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value
