import sys
import uuid

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from annotations.models import Report, Workspace
from annotations.sharing.fixture import Selection, count_records, iter_records, write_fixture
from annotations.sharing.output import atomic_output


class Command(BaseCommand):
    help = (
        "Write reports with their annotations as a Django fixture with natural keys (JSON, or JSON Lines "
        "when FILE ends in .jsonl) that `loaddata` or `import_fixture` loads into another instance."
    )

    def add_arguments(self, parser):
        scope = parser.add_mutually_exclusive_group(required=True)
        scope.add_argument("--report", nargs="+", metavar="UUID", help="Export these reports.")
        scope.add_argument("--workspace", metavar="SLUG", help="Export a whole workspace, sources and members too.")
        scope.add_argument("--all", action="store_true", help="Export every workspace and the whole codebook.")
        parser.add_argument("-o", "--output", required=True, metavar="FILE")

    def handle(self, *args, report, workspace, output, **options):
        if report:
            wanted = {_uuid(value) for value in report}
            missing = wanted - set(Report.objects.filter(uuid__in=wanted).values_list("uuid", flat=True))
            if missing:
                raise CommandError(f"No report with uuid {', '.join(sorted(map(str, missing)))}.")
            selection = Selection.of_reports(wanted)
        elif workspace:
            if not Workspace.objects.filter(slug=workspace).exists():
                raise CommandError(f"No workspace with slug {workspace!r}.")
            selection = Selection.of_workspace(workspace)
        else:
            selection = Selection.everything()

        quiet = not sys.stderr.isatty()
        total = None if quiet else count_records(selection)
        with (
            tqdm(total=total, unit=" records", disable=quiet, file=sys.stderr) as progress,
            atomic_output(output) as stream,
        ):
            write_fixture(
                iter_records(selection), stream, json_lines=output.endswith(".jsonl"), on_record=progress.update
            )
        self.stdout.write(f"Wrote {output}")


def _uuid(value):
    try:
        return uuid.UUID(value)
    except ValueError:
        raise CommandError(f"Not a report uuid: {value!r}") from None
