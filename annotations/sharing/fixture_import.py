"""The safe fixture importer: takes in a fixture from someone else without trusting it.

Unlike `loaddata`, it accepts only the shared models, matches records by natural key, validates
every row (types, choices, http/https URLs, highlight offsets, references that resolve in the
file or here), never creates privileged or usable accounts, never touches workspaces the file
does not name, and runs in one transaction: a bad file changes nothing. Importing the same file
twice changes nothing; a record that differs is updated only when the file's copy is newer.

Rows are written per model in batches (`bulk_create_with_history` / `bulk_update_with_history`)
so simple-history still records every created and updated row, at a few queries per batch
rather than several per row.
"""

import json
import os
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

import ijson
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.db.models.functions import Lower
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from annotations import services
from annotations.models import (
    Highlight,
    ImportStamp,
    Membership,
    Passage,
    Source,
    Tag,
    TaggedHighlight,
    TaggedPassage,
    TaggedReport,
    Tombstone,
    Workspace,
    normalize_url,
    validate_record,
)

from .fixture import RowReader
from .spec import Registry

ORIGIN_LABEL = ImportStamp._meta.label_lower
TOMBSTONE_LABEL = Tombstone._meta.label_lower
TOMBSTONE_FIELDS = {"model", "key", "workspace", "merged_into", "deleted_at"}
BATCH_SIZE = 500  # records read, validated and written at a time
MAX_DEPTH = 32  # deepest nesting of lists and objects a record's fields may have (footnotes: 1)
LOOKUP_CHUNK = 500
CHANGE_REASON = "import_fixture"
TEXT_FIELDS = (models.CharField, models.TextField)
# Fields a user record may carry; the importer reads only the names and ignores the rest.
USER_FIELDS_ACCEPTED = {
    "username",
    "first_name",
    "last_name",
    "password",
    "email",
    "is_active",
    "is_staff",
    "is_superuser",
    "last_login",
    "date_joined",
    "groups",
    "user_permissions",
}


class FixtureError(Exception):
    """A one-line reason why the file was refused; nothing was written."""


@dataclass
class Summary:
    dry_run: bool
    counts: dict = field(default_factory=lambda: defaultdict(Counter))
    conflicts: list = field(default_factory=list)  # one line per record changed on both sides
    deletions: list = field(default_factory=list)  # one line per tombstone not applied

    def add(self, label, outcome, n=1):
        self.counts[label][outcome] += n

    def total(self, outcome):
        return sum(counter[outcome] for counter in self.counts.values())

    def lines(self):
        extra = [
            f"{self.total(outcome)} {text}"
            for outcome, text in (
                ("conflict", "conflicts (changed here and at the origin since the last import; local copy kept)"),
                ("deleted", "deleted or merged away as at the origin"),
                ("merged", "merged into existing records with the same URL or link"),
                ("left_out", "memberships left out: members of existing workspaces are managed here"),
                ("mapped", "workspaces mapped to the target workspace"),
            )
            if self.total(outcome)
        ]
        yield "{}created {}, updated {}, unchanged {}, kept {} (changed here, not at the origin){}.".format(
            "Dry run, nothing was changed; it would have " if self.dry_run else "Imported: ",
            self.total("created"),
            self.total("updated"),
            self.total("unchanged"),
            self.total("kept"),
            "".join(f"; {text}" for text in extra),
        )
        for label, counter in self.counts.items():
            yield f"  {label}: " + ", ".join(f"{outcome} {n}" for outcome, n in counter.items() if n)
        yield from self.conflicts
        if self.deletions:
            yield f"{len(self.deletions)} deleted at the origin, still here (--apply-deletions deletes them):"
            yield from self.deletions


