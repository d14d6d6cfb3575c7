"""The fixture writer: streams a selection of reports as a Django fixture with natural keys.

Each model is read with one `values()` query that joins the natural keys of the records it
points to, iterated in chunks: memory stays flat and the number of queries does not grow with
the rows. The output loads with Django's own `loaddata` (JSON or JSON Lines).
"""

import json
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from annotations.models import (
    Comment,
    Highlight,
    ImportStamp,
    Instance,
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
    Tombstone,
    Work,
    Workspace,
)

from .spec import UNUSABLE_PASSWORD, Registry, jsonable

CHUNK_SIZE = 2000


@dataclass
class Selection:
    """What to export: some reports, or whole workspaces (with their sources and members)."""

    reports: object  # a Report queryset
    workspaces: object  # a Workspace queryset of workspaces exported in full (may be empty)
    whole_codebook: bool = False
    passages: object = None  # a Passage queryset: only these passages of the reports (None: all)

    @classmethod
    def of_reports(cls, uuids):
        return cls(Report.objects.filter(uuid__in=uuids), Workspace.objects.none())

    @classmethod
    def of_workspace(cls, slug):
        workspaces = Workspace.objects.filter(slug=slug)
        return cls(Report.objects.filter(workspace__in=workspaces), workspaces)

    @classmethod
    def everything(cls):
        return cls(Report.objects.all(), Workspace.objects.all(), whole_codebook=True)

    @classmethod
    def of_admin_selection(cls, *, reports, passages):
        """Reports chosen whole, plus single passages (which bring their report, not its other passages)."""
        chosen = Passage.objects.filter(Q(report__in=reports.values("pk")) | Q(pk__in=passages.values("pk")))
        return cls(Report.objects.filter(pk__in=chosen.values("report")), Workspace.objects.none(), passages=chosen)

    def querysets(self):
        """Label -> queryset of the rows to export, in the registry's dependency order."""
        reports = self.reports
        passages = Passage.objects.filter(report__in=reports)
        if self.passages is not None:
            passages = passages.filter(pk__in=self.passages.values("pk"))
        highlights = Highlight.objects.filter(passage__in=passages)
        tagged_reports = TaggedReport.objects.filter(content_object__in=reports)
        tagged_passages = TaggedPassage.objects.filter(content_object__in=passages)
        tagged_highlights = TaggedHighlight.objects.filter(content_object__in=highlights)
        source_links = SourceLink.objects.filter(passage__in=passages)
        comments = Comment.objects.filter(passage__in=passages)
        sources = Source.objects.filter(Q(workspace__in=self.workspaces) | Q(pk__in=source_links.values("source")))
        workspaces = Workspace.objects.filter(
            Q(pk__in=self.workspaces.values("pk"))
            | Q(pk__in=reports.values("workspace"))
            | Q(pk__in=sources.values("workspace"))
        )
        # Members are shared only with a whole workspace: a single report names only its annotators.
        memberships = Membership.objects.filter(workspace__in=self.workspaces)
        # A whole workspace brings its whole codebook; single reports, the tags they use.
        tags = (
            Tag.objects.all()
            if self.whole_codebook
            else Tag.objects.filter(
                Q(workspace__in=self.workspaces)
                | Q(pk__in=tagged_reports.values("tag"))
                | Q(pk__in=tagged_passages.values("tag"))
                | Q(pk__in=tagged_highlights.values("tag"))
            )
        )
        users = Person.objects.filter(
            Q(pk__in=reports.values("imported_by"))
            | Q(pk__in=tagged_passages.values("added_by"))
            | Q(pk__in=tagged_highlights.values("added_by"))
            | Q(pk__in=highlights.values("created_by"))
            | Q(pk__in=comments.values("author"))
            | Q(pk__in=source_links.values("added_by"))
            | Q(pk__in=memberships.values("user"))
        )
        by_model = {
            Person: users,
            Workspace: workspaces,
            Membership: memberships,
            Tag: tags,
            Work: Work.objects.filter(pk__in=reports.values("work")),
            Report: reports,
            TaggedReport: tagged_reports,
            Section: Section.objects.filter(report__in=reports),
            Passage: passages,
            TaggedPassage: tagged_passages,
            Highlight: highlights,
            TaggedHighlight: tagged_highlights,
            Source: sources,
            SourceLink: source_links,
            Comment: comments,
        }
        registry = Registry()
        return registry, [(spec, by_model[spec.model]) for spec in registry.specs]


