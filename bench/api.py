"""p50 of listing 1,000 passages (with their tags) through the REST API, as a script would:
GET /api/v1/passages/?report=<uuid>&page_size=1000 with a personal token, in this process.

    make bench-api      # alone, on a temporary SQLite database (or DATABASE_URL), in about a minute
    make bench          # also part of the full suite, on SQLite and PostgreSQL
"""

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ROUNDS = 20


def measure(report, user):
    """Median (p50), p95 and max server time of the listing, its SQL queries and bytes."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from annotations.services import api_token_create

    _token, secret = api_token_create(user=user, name="bench")
    client = Client(headers={"Authorization": f"Bearer {secret}"})
    url = f"/api/v1/passages/?report={report.uuid}&page_size=1000"
    first = client.get(url)  # warm-up: caches, plans, the token's last-used write
    assert first.status_code == 200 and len(first.json()["results"]) == 1000, first.status_code
    timings = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        client.get(url)
        timings.append(time.perf_counter() - started)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    ordered = sorted(timings)
    return {
        "what": "GET /api/v1/passages/?report=…&page_size=1000 (1,000 passages with tags), token auth",
        "p50_ms": round(statistics.median(timings) * 1000, 1),
        "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))] * 1000, 1),
        "max_ms": round(ordered[-1] * 1000, 1),
        "samples": ROUNDS,
        "sql_queries": len(queries),
        "response_bytes": len(response.content),
    }


def main():
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "DEBUG": "1"}
        env.setdefault("DATABASE_URL", f"sqlite:///{tmp}/bench-api.sqlite3")
        env["API_RATE_LIMIT"] = "100000/min"
        os.environ.update(env)
        manage = [sys.executable, "manage.py"]
        subprocess.run([*manage, "migrate", "--verbosity", "0"], cwd=ROOT, env=env, check=True)
        subprocess.run(
            [*manage, "generate_corpus", "--reports", "1", "--passages-per-report", "1000", "--workspace",
             "api-bench", "--seed", "3", "--tags-per-passage", "3"],
            cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL,
        )  # fmt: skip
        sys.path.insert(0, str(ROOT))
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")
        import django

        django.setup()
        from django.contrib.auth import get_user_model

        from annotations.models import Report

        report = Report.objects.get(workspace__slug="api-bench")
        user = get_user_model().objects.get(username="api-bench-annotator-1")
        json.dump({"database": env["DATABASE_URL"].split(":")[0], **measure(report, user)}, sys.stdout, indent=2)
        print()


if __name__ == "__main__":
    main()