class FixtureFile:
    """A fixture on disk, read one record at a time: a JSON array with ijson, JSON Lines a line at a
    time. Only the current batch of records is ever in memory, whatever the file's size.

    A first pass checks every record's structure and finds the origin record; the second hands
    out the records in batches, model by model in dependency order: in one pass when the file is
    in that order (as export_fixture writes it), else in one pass per model."""

    def __init__(self, path):
        self.path = path
        self.json_lines = str(path).endswith(".jsonl")
        self.registry = Registry()
        self.rank = {label: self.registry.specs.index(spec) for label, spec in self.registry.by_label.items()}
        self.rank[TOMBSTONE_LABEL] = len(self.registry.specs)
        limit = settings.FIXTURE_MAX_BYTES
        try:
            size = os.path.getsize(path)
        except OSError as error:
            raise FixtureError(f"cannot read {path}: {error.strerror}") from None
        if size > limit:
            raise FixtureError(
                f"{path} is {size:,} bytes, over the limit of {limit:,} bytes (FIXTURE_MAX_MB={limit / 2**20:g})."
            )
        self.origin, self.in_order = None, True
        last_rank = 0
        for index, label, fields in self.records():
            if label == ORIGIN_LABEL:
                self.origin = _origin(index, fields)
                continue
            self.in_order = self.in_order and self.rank[label] >= last_rank
            last_rank = self.rank[label]

    def _raw(self):
        """(index, parsed record) for every record of the file."""
        try:
            with open(self.path, "rb") as stream:
                if self.json_lines:
                    lines = (line for line in stream if line.strip())
                    yield from enumerate((json.loads(line) for line in lines), start=1)
                    return
                yield from enumerate(_array_items(stream, self.path), start=1)
        except OSError as error:
            raise FixtureError(f"cannot read {self.path}: {error.strerror}") from None
        except UnicodeDecodeError:
            raise FixtureError(f"{self.path} is not UTF-8 text, so not a JSON fixture.") from None
        except RecursionError:
            raise FixtureError(f"{self.path} is nested too deeply to be a fixture.") from None
        except json.JSONDecodeError as error:
            raise FixtureError(
                f"{self.path} is not valid JSON (truncated?): {error.msg} at line {error.lineno} column {error.colno}."
            ) from None
        except ijson.JSONError as error:
            reason = " ".join(str(error).split())[:200]
            if "utf" in reason.lower():
                raise FixtureError(f"{self.path} is not UTF-8 text, so not a JSON fixture.") from None
            raise FixtureError(f"{self.path} is not valid JSON (truncated?): {reason}.") from None

    def records(self, wanted=None):
        """(index, label, fields) of every record (of the model `wanted`), its structure checked."""
        for index, record in self._raw():
            if not (
                isinstance(record, dict)
                and isinstance(record.get("model"), str)
                and isinstance(record.get("fields"), dict)
            ):
                raise FixtureError(f"record {index} is not a fixture record with 'model' and 'fields'.")
            label = record["model"].lower()
            if label in self.registry.by_label:
                label = self.registry.by_label[label].label
            elif label not in (ORIGIN_LABEL, TOMBSTONE_LABEL):
                raise FixtureError(f"record {index}: model {record['model']!r} is not accepted by import_fixture.")
            if wanted is not None and label != wanted:
                continue
            if self.json_lines and _too_deep(record["fields"]):
                raise FixtureError(f"record {index} ({label}) is nested too deeply to be a fixture record.")
            yield index, label, record["fields"]

    def batches(self):
        """(label, [(index, fields), ...]) of at most BATCH_SIZE records, model by model in
        dependency order, tombstones last; the origin record is left out."""
        if self.in_order:
            passes = [None]
        else:
            passes = [spec.label for spec in self.registry.specs] + [TOMBSTONE_LABEL]
        for wanted in passes:
            label, batch = None, []
            for index, record_label, fields in self.records(wanted):
                if record_label == ORIGIN_LABEL:
                    continue
                if batch and (record_label != label or len(batch) >= BATCH_SIZE):
                    yield label, batch
                    batch = []
                label = record_label
                batch.append((index, fields))
            if batch:
                yield label, batch


def _too_deep(value, limit=MAX_DEPTH):
    """Whether `value` nests lists or objects deeper than `limit` (checked without recursion)."""
    stack = [(value, 0)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict | list):
            if depth >= limit:
                return True
            stack.extend((item, depth + 1) for item in (value.values() if isinstance(value, dict) else value))
    return False


def _array_items(stream, path):
    """The elements of the JSON array in `stream`, one at a time, built from ijson's parser events
    (not ijson.items, whose paths grow with the nesting): nesting deeper than MAX_DEPTH is refused
    as soon as it is met, and numbers are read as json.loads reads them."""
    events = ijson.basic_parse(stream)
    if next(events, (None, None))[0] != "start_array":
        raise FixtureError(f"{path} is not a fixture: expected a JSON list of records.")
    containers, keys, index = [], [], 1
    for event, value in events:
        if event in ("start_map", "start_array"):
            if len(containers) > MAX_DEPTH:
                raise FixtureError(f"record {index} is nested too deeply to be a fixture record.")
            containers.append({} if event == "start_map" else [])
            continue
        if event == "map_key":
            keys.append(value)
            continue
        if event in ("end_map", "end_array"):
            if not containers:  # the end of the fixture's own list
                continue
            value = containers.pop()
        elif isinstance(value, Decimal):
            value = float(value)  # 1e999 is inf, as json.loads reads it: the field refuses it
        if not containers:
            yield value
            index += 1
        elif isinstance(containers[-1], dict):
            containers[-1][keys.pop()] = value
        else:
            containers[-1].append(value)


