from django.core.management.base import BaseCommand, CommandError

from annotations.models import Workspace
from annotations.services import ServiceError, codebook_merge
from annotations.sharing.qdc import CodebookError, read_codebook


class Command(BaseCommand):
    help = (
        "Merge a REFI-QDA codebook (.qdc, validated against the format's schema) into a workspace's "
        "codebook by tag name: new names become tags, existing tags keep theirs."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", metavar="FILE.qdc")
        parser.add_argument("--workspace", required=True, metavar="SLUG")
        parser.add_argument("--dry-run", action="store_true", help="Say what would change; change nothing.")

    def handle(self, *args, file, workspace, dry_run, **options):
        target = Workspace.objects.filter(slug=workspace).first()
        if target is None:
            raise CommandError(f"No workspace {workspace!r}.")
        try:
            with open(file, "rb") as stream:
                data = stream.read()
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}") from None
        try:
            result = codebook_merge(workspace=target, codes=read_codebook(data), dry_run=dry_run)
        except (CodebookError, ServiceError) as error:
            raise CommandError(f"{file}: {' '.join(getattr(error, 'messages', [str(error)]))}") from None
        prefix = "Dry run, nothing changed; it would add: " if dry_run else f"Codebook of {target.name}: "
        self.stdout.write(prefix + result.summary())
