from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from annotations.models import Workspace
from annotations.services import ServiceError, api_token_create


class Command(BaseCommand):
    help = "Create a personal API token for USERNAME and print its secret (for scripts and CI)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--read-only", action="store_true", help="The token cannot change anything.")
        parser.add_argument("--workspace", metavar="SLUG", help="Limit the token to one workspace.")
        parser.add_argument("--name", default="command line", help="What the token is for.")

    def handle(self, *args, username, read_only, workspace, name, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"There is no user called {username!r}.")
        ws = None
        if workspace:
            ws = Workspace.objects.filter(slug=workspace).first()
            if ws is None:
                raise CommandError(f"There is no workspace {workspace!r}.")
        try:
            _token, secret = api_token_create(user=user, name=name, read_only=read_only, workspace=ws)
        except ServiceError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(secret)