def _origin(index, raw):
    """The file's ImportStamp record (which instance wrote it, when), validated by the model."""
    if set(raw) - {"origin", "exported_at"}:
        raise FixtureError(f"record {index} ({ORIGIN_LABEL}): unknown fields.")
    stamp = ImportStamp(origin=raw.get("origin"), exported_at=raw.get("exported_at"))
    try:
        stamp.full_clean()
    except ValidationError as error:
        raise FixtureError(f"record {index} ({ORIGIN_LABEL}): {_message(error)}") from None
    return stamp


def import_fixture(path, *, workspace=None, dry_run=False, apply_deletions=False):
    """Import the fixture at `path`; with `workspace` (a slug) every record goes into that workspace;
    with `apply_deletions` the file's tombstones delete (or merge) the same records here, otherwise
    the summary lists them. Returns a Summary; raises FixtureError (nothing written) for any bad record."""
    fixture = FixtureFile(path)
    summary = Summary(dry_run=dry_run)
    try:
        with transaction.atomic():
            base = fixture.origin and ImportStamp.last_from(fixture.origin.origin)
            importer = _Importer(summary, workspace, base)
            for label, batch in fixture.batches():
                if label == TOMBSTONE_LABEL:
                    importer.finish_model()
                    importer.process_tombstones(batch, apply=apply_deletions)
                else:
                    importer.process(importer.registry.by_label[label], batch)
            importer.finish_model()
            _refuse_tags_across_workspaces(importer.allowed_workspaces)
            if fixture.origin:
                fixture.origin.save()
            if dry_run:
                transaction.set_rollback(True)
    except IntegrityError as error:
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise FixtureError(f"the file conflicts with data here: {first_line}") from None
    return summary


@dataclass
class _Row:
    index: int
    key: tuple
    fields: dict  # canonical python values; foreign keys as canonical natural keys (or None)
    pk: int | None = None
    differing: list = field(default_factory=list)


