import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from annotations.models import Report, Tag, Workspace
from annotations.sharing.jsonld import annotation_collection
from annotations.sharing.output import atomic_output
from annotations.sharing.qdc import codebook_xml
from annotations.sharing.table import write_csv


class Command(BaseCommand):
    help = (
        "Export a report's annotations for analysis and other tools: csv (one row per passage), "
        "jsonld (W3C Web Annotation collection) or qdc (REFI-QDA codebook of the tags it uses, or "
        "with --workspace instead of --report the workspace's whole codebook)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--report", metavar="UUID")
        parser.add_argument("--workspace", metavar="SLUG", help="qdc only: the workspace's whole codebook.")
        parser.add_argument("--format", required=True, choices=["csv", "jsonld", "qdc"])
        parser.add_argument("-o", "--output", required=True, metavar="FILE")

    def handle(self, *args, report, workspace, format, output, **options):
        if report is None and format != "qdc":
            raise CommandError(f"--report is required for --format {format}.")
        if (report is None) == (workspace is None) and format == "qdc":
            raise CommandError("--format qdc takes either --report or --workspace.")
        report = _report(report) if report else None
        if format == "csv":
            with atomic_output(output, newline="") as stream:
                write_csv(report, stream)
        elif format == "jsonld":
            collection = annotation_collection(report)
            with atomic_output(output) as stream:
                json.dump(collection, stream, ensure_ascii=False, indent=1)
        else:
            tags = Tag.objects.used_in_report(report) if report else Tag.objects.filter(workspace=_workspace(workspace))
            try:
                xml = codebook_xml(tags)
            except ValueError as error:
                raise CommandError(str(error)) from None
            with atomic_output(output) as stream:
                stream.write(xml)
        self.stdout.write(f"Wrote {output}")


def _workspace(slug):
    try:
        return Workspace.objects.get(slug=slug)
    except Workspace.DoesNotExist:
        raise CommandError(f"No workspace {slug!r}.") from None


def _report(value):
    try:
        return Report.objects.get(uuid=value)
    except (Report.DoesNotExist, ValidationError):
        raise CommandError(f"No report with uuid {value!r}.") from None
