"""Write a parsed report to the database: the one import path for the command and the upload form."""

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils.text import slugify
from simple_history.utils import bulk_create_with_history

from ..models import Passage, Report, Section, Work, Workspace
from ..versioning import CarryOverResult, run_carry_over
from . import ParsedReport, ReportImportError, refuse_oversized
from .bounded import Limits, parse_report_bounded
from .structure import ReportMetadata, is_notes_heading

# progress(what, done, total): "reading pages" while a PDF is read, "writing passages" while rows are written.
ImportProgress = Callable[[str, int, int], None]

BATCH_SIZE = 500
# Report fields filled from what the file says about the report (or given by the caller).
METADATA_FIELDS = ("authors", "publisher", "published_on", "report_number", "source_url")


@dataclass
class ImportResult:
    report: Report
    created: bool  # False when the same file was already imported into the workspace
    sections: int = 0
    passages: int = 0  # body passages (paragraphs, list items, quotes, tables)
    notes: int = 0
    footnote_refs: int = 0
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)
    carried: CarryOverResult | None = None  # a new version: what its annotations' carry-over did


def import_report_file(
    source: str | Path | bytes,
    *,
    workspace: Workspace,
    filename: str | None = None,
    title: str | None = None,
    metadata: dict | None = None,
    imported_by=None,
    force_new_version: bool = False,
    new_version_of: Report | None = None,
    progress: ImportProgress | None = None,
) -> ImportResult:
    """Import a report from a path, or from bytes plus their `filename` (an upload), atomically.

    Re-importing a file whose content is already in the workspace returns the existing report
    with `created=False`, unless `force_new_version`. Raises ReportImportError with a one-line
    reason; then nothing has been written. `title` and `metadata` (authors, publisher,
    published_on, report_number, source_url) override what the file says.
    With `new_version_of` (a report), the file becomes the next version of that report's work, in
    its workspace, and the annotations are carried over (`versioning.run_carry_over`).
    """
    if new_version_of is not None:
        workspace = new_version_of.workspace
        force_new_version = True
    started = time.perf_counter()
    data, filename = _read(source, filename)
    digest = hashlib.sha256(data).hexdigest()
    existing = _existing(workspace, digest) if not force_new_version else None
    if existing is not None:  # known already: no need to parse it
        return ImportResult(report=existing, created=False, seconds=time.perf_counter() - started)

    def page_progress(done: int, total: int) -> None:
        if progress is not None:
            progress("reading pages", done, total)

    parsed = parse_report_bounded(
        data, filename, max_bytes=settings.REPORT_MAX_UPLOAD_BYTES, limits=import_limits(), progress=page_progress
    )
    with transaction.atomic():
        # Serialise imports into one workspace, so two uploads of one file cannot both create it.
        # no_key: a plain FOR UPDATE would also block every new source or member of the workspace
        # (their foreign-key check takes FOR KEY SHARE) until the import commits.
        Workspace.objects.select_for_update(no_key=True).filter(pk=workspace.pk).first()
        existing = _existing(workspace, digest) if not force_new_version else None
        if existing is not None:
            return ImportResult(report=existing, created=False, seconds=time.perf_counter() - started)
        title = title or parsed.title
        report = Report(
            workspace=workspace,
            title=title[:500],
            slug=_unique_slug(workspace, title),
            original_filename=Path(filename).name[:300],
            content_sha256=digest,
            imported_by=imported_by,
            **_metadata_fields(parsed.metadata, metadata or {}),
        )
        previous = _next_version(report, new_version_of, digest) if new_version_of is not None else None
        report._history_user = imported_by  # simple-history's way to name the user outside a request
        report.save()
        result = _write_structure(report, parsed, imported_by, progress)
        if previous is not None:
            result.carried = run_carry_over(old_report=previous, new_report=report, user=imported_by)
    result.warnings = parsed.warnings
    result.seconds = time.perf_counter() - started
    return result


def import_limits() -> Limits:
    return Limits(
        seconds=settings.IMPORT_TIME_LIMIT_SECONDS,
        memory_bytes=settings.IMPORT_MEMORY_LIMIT_BYTES,
        sections=settings.REPORT_MAX_SECTIONS,
        passages=settings.REPORT_MAX_PASSAGES,
        characters=settings.REPORT_MAX_CHARACTERS,
    )


