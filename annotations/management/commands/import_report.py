import argparse
import sys
import uuid
from datetime import date
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from tqdm import tqdm

from annotations.importing import ReportImportError
from annotations.importing.load import METADATA_FIELDS, import_report_file
from annotations.models import Report, Workspace, http_url_validator

DEFAULT_WORKSPACE = "default"


def _date(value):
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {value!r}") from None


def _http_url(value):
    try:
        http_url_validator(value)
    except ValidationError:
        raise argparse.ArgumentTypeError(f"not an http(s) address: {value!r}") from None
    return value


class Command(BaseCommand):
    help = "Import a report (.txt, .md, .html or .pdf) into a workspace, as sections and passages."

    def add_arguments(self, parser):
        parser.add_argument("path", help="the report file")
        parser.add_argument(
            "--workspace", help=f"slug of the workspace (default: '{DEFAULT_WORKSPACE}', created when missing)"
        )
        parser.add_argument("--title", help="the report's title (default: taken from the file)")
        parser.add_argument("--authors", help="authors, '; ' between names (default: read from the file)")
        parser.add_argument("--publisher", help="publisher or report series (default: read from the file)")
        parser.add_argument(
            "--published-on", type=_date, help="publication date, YYYY-MM-DD (default: read from the file)"
        )
        parser.add_argument("--report-number", help="the publisher's report number (default: read from the file)")
        parser.add_argument("--source-url", type=_http_url, help="where the report was published (http or https)")
        parser.add_argument(
            "--force-new-version",
            action="store_true",
            help="import again even when this exact file is already in the workspace",
        )
        parser.add_argument(
            "--new-version-of",
            metavar="REPORT_UUID",
            help="import the file as the next version of this report, carrying its annotations across",
        )

    def handle(self, *args, path, workspace, title, force_new_version, new_version_of, **options):
        metadata = {name: options[name] for name in METADATA_FIELDS if options.get(name)}
        bars = _ProgressBars()
        previous = self._report(new_version_of) if new_version_of else None
        if previous is not None and workspace and workspace != previous.workspace.slug:
            raise CommandError(
                f"report {new_version_of} is in workspace '{previous.workspace.slug}', not '{workspace}'"
            )
        try:
            # One transaction with the import: a failed import does not leave a new default workspace.
            with transaction.atomic():
                target = previous.workspace if previous is not None else self._workspace(workspace)
                result = import_report_file(
                    Path(path),
                    workspace=target,
                    title=title,
                    metadata=metadata,
                    force_new_version=force_new_version,
                    new_version_of=previous,
                    progress=bars,
                )
        except ReportImportError as error:
            raise CommandError(f"cannot import {path}: {error}") from None
        finally:
            bars.close()
        for warning in result.warnings:
            self.stderr.write(f"warning: {path}: {warning}")
        report = result.report
        if not result.created:
            self.stdout.write(
                f"{path} is already in workspace '{target.slug}' as '{report.title}' ({report.uuid}); "
                "nothing imported (use --force-new-version to import it again)"
            )
            return
        self.stdout.write(
            f"Imported '{report.title}' into workspace '{target.slug}' ({report.uuid}): "
            f"{result.sections} sections, {result.passages} passages, {result.notes} notes, "
            f"{result.footnote_refs} footnote refs in {result.seconds:.2f} s"
        )
        if result.carried is not None:
            carried = result.carried
            self.stdout.write(
                f"Version {report.version_number} of '{report.work.title}': carried over "
                f"{carried.tag_links} tag links, {carried.highlights} highlights, {carried.comments} comments, "
                f"{carried.source_links} source links; {carried.orphans} orphans to review"
            )

    def _report(self, value):
        try:
            return Report.objects.select_related("workspace").get(uuid=uuid.UUID(value))
        except (ValueError, Report.DoesNotExist):
            raise CommandError(f"no report with uuid '{value}'") from None

    def _workspace(self, slug):
        if slug is None:
            workspace, _ = Workspace.objects.get_or_create(
                slug=DEFAULT_WORKSPACE, defaults={"name": DEFAULT_WORKSPACE.title()}
            )
            return workspace
        try:
            return Workspace.objects.get(slug=slug)
        except Workspace.DoesNotExist:
            raise CommandError(f"no workspace '{slug}'") from None


class _ProgressBars:
    """One tqdm bar per phase of the import, on stderr, only when stderr is a terminal."""

    def __init__(self):
        self.bar = None
        self.phase = None

    def __call__(self, phase, done, total):
        if phase != self.phase:
            self.close()
            self.phase = phase
            self.bar = tqdm(total=total, desc=phase, unit="", file=sys.stderr, disable=not sys.stderr.isatty())
        self.bar.update(done - self.bar.n)

    def close(self):
        if self.bar is not None:
            self.bar.close()
            self.bar = None
