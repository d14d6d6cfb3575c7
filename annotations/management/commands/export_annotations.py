import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from annotations.models import Report, Tag, Workspace
from annotations.sharing.excerpts import collect_excerpts, excerpts_docx, excerpts_html
from annotations.sharing.jsonld import annotation_collection
from annotations.sharing.output import atomic_output
from annotations.sharing.qdc import codebook_xml
from annotations.sharing.table import write_csv

EXCERPT_FORMATS = ["excerpts-html", "excerpts-docx"]


class Command(BaseCommand):
    help = (
        "Export a report's annotations for analysis and other tools: csv (one row per passage), "
        "jsonld (W3C Web Annotation collection) or qdc (REFI-QDA codebook of the tags it uses, or "
        "with --workspace instead of --report the workspace's whole codebook); excerpts-html or "
        "excerpts-docx: with --workspace and one --tag or more, every passage and highlighted quote "
        "carrying them, with report, section, page and comments."
    )

    def add_arguments(self, parser):
        parser.add_argument("--report", metavar="UUID")
        parser.add_argument(
            "--workspace", metavar="SLUG", help="qdc: the workspace's whole codebook; excerpts: the workspace."
        )
        parser.add_argument(
            "--tag",
            action="append",
            default=[],
            metavar="NAME",
            help="excerpts: a tag of the workspace (repeat for more).",
        )
        parser.add_argument("--format", required=True, choices=["csv", "jsonld", "qdc", *EXCERPT_FORMATS])
        parser.add_argument("-o", "--output", required=True, metavar="FILE")

    def handle(self, *args, report, workspace, tag, format, output, **options):
        if format in EXCERPT_FORMATS:
            self._excerpts(workspace, tag, format, output)
            return
        if tag:
            raise CommandError("--tag goes with --format excerpts-html or excerpts-docx.")
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

    def _excerpts(self, workspace, names, format, output):
        if workspace is None or not names:
            raise CommandError(f"--format {format} takes --workspace and at least one --tag.")
        workspace = _workspace(workspace)
        tags, unknown = [], []
        for name in dict.fromkeys(names):
            found = Tag.objects.filter(workspace=workspace).named(name).first()
            if found:
                tags.append(found)
            else:
                unknown.append(name)
        if unknown:
            raise CommandError(f"Not in {workspace.slug}'s codebook: {', '.join(map(repr, unknown))}.")
        excerpts = collect_excerpts(workspace, tags)
        if format == "excerpts-docx":
            with atomic_output(output, binary=True) as stream:
                stream.write(excerpts_docx(excerpts))
        else:
            with atomic_output(output) as stream:
                stream.write(excerpts_html(excerpts))
        self.stdout.write(f"Wrote {output}: {excerpts.count} excerpts of {len(tags)} tag(s)")


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