class RowReader:
    """The `values_list()` paths that read one model's records with the natural keys of what they
    point to joined in, and the conversion of such a row to fixture fields."""

    def __init__(self, registry, spec):
        self.spec = spec
        self.plain = [f.name for f in spec.plain_fields]
        self.fks = [(f.name, registry.key_paths(registry.target(f), f"{f.name}__")) for f in spec.foreign_keys]
        self.paths = self.plain + [p for _, fk_paths in self.fks for p in fk_paths]

    def fields(self, row):
        fields = {name: jsonable(value) for name, value in zip(self.plain, row[: len(self.plain)], strict=True)}
        position = len(self.plain)
        for name, fk_paths in self.fks:
            values = row[position : position + len(fk_paths)]
            # A null foreign key joins to nulls all along its natural key.
            fields[name] = None if values[0] is None else [jsonable(v) for v in values]
            position += len(fk_paths)
        if self.spec.is_user:
            # People named in the data, not accounts: no password hash, no e-mail, no privileges.
            fields.update(password=UNUSABLE_PASSWORD, is_active=False, is_staff=False, is_superuser=False)
        return fields


def iter_model_records(registry, spec, queryset, chunk_size=CHUNK_SIZE):
    """Fixture records of one model: {"model", "fields"}, no "pk", foreign keys as natural keys."""
    reader = RowReader(registry, spec)
    for row in queryset.order_by("pk").values_list(*reader.paths).iterator(chunk_size=chunk_size):
        yield {"model": spec.label, "fields": reader.fields(row)}


def origin_record():
    """The file's first record: which instance wrote it, and when. `loaddata` stores it as an
    ImportStamp; `import_fixture` compares change stamps with the last file from that origin."""
    fields = {"origin": str(Instance.this().uuid), "exported_at": jsonable(timezone.now())}
    return {"model": ImportStamp._meta.label_lower, "fields": fields}


def count_records(selection):
    _, querysets = selection.querysets()
    return 1 + sum(queryset.count() for _, queryset in querysets) + tombstones_of(selection).count()


def tombstones_of(selection):
    """Deletions in the selection's scope: those of the workspaces exported whole."""
    return Tombstone.objects.filter(workspace__in=selection.workspaces)


def iter_tombstone_records(selection, chunk_size=CHUNK_SIZE):
    rows = tombstones_of(selection).order_by("pk").values_list(
        "model", "key", "workspace__slug", "merged_into", "deleted_at"
    )
    for model, key, slug, merged_into, deleted_at in rows.iterator(chunk_size=chunk_size):
        fields = {
            "model": model,
            "key": key,
            "workspace": None if slug is None else [slug],
            "merged_into": merged_into,
            "deleted_at": jsonable(deleted_at),
        }
        yield {"model": Tombstone._meta.label_lower, "fields": fields}


def iter_records(selection, chunk_size=CHUNK_SIZE):
    yield origin_record()
    registry, querysets = selection.querysets()
    for spec, queryset in querysets:
        yield from iter_model_records(registry, spec, queryset, chunk_size)
    yield from iter_tombstone_records(selection, chunk_size)


def write_fixture(records, stream, *, json_lines=False, on_record=None):
    """Write records to a text stream as a JSON array (one record per line) or as JSON Lines."""
    if not json_lines:
        stream.write("[")
    lead = "\n"
    for record in records:
        text = json.dumps(record, ensure_ascii=False)
        stream.write(text + "\n" if json_lines else lead + text)
        lead = ",\n"
        if on_record:
            on_record()
    if not json_lines:
        stream.write("\n]\n")