def _metadata_fields(found: ReportMetadata, overrides: dict) -> dict:
    """The report's bibliographic fields: what the caller gave, else what the file says, cut to fit."""
    fields = {name: overrides.get(name) or getattr(found, name) for name in METADATA_FIELDS}
    for name in ("authors", "publisher", "report_number"):
        fields[name] = fields[name][: Report._meta.get_field(name).max_length]
    if len(fields["source_url"]) > Report._meta.get_field("source_url").max_length:
        fields["source_url"] = ""  # a cut address leads nowhere
    return fields


def _next_version(report: Report, of: Report, digest: str) -> Report:
    """Make `report` the next version of `of`'s work; returns the version annotations come from
    (the newest so far, whichever version was named)."""
    if of.work_id is None:  # written in bulk (generated, or loaded from an old fixture): a series of one
        of.work = Work.objects.create(workspace_id=of.workspace_id, title=of.title[:500])
        Report.objects.filter(pk=of.pk).update(work=of.work)
    work = Work.objects.select_for_update().get(pk=of.work_id)
    versions = list(work.versions.order_by("version_number"))
    same = next((v for v in versions if v.content_sha256 == digest), None)
    if same is not None:
        raise ReportImportError(f"this file is already version {same.version_number} of “{work.title}”")
    latest = versions[-1]
    Report.objects.filter(work=work, is_latest=True).update(is_latest=False)
    report.work = work
    report.version_number = latest.version_number + 1
    return latest


def _read(source: str | Path | bytes, filename: str | None) -> tuple[bytes, str]:
    if isinstance(source, bytes):
        if not filename:
            raise ReportImportError("a file name is needed to tell the file type")
        return source, filename
    path = Path(source)
    try:
        # Checked before reading, so an oversized file is never loaded into memory.
        refuse_oversized(path.stat().st_size, settings.REPORT_MAX_UPLOAD_BYTES)
        return path.read_bytes(), filename or path.name
    except FileNotFoundError:
        raise ReportImportError("no such file") from None
    except IsADirectoryError:
        raise ReportImportError("is a directory, not a file") from None
    except PermissionError:
        raise ReportImportError("permission denied") from None


def _existing(workspace: Workspace, digest: str) -> Report | None:
    return Report.objects.filter(workspace=workspace, content_sha256=digest).order_by("created_at").first()


def _unique_slug(workspace: Workspace, title: str) -> str:
    base = slugify(title)[:180].strip("-") or "report"
    taken = set(Report.objects.filter(workspace=workspace, slug__startswith=base).values_list("slug", flat=True))
    slug, counter = base, 2
    while slug in taken:
        slug, counter = f"{base}-{counter}", counter + 1
    return slug


def _write_structure(report: Report, parsed: ParsedReport, user, progress: ImportProgress | None) -> ImportResult:
    """Sections, then body passages in reading order, then the notes in a "Notes" section at the end."""
    body_sections = [s for s in parsed.sections if not (is_notes_heading(s.title) and not s.passages)]
    notes_title = next((s.title for s in parsed.sections if is_notes_heading(s.title) and not s.passages), "Notes")
    section_rows = [
        Section(report=report, order=order, title=s.title[:500], level=s.level)
        for order, s in enumerate((s for s in body_sections if s.title), start=1)
    ]
    if parsed.notes:
        section_rows.append(Section(report=report, order=len(section_rows) + 1, title=notes_title[:500], level=1))
    Section.objects.bulk_create(section_rows)

    rows: list[Passage] = []
    titled = iter(section_rows)
    for parsed_section in body_sections:
        section = next(titled) if parsed_section.title else None
        rows.extend(_passage(report, section, len(rows) + 1, p) for p in parsed_section.passages)
    body_count = len(rows)
    notes_section = section_rows[-1] if parsed.notes else None
    rows.extend(_passage(report, notes_section, len(rows) + 1, p) for p in parsed.notes)

    for start in range(0, len(rows), BATCH_SIZE):
        bulk_create_with_history(
            rows[start : start + BATCH_SIZE], Passage, default_user=user, default_change_reason="imported"
        )
        if progress is not None:
            progress("writing passages", min(start + BATCH_SIZE, len(rows)), len(rows))
    return ImportResult(
        report=report,
        created=True,
        sections=len(section_rows),
        passages=body_count,
        notes=len(parsed.notes),
        footnote_refs=sum(len(row.footnotes) for row in rows),
    )


def _passage(report: Report, section: Section | None, order: int, parsed) -> Passage:
    return Passage(
        report=report,
        section=section,
        order=order,
        kind=parsed.kind,
        label=parsed.label[:50],
        text=parsed.text,
        footnotes=parsed.footnotes,
        page=parsed.page,
    )
