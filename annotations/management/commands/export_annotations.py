import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from annotations.exporting.jsonld import annotation_collection
from annotations.exporting.output import atomic_output
from annotations.exporting.qdc import codebook_xml
from annotations.exporting.table import write_csv
from annotations.models import Report, Tag


class Command(BaseCommand):
    help = (
        "Export a report's annotations for analysis and other tools: csv (one row per passage), "
        "jsonld (W3C Web Annotation collection) or qdc (REFI-QDA codebook of the tags it uses; "
        "the whole codebook without --report)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--report", metavar="UUID")
        parser.add_argument("--format", required=True, choices=["csv", "jsonld", "qdc"])
        parser.add_argument("-o", "--output", required=True, metavar="FILE")

    def handle(self, *args, report, format, output, **options):
        if report is None and format != "qdc":
            raise CommandError(f"--report is required for --format {format}.")
        report = _report(report) if report else None
        if format == "csv":
            with atomic_output(output, newline="") as stream:
                write_csv(report, stream)
        elif format == "jsonld":
            collection = annotation_collection(report)
            with atomic_output(output) as stream:
                json.dump(collection, stream, ensure_ascii=False, indent=1)
        else:
            tags = Tag.objects.all()
            if report:
                tags = tags.filter(
                    Q(report_links__content_object=report)
                    | Q(passage_links__content_object__report=report)
                    | Q(highlight_links__content_object__passage__report=report)
                ).distinct()
            try:
                xml = codebook_xml(tags)
            except ValueError as error:
                raise CommandError(str(error)) from None
            with atomic_output(output) as stream:
                stream.write(xml)
        self.stdout.write(f"Wrote {output}")


def _report(value):
    try:
        return Report.objects.get(uuid=value)
    except (Report.DoesNotExist, ValidationError):
        raise CommandError(f"No report with uuid {value!r}.") from None
