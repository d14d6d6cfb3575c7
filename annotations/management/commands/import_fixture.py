from django.core.management.base import BaseCommand, CommandError

from annotations.sharing.fixture_import import FixtureError, import_fixture


class Command(BaseCommand):
    help = (
        "Safely import a fixture written by export_fixture on another instance: only shared models, "
        "validated rows, users matched by username (new ones inactive, without password), one transaction. "
        "Use this, not loaddata, for files from elsewhere."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", metavar="FILE")
        parser.add_argument("--workspace", metavar="SLUG", help="Import everything into this existing workspace.")
        parser.add_argument("--dry-run", action="store_true", help="Report what would change, change nothing.")
        parser.add_argument(
            "--apply-deletions",
            action="store_true",
            help="Delete (or merge) here what was deleted or merged away at the origin; without it they are listed.",
        )

    def handle(self, *args, file, workspace, dry_run, apply_deletions, **options):
        try:
            summary = import_fixture(file, workspace=workspace, dry_run=dry_run, apply_deletions=apply_deletions)
        except FixtureError as error:
            raise CommandError(str(error)) from None
        for line in summary.lines():
            self.stdout.write(line)
