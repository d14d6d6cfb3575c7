"""`make bench`: the benchmark suite on SQLite and on PostgreSQL, as one JSON report on stdout.

Each database starts empty (SQLite: files in a temporary directory; PostgreSQL: the databases
named below, dropped and created again), then bench/suite.py runs in a fresh process per database.

Environment: BENCH_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/annotations_bench;
a second database with suffix _fixture receives the fixture import), BENCH_PASSAGES (100000).
"""

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg2
from psycopg2 import sql

ROOT = Path(__file__).resolve().parent.parent
POSTGRES_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/annotations_bench")


def recreate_postgres(url):
    """Drop and create the database named in `url` (connecting to the server's `postgres` db)."""
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = psycopg2.connect(urlunsplit(parts._replace(path="/postgres")))
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    admin.close()


def run_suite(database_url, fresh_database_url):
    env = {**os.environ, "DATABASE_URL": database_url, "DEBUG": "1", "SECRET_KEY": "bench-only-" + "k" * 50}
    subprocess.run([sys.executable, "manage.py", "migrate", "--verbosity", "0"], cwd=ROOT, env=env, check=True)
    result = subprocess.run(
        [sys.executable, "bench/suite.py", fresh_database_url], cwd=ROOT, env=env, check=True, stdout=subprocess.PIPE
    )
    return json.loads(result.stdout)


def main():
    report = {"machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]}}
    with tempfile.TemporaryDirectory() as tmp:
        report["sqlite"] = run_suite(f"sqlite:///{tmp}/bench.sqlite3", f"sqlite:///{tmp}/fixture.sqlite3")
    try:
        fixture_url = POSTGRES_URL + "_fixture"
        recreate_postgres(POSTGRES_URL)
        recreate_postgres(fixture_url)
    except psycopg2.OperationalError as error:
        report["postgresql"] = {"skipped": f"PostgreSQL not reachable at {POSTGRES_URL}: {error}".strip()}
    else:
        report["postgresql"] = run_suite(POSTGRES_URL, fixture_url)
    json.dump(report, sys.stdout, indent=2, ensure_ascii=False)
    print()


if __name__ == "__main__":
    main()