class _Importer:
    def __init__(self, summary, target_slug, base=None):
        self.summary = summary
        self.base = base  # the last import from the file's origin, if any
        self.registry = Registry()
        self.pk_of = defaultdict(dict)  # label -> canonical key -> local pk
        self.allowed_workspaces = set()
        self.created_workspaces = set()
        self.passage_text = {}
        self.written = defaultdict(dict)  # label -> pk of a created or updated row -> its _Row
        self.seen = defaultdict(dict)  # label -> hash of each key read so far -> its record's index
        self.current = None  # the spec whose records are being read
        self.pending = []  # its rows that point at a record of the same model further on (a reply's thread)
        self.target = None
        if target_slug:
            self.target = Workspace.objects.filter(slug=target_slug).first()
            if self.target is None:
                raise FixtureError(f"no workspace {target_slug!r} here to import into.")
            self.pk_of["annotations.workspace"][(target_slug,)] = self.target.pk
            self.allowed_workspaces.add(self.target.pk)

    def end_batch(self, spec):
        """After a batch is written: check whom it names, refresh what it shows, and forget it (later
        batches find its rows in the database), so memory does not grow with the file."""
        self.check_people(spec)
        self.touch_passages()
        workspaces = self.pk_of["annotations.workspace"]
        self.pk_of.clear()
        self.pk_of["annotations.workspace"] = workspaces
        self.passage_text.clear()
        self.written.clear()

    def touch_passages(self):
        """Rows are written in bulk (no signals): the passages the batch names, or whose reports or
        highlights it names, get their annotation stamps raised, so no cached fragment shows the old state."""
        passages = set(self.passage_text) | set(self.pk_of["annotations.passage"].values())
        reports = set(self.pk_of["annotations.report"].values())
        highlights = set(self.pk_of["annotations.highlight"].values())
        if passages or reports or highlights:
            Passage.objects.filter(Q(pk__in=passages) | Q(report_id__in=reports) | Q(highlights__in=highlights)).touch()

    # --- natural keys -------------------------------------------------------------------------

    def build_key(self, spec, values, remap=True):
        """A canonical, nested natural key from a flat sequence of raw values (file or database)."""
        key = []
        for name in spec.key_fields:
            f = spec.model._meta.get_field(name)
            if f.is_relation:
                key.append(self.build_key(self.registry.target(f), values, remap))
            else:
                key.append(_atom(spec, name, f.to_python(next(values))))
        if remap and spec.model is Workspace and self.target is not None:
            return (self.target.slug,)
        return tuple(key)

    def file_key(self, spec, raw):
        if not isinstance(raw, list | tuple) or not raw:
            raise ValidationError("a reference must be a natural key (a list), not an integer pk")
        values = iter(raw)
        key = self.build_key(spec, values)
        if next(values, None) is not None:
            raise ValidationError("a natural key with too many parts")
        return key

    # --- reading local rows -------------------------------------------------------------------

    def local_rows(self, spec, keys):
        """Local rows of `spec` with these canonical keys: key -> (pk, workspace id, fixture fields)."""
        reader = RowReader(self.registry, spec)
        key_paths = self.registry.key_paths(spec)
        ws_path = spec.workspace_path or "pk"
        paths = ["pk", ws_path, *key_paths, *reader.paths]
        first_path = key_paths[0]
        # Tag names compare case-folded; a tag's key starts with its workspace, compared as is.
        casefold = spec.model is Tag and not spec.model._meta.get_field(spec.key_fields[0]).is_relation
        firsts = sorted({self._first_atom(key) for key in keys})
        found = {}
        for start in range(0, len(firsts), LOOKUP_CHUNK):
            chunk = firsts[start : start + LOOKUP_CHUNK]
            queryset = spec.model._default_manager.all()
            if casefold:
                queryset = queryset.annotate(_first=Lower(first_path)).filter(_first__in=chunk)
            else:
                queryset = queryset.filter(**{f"{first_path}__in": chunk})
            for row in queryset.values_list(*paths):
                key = self.build_key(spec, iter(row[2 : 2 + len(key_paths)]), remap=False)
                if key in keys:
                    found[key] = (
                        row[0],
                        row[1] if spec.workspace_path else None,
                        reader.fields(row[2 + len(key_paths) :]),
                    )
        return found

    @staticmethod
    def _first_atom(key):
        while isinstance(key, tuple):
            key = key[0]
        return key

    def _check_scope(self, spec, key, workspace_id, index):
        if spec.model is Workspace:
            self.allowed_workspaces.add(workspace_id)
        elif spec.workspace_path and workspace_id not in self.allowed_workspaces:
            where = f"record {index}: " if index else ""
            raise FixtureError(
                f"{where}{spec.label} {_show(key)} exists here in a workspace the file does not name; refusing."
            )

    def resolve_references(self, spec, rows, defer=False):
        """Every foreign key of `rows` must resolve within the batch or to a row here. With `defer`,
        rows pointing at a record of their own model not seen yet (and rows pointing at those) wait
        in `pending` for a later batch; the rows ready to write are returned."""
        wanted = defaultdict(dict)  # target label -> key -> record index
        missing_own = set()
        own_keys = {row.key for row in rows}
        for row in rows:
            for fk in spec.foreign_keys:
                key = row.fields.get(fk.name)
                target = self.registry.target(fk)
                if key is None or key in self.pk_of[target.label] or (target is spec and key in own_keys):
                    continue
                wanted[target.label].setdefault(key, row.index)
        for label, keys in wanted.items():
            target = self.registry.by_label[label]
            found = self.local_rows(target, set(keys))
            for key, index in keys.items():
                if key not in found and defer and target is spec:
                    missing_own.add(key)
                    continue
                if key not in found:
                    raise FixtureError(
                        f"record {index} ({spec.label}): refers to {label} {_show(key)}, "
                        "which is neither in the file nor here."
                    )
                pk, workspace_id, fields = found[key]
                self._check_scope(target, key, workspace_id, index)
                self.pk_of[label][key] = pk
                if target.model is Passage:
                    self.passage_text[pk] = fields["text"]
        if not missing_own:
            return rows
        self_fks = [f for f in spec.foreign_keys if self.registry.target(f) is spec]
        waiting = set(missing_own)
        while True:
            more = {
                row.key
                for row in rows
                if row.key not in waiting and any(row.fields[f.name] in waiting for f in self_fks)
            }
            if not more:
                break
            waiting |= more
        self.pending += [row for row in rows if row.key in waiting]
        return [row for row in rows if row.key not in waiting]

    # --- one model ----------------------------------------------------------------------------

    def parse(self, spec, index, raw, validate=True):
        """Canonical fields of one record (of the file, or with validate=False one read here);
        raises FixtureError naming the record and field."""
        model_fields = {f.name: f for f in spec.plain_fields + spec.foreign_keys}
        is_user = spec.is_user
        accepted = USER_FIELDS_ACCEPTED if is_user else set(model_fields)
        unknown = set(raw) - accepted
        if unknown:
            raise FixtureError(f"record {index} ({spec.label}): unknown field(s) {', '.join(sorted(unknown))}.")
        if is_user:
            who = raw.get("username")
            if raw.get("is_staff") or raw.get("is_superuser"):
                raise FixtureError(f"record {index}: the file claims a staff or superuser account ({who!r}); refusing.")
            if raw.get("groups") or raw.get("user_permissions"):
                raise FixtureError(f"record {index}: the file grants groups or permissions to {who!r}; refusing.")
        fields = {}
        for name, f in model_fields.items():
            try:
                if f.is_relation:
                    value = raw.get(name)
                    fields[name] = None if value is None else self.file_key(self.registry.target(f), value)
                elif name in raw and validate:
                    value = raw[name]
                    if isinstance(f, TEXT_FIELDS) and not isinstance(value, str | None):
                        raise ValidationError(f"expected text, not {type(value).__name__}")
                    # Field-level validation here already: a key must be sane before it is looked up.
                    fields[name] = f.clean(value, None)
                elif name in raw:
                    fields[name] = f.to_python(raw[name])
                elif name in spec.key_fields:
                    raise ValidationError("missing")
                else:
                    fields[name] = f.get_default()
            except (ValidationError, TypeError, ValueError, OverflowError) as error:
                raise FixtureError(f"record {index} ({spec.label}): {name}: {_message(error)}") from None
            except StopIteration:
                raise FixtureError(
                    f"record {index} ({spec.label}): {name}: a natural key with too few parts."
                ) from None
        return fields

    def own_key(self, spec, fields):
        parts = []
        for name in spec.key_fields:
            value = fields[name]
            parts.append(value if isinstance(value, tuple) else _atom(spec, name, value))
        return tuple(parts)

    def process(self, spec, records):
        """Read, validate and write one batch of records of `spec`."""
        if self.current is not spec:
            self.finish_model()
            self.current = spec
        rows = []
        seen = self.seen[spec.label]
        for index, raw in records:
            fields = self.parse(spec, index, raw)
            try:
                key = self.own_key(spec, fields)
            except ValidationError as error:
                raise FixtureError(f"record {index} ({spec.label}): {_message(error)}") from None
            if hash(key) in seen:
                raise FixtureError(f"record {index} ({spec.label}) repeats record {seen[hash(key)]} ({_show(key)}).")
            seen[hash(key)] = index
            rows.append(_Row(index, key, fields))
        rows, self.pending = self.pending + rows, []
        self.write(spec, rows, final=False)

    def finish_model(self):
        """The last rows of the current model: those still waiting for a record of their own model."""
        if self.current is not None and self.pending:
            rows, self.pending = self.pending, []
            self.write(self.current, rows, final=True)
        self.current = None

    def write(self, spec, rows, *, final):
        if spec.model is Workspace and self.target is not None:
            self.summary.add(spec.label, "mapped", len(rows))
            return
        rows = self.resolve_references(spec, rows, defer=not final)
        if not rows:
            return
        if spec.model is Membership:
            rows = self.memberships_of_new_workspaces(spec, rows)
        local = self.local_rows(spec, {row.key for row in rows})
        creates, updates = [], []
        for row in rows:
            if row.key not in local:
                creates.append(row)
                continue
            pk, workspace_id, local_raw = local[row.key]
            self._check_scope(spec, row.key, workspace_id, row.index)
            row.pk = self.pk_of[spec.label][row.key] = pk
            outcome = self.compare(spec, row, local_raw)
            self.summary.add(spec.label, outcome)
            if outcome == "updated":
                updates.append(row)
            if spec.model is Passage:
                self.passage_text[pk] = row.fields["text"] if outcome == "updated" else local_raw["text"]
        if spec.is_user:
            self.create_users(spec, creates)
        else:
            self.create(spec, creates)
        self.update(spec, updates)
        self.end_batch(spec)

    def compare(self, spec, row, local_raw):
        if spec.is_user:
            return "unchanged"  # accounts here are never changed by a file
        local = self.parse(spec, row.index, local_raw, validate=False)
        differing = [
            name for name, value in row.fields.items() if name not in spec.derived and local.get(name) != value
        ]
        if not differing:
            return "unchanged"
        moved = [name for name in spec.owner_fields if name in differing]
        if moved:
            raise FixtureError(
                f"record {row.index} ({spec.label}) {_show(row.key)} would move to another {moved[0]}; refusing."
            )
        theirs, ours = row.fields["changed_at"], local["changed_at"]
        changed_there = self.base is None or theirs > self.base.exported_at
        changed_here = self.base is None or ours > self.base.imported_at
        if changed_there and changed_here and self.base is not None:
            self.summary.conflicts.append(
                f"  conflict: {spec.label} {_show(row.key)} (record {row.index}): {', '.join(differing)} "
                "changed here and at the origin since the last import; the local copy was kept."
            )
            return "conflict"
        # Without an earlier import from that origin to compare with, the later change wins.
        if changed_there and (not changed_here or theirs > ours):
            row.differing = differing
            return "updated"
        return "kept"

    def check_people(self, spec):
        """Every person a written record names (author, added_by, ...) is a member of the record's
        workspace here or a placeholder (an inactive account without password, as imports create):
        a file cannot put words in the mouth of any other account of this instance."""
        written = self.written[spec.label]
        people = [f.name for f in spec.foreign_keys if self.registry.target(f).is_user]
        if written and people and spec.workspace_path:
            pks = list(written)
            for name in people:
                for start in range(0, len(pks), LOOKUP_CHUNK):
                    strangers = (
                        spec.model._default_manager.filter(pk__in=pks[start : start + LOOKUP_CHUNK])
                        .exclude(**{f"{name}__isnull": True})
                        .exclude(**{f"{name}__is_active": False, f"{name}__password__startswith": "!"})
                        .exclude(
                            Exists(
                                Membership.objects.filter(user=OuterRef(name), workspace=OuterRef(spec.workspace_path))
                            )
                        )
                        .values_list("pk", f"{name}__username")
                    )
                    for pk, username in strangers[:1]:
                        row = written[pk]
                        raise FixtureError(
                            f"record {row.index} ({spec.label}) {_show(row.key)}: {name} {username!r} is an account "
                            "here that is not a member of the record's workspace; refusing."
                        )

    def process_tombstones(self, tombstones, *, apply):
        """Records deleted or merged away at the origin: deleted (merged) here with `apply`, else listed."""
        for index, raw in tombstones:
            spec = self.registry.by_label.get(str(raw.get("model")).lower())
            if spec is None or not spec.tombstoned or set(raw) - TOMBSTONE_FIELDS:
                raise FixtureError(f"record {index} ({TOMBSTONE_LABEL}): not a tombstone of a shared record.")
            try:
                key = self.file_key(spec, raw.get("key"))
                survivor_key = None if raw.get("merged_into") is None else self.file_key(spec, raw["merged_into"])
                deleted_at = raw.get("deleted_at") and Tombstone._meta.get_field("deleted_at").clean(
                    raw["deleted_at"], None
                )
            except (ValidationError, TypeError, ValueError, StopIteration) as error:
                raise FixtureError(f"record {index} ({TOMBSTONE_LABEL}): {_message(error)}") from None
            local = self.local_rows(spec, {key} | ({survivor_key} if survivor_key else set()))
            if key not in local:
                continue  # gone here too
            pk, workspace_id, fields = local[key]
            self._check_scope(spec, key, workspace_id, index)
            if deleted_at and datetime.fromisoformat(fields["changed_at"]) > deleted_at:
                # Made again (or changed) after that deletion, here or at the origin (a tag removed,
                # then added back): the later change wins.
                self.summary.add(spec.label, "changed_since_deleted")
                continue
            what = f"{spec.label} {_show(key)}" + (f" (merged into {_show(survivor_key)})" if survivor_key else "")
            if not apply:
                self.summary.add(spec.label, "deletion_pending")
                self.summary.deletions.append(f"  deleted at the origin: {what}")
                continue
            self.delete(spec, pk, local[survivor_key][0] if survivor_key in local else None)
            self.summary.add(spec.label, "deleted")

    @staticmethod
    def delete(spec, pk, survivor_pk):
        obj = spec.model._default_manager.get(pk=pk)
        if survivor_pk is not None and spec.model in (Tag, Source):
            survivor = spec.model._default_manager.get(pk=survivor_pk)
            stamp = survivor.changed_at
            if spec.model is Tag:
                services.tags_merge(survivor=survivor, merged=[obj])
            else:
                services.sources_merge(survivor=survivor, duplicates=[obj])
            # The merge is the origin's change (its survivor came with the file): it keeps the origin's stamp.
            spec.model._default_manager.filter(pk=survivor_pk).update(changed_at=stamp)
        else:
            obj._change_reason = "Deleted at the origin (import_fixture --apply-deletions)"
            obj.delete()

    # --- writing --------------------------------------------------------------------------------

    def instance(self, spec, row, obj=None):
        """A model instance carrying the row's fields; foreign keys resolved to local pks."""
        obj = obj or spec.model()
        for f in spec.plain_fields:
            setattr(obj, f.attname, row.fields[f.name])
        for f in spec.foreign_keys:
            key = row.fields[f.name]
            setattr(obj, f.attname, None if key is None else self.pk_of[self.registry.target(f).label][key])
        if spec.model is Source:
            obj.url_normalized = normalize_url(obj.url)
        if spec.model is Highlight:
            # The passage's text is at hand: the model's offset check needs no query per highlight.
            obj.passage = Passage(pk=obj.passage_id, text=self.passage_text[obj.passage_id])
        return obj

    def validate(self, spec, row, obj):
        """The model layer's own validation (field validators and `clean()`), as a one-line error."""
        try:
            validate_record(obj, exclude=spec.derived)
        except ValidationError as error:
            raise FixtureError(f"record {row.index} ({spec.label}) {_show(row.key)}: {_message(error)}") from None
        return obj

    def validated(self, spec, rows, objs):
        """Validate `objs` (one per row) as they will be once all are written: a record that points at
        another record of the batch (a reply at its thread) sees that record's new values."""
        self_fks = [f for f in spec.foreign_keys if self.registry.target(f) is spec]
        by_pk = {obj.pk: obj for obj in objs if obj.pk is not None}
        for obj in objs:
            for f in self_fks:
                target = by_pk.get(getattr(obj, f.attname))
                if target is not None:
                    setattr(obj, f.name, target)
        for row, obj in zip(rows, objs, strict=True):
            self.validate(spec, row, obj)
        return objs

    def create(self, spec, rows):
        merged = self.merge_existing(spec, rows)
        pending = [row for row in rows if row.index not in merged]
        self_fks = [f for f in spec.foreign_keys if self.registry.target(f) is spec]
        # Rows pointing at rows of the same model (replies) are created after what they point to.
        while pending:
            ready = [
                row
                for row in pending
                if all(row.fields[f.name] is None or row.fields[f.name] in self.pk_of[spec.label] for f in self_fks)
            ]
            if not ready:
                raise FixtureError(f"record {pending[0].index} ({spec.label}): its references form a cycle.")
            self.create_batch(spec, ready)
            pending = [row for row in pending if row.pk is None]

    def merge_existing(self, spec, rows):
        """New rows that duplicate a local row on `spec.merge_on` are mapped to that row."""
        if not spec.merge_on or not rows:
            return set()
        objs = {row.index: self.validate(spec, row, self.instance(spec, row)) for row in rows}
        attnames = [spec.model._meta.get_field(name).attname for name in spec.merge_on]
        signature = {tuple(getattr(obj, a) for a in attnames): index for index, obj in objs.items()}
        first = attnames[0]
        existing = spec.model._default_manager.filter(**{f"{first}__in": {s[0] for s in signature}})
        merged = set()
        by_index = {row.index: row for row in rows}
        for values in existing.values_list("pk", *attnames):
            index = signature.get(tuple(values[1:]))
            if index is not None:
                row = by_index[index]
                row.pk = self.pk_of[spec.label][row.key] = values[0]
                merged.add(index)
                self.summary.add(spec.label, "merged")
        return merged

    def create_batch(self, spec, rows):
        objs = self.validated(spec, rows, [self.instance(spec, row) for row in rows])
        auto_now = [f for f in spec.plain_fields if getattr(f, "auto_now", False)]
        kept = [{f.attname: getattr(obj, f.attname) for f in auto_now} for obj in objs]
        if spec.model is Tag:
            self.create_tags(objs)
        elif _has_history(spec.model):
            bulk_create_with_history(objs, spec.model, batch_size=BATCH_SIZE, default_change_reason=CHANGE_REASON)
        else:
            spec.model._default_manager.bulk_create(objs, batch_size=BATCH_SIZE)
        if auto_now:
            # Creating stamps auto_now fields with "now"; the file's value is what tells, next
            # time, whether its copy is newer than ours.
            for obj, values in zip(objs, kept, strict=True):
                for attname, value in values.items():
                    if value is not None:  # a record without the field keeps "now"
                        setattr(obj, attname, value)
            fields = ["changed_at", *(f.name for f in auto_now)]
            spec.model._default_manager.bulk_update(objs, fields, batch_size=BATCH_SIZE)
        for row, obj in zip(rows, objs, strict=True):
            row.pk = self.pk_of[spec.label][row.key] = obj.pk
            self.written[spec.label][obj.pk] = row
            if spec.model is Workspace:
                self.allowed_workspaces.add(obj.pk)
                self.created_workspaces.add(obj.pk)
            if spec.model is Passage:
                self.passage_text[obj.pk] = obj.text
        self.summary.add(spec.label, "created", len(rows))

    @staticmethod
    def create_tags(tags):
        # One save per tag (codebooks are small): TagBase.save() picks a free slug when ours is
        # taken; a uuid taken here (the same codebook, imported into another workspace) is renewed.
        taken = set(Tag.objects.filter(slug__in=[t.slug for t in tags]).values_list("workspace_id", "slug"))
        taken_uuids = set(Tag.objects.filter(uuid__in=[t.uuid for t in tags]).values_list("uuid", flat=True))
        for tag in tags:
            if (tag.workspace_id, tag.slug) in taken:
                tag.slug = ""
            if tag.uuid in taken_uuids:
                tag.uuid = uuid.uuid4()
            tag.save(stamp=False)

    def create_users(self, spec, rows):
        model = spec.model
        for row in rows:
            user = model(
                username=row.fields["username"],
                first_name=row.fields["first_name"],
                last_name=row.fields["last_name"],
                is_active=False,
                is_staff=False,
                is_superuser=False,
            )
            user.set_unusable_password()
            try:
                user.clean_fields(exclude=["password"])
            except ValidationError as error:
                raise FixtureError(f"record {row.index} (user): {_message(error)}") from None
            user.save()
            self.pk_of[spec.label][row.key] = user.pk
        self.summary.add(spec.label, "created", len(rows))

    def memberships_of_new_workspaces(self, spec, rows):
        """Members of a workspace that exists here are managed here: a file never grants, changes or
        removes a role in it (that would open its data to, or lock out, people a file names)."""
        workspace_pk = self.pk_of["annotations.workspace"]
        ours = [row for row in rows if workspace_pk[row.fields["workspace"]] in self.created_workspaces]
        self.summary.add(spec.label, "left_out", len(rows) - len(ours))
        return ours

    def update(self, spec, rows):
        if not rows:
            return
        objs = spec.model._default_manager.in_bulk([row.pk for row in rows])
        changed = set()
        self.validated(spec, rows, [self.instance(spec, row, objs[row.pk]) for row in rows])
        for row in rows:
            changed.update(row.differing)
            self.written[spec.label][row.pk] = row
        # The file's change stamp always goes with its changes (a bulk update would stamp "now").
        if spec.model is Source and "url" in changed:
            changed.add("url_normalized")  # derived, so not compared: recomputed by instance()
        names = sorted(changed | {"changed_at"})
        if _has_history(spec.model):
            bulk_update_with_history(
                list(objs.values()), spec.model, names, batch_size=BATCH_SIZE, default_change_reason=CHANGE_REASON
            )
        else:
            spec.model._default_manager.bulk_update(list(objs.values()), names, batch_size=BATCH_SIZE)


