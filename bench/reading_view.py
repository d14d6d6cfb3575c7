"""Query count and server time of the reading view, for the seed report and a 1,000-passage one.

    .venv/bin/python bench/reading_view.py            # SQLite (a throwaway test database)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/annotations .venv/bin/python bench/reading_view.py

Builds a test database (like the test runner) with the demo data set (`seed_demo`: the seed
report, lightly annotated) and a generated 1,000-passage report with half of its passages tagged,
then times the page through Django's test client, logged in as a member.
"""

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")
os.environ.setdefault("DEBUG", "1")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.runner import DiscoverRunner  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

RUNS = 15


def annotate(report, user):
    from annotations import services

    for i, passage in enumerate(report.passages.order_by("order")):
        if i % 2 == 0:
            services.passage_add_tag(passage=passage, name=f"Theme {i % 9}", user=user)
        if i % 7 == 0:
            services.comment_create(passage=passage, author=user, body="A *comment*")
        if i % 11 == 0 and len(passage.text) > 20:
            services.highlight_create(passage=passage, start=2, end=15, user=user, tags=["Span"])


def measure(client, url):
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    count = len(queries.captured_queries)
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        client.get(url)
        times.append((time.perf_counter() - started) * 1000)
    return response, count, times


def main():
    from annotations import demo
    from annotations.models import Membership, Role
    from tests.conftest import make_annotated_report

    seed = demo.build_demo()
    user = Membership.objects.get(workspace=seed.workspace, role=Role.ANNOTATOR).user
    big = make_annotated_report(seed.workspace, user, passages=1000, title="Generated")
    annotate(big, user)
    client = Client()
    client.force_login(user)
    for report in (seed, big):
        response, count, times = measure(client, report.get_absolute_url())
        print(
            f"{connection.vendor}: {report.passages.count():>5} passages: {count} queries, "
            f"median {statistics.median(times):.0f} ms, min {min(times):.0f} ms, "
            f"{response.content.count(b'<article id=')} passages on the first page, {len(response.content) // 1024} KiB"
        )


if __name__ == "__main__":
    setup_test_environment()
    runner = DiscoverRunner(verbosity=0)
    databases = runner.setup_databases()
    try:
        main()
    finally:
        runner.teardown_databases(databases)
