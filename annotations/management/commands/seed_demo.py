from django.core.management.base import BaseCommand

from annotations import demo


class Command(BaseCommand):
    help = "Create the demo workspace: the seed report, imported and lightly annotated, and three demo users."

    def handle(self, *args, **options):
        report = demo.build_demo()
        counts = report.passages.count(), report.sections.count()
        self.stdout.write(
            f"Demo workspace '{demo.WORKSPACE_SLUG}': “{report.title}” ({counts[0]} passages, {counts[1]} sections)"
        )
        self.stdout.write(f"Demo logins (password for all: {demo.DEMO_PASSWORD}):")
        for username, full_name, role in demo.USERS:
            self.stdout.write(f"  {username:8} {full_name} — {role.label}")
        self.stdout.write(
            "Open http://127.0.0.1:8000/ and sign in; the admin is at /admin/ (user 'demo' is a curator)."
        )