def _refuse_tags_across_workspaces(workspace_ids):
    """A record carries only tags of its own workspace's codebook (TagLink.clean, checked here for
    all links of the workspaces the file named at once: a file naming several could cross them)."""
    for model in (TaggedReport, TaggedPassage, TaggedHighlight):
        links = model.objects.in_workspaces(workspace_ids)
        crossing = links.exclude(tag__workspace=F(model.workspace_path)).first()
        if crossing is not None:
            raise FixtureError(
                f"{model._meta.label_lower} [{crossing.content_object.uuid}, {crossing.tag.name}]: "
                "the tag belongs to another workspace's codebook; refusing."
            )


def _atom(spec, name, value):
    """One plain component of a natural key in canonical form."""
    if value in (None, ""):
        raise ValidationError(f"{name} is part of the natural key and cannot be empty")
    if isinstance(value, uuid.UUID):
        return str(value)
    if spec.model is Tag:
        return value.lower()  # the codebook is case-insensitive
    return value


def _has_history(model):
    return getattr(model._meta, "simple_history_manager_attribute", None) is not None


def _show(key):
    def flat(k):
        return [x for part in k for x in (flat(part) if isinstance(part, tuple) else [part])]

    return "[" + ", ".join(str(part) for part in flat(key)) + "]"


def _message(error):
    if isinstance(error, ValidationError):
        if hasattr(error, "error_dict"):
            return "; ".join(f"{name}: {' '.join(msgs)}" for name, msgs in error.message_dict.items())
        return " ".join(error.messages)
    return str(error)
