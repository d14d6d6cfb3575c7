import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import dj_database_url
import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from annotations.models import Instance, Tag, Workspace
from tests.conftest import deep_dump, make_report

ROOT = Path(__file__).resolve().parent.parent


def wipe():
    """Empty the database of everything sharing carries, as a freshly migrated instance is."""
    Workspace.objects.all().delete()
    Tag.objects.all().delete()
    get_user_model().objects.all().delete()


def export(tmp_path, *args, name="out.json"):
    path = tmp_path / name
    call_command("export_fixture", *args, "-o", str(path))
    return path


def records(path):
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".jsonl":
        return [json.loads(line) for line in text.splitlines()]
    return json.loads(text)


@pytest.mark.parametrize("name", ["out.json", "out.jsonl"])
def test_export_fixture_round_trips_through_loaddata(annotated_report, tmp_path, name):
    before = deep_dump()
    path = export(tmp_path, "--all", name=name)
    wipe()
    call_command("loaddata", str(path), verbosity=0)
    assert deep_dump() == before


def test_fixture_uses_natural_keys_and_no_pks(annotated_report, tmp_path):
    data = records(export(tmp_path, "--report", str(annotated_report.uuid)))
    assert all("pk" not in record for record in data)
    section = next(r for r in data if r["model"] == "annotations.passage")["fields"]["section"]
    assert section == [str(annotated_report.uuid), 1]
    link = next(r for r in data if r["model"] == "annotations.taggedhighlight")["fields"]
    assert link["tag"] == ["central-asia", "SCO"]
    assert link["added_by"] == ["carl"]


def test_exported_users_carry_no_password_email_or_privileges(annotated_report, tmp_path):
    get_user_model().objects.filter(username="carl").update(email="carl@example.org", is_staff=True, is_superuser=True)
    users = [r["fields"] for r in records(export(tmp_path, "--all")) if r["model"] == "annotations.person"]
    assert {u["username"] for u in users} == {"anna", "carl"}
    for user in users:
        assert set(user) == {"username", "first_name", "last_name", "password", "is_active", "is_staff", "is_superuser"}
        assert user["password"] == "!"
        assert not (user["is_active"] or user["is_staff"] or user["is_superuser"])


def test_report_export_leaves_out_other_reports_members_and_unlinked_sources(annotated_report, workspace, tmp_path):
    make_report(workspace, passages=2, title="Another report")
    data = records(export(tmp_path, "--report", str(annotated_report.uuid)))
    models = {r["model"] for r in data}
    assert "annotations.membership" not in models
    assert [r["fields"]["title"] for r in data if r["model"] == "annotations.report"] == [annotated_report.title]
    assert [r["fields"]["title"] for r in data if r["model"] == "annotations.source"] == ["RATS annual report"]
    assert sum(r["model"] == "annotations.passage" for r in data) == 4
    assert {r["fields"]["name"] for r in data if r["model"] == "annotations.tag"} == {"hearing", "SCO", "three evils"}


def test_workspace_export_includes_members_and_all_sources(annotated_report, workspace, viewer, tmp_path):
    data = records(export(tmp_path, "--workspace", workspace.slug))
    members = {r["fields"]["user"][0]: r["fields"]["role"] for r in data if r["model"] == "annotations.membership"}
    assert members == {"anna": "annotator", "carl": "curator", "vera": "viewer"}
    assert sum(r["model"] == "annotations.source" for r in data) == 2


def test_unknown_report_or_workspace_is_a_clear_error(db, tmp_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No report with uuid"):
        export(tmp_path, "--report", str(uuid.uuid4()))
    with pytest.raises(CommandError, match="No workspace"):
        export(tmp_path, "--workspace", "nope")
    assert not list(tmp_path.iterdir())


def _queries_to_export(workspace, passages, tmp_path, annotator):
    report = make_report(workspace, passages=passages, title=f"{passages} passages")
    for passage in report.passages.all():
        passage.tags.add("SCO")
    Instance.this()  # the instance's identity is made once, by its first export
    with CaptureQueriesContext(connection) as queries:
        export(tmp_path, "--report", str(report.uuid), name=f"{passages}.json")
    assert len(records(tmp_path / f"{passages}.json")) > passages
    return len(queries)


def test_export_query_count_does_not_grow_with_rows(workspace, annotator, tmp_path):
    assert _queries_to_export(workspace, 20, tmp_path, annotator) == _queries_to_export(
        workspace, 200, tmp_path, annotator
    )


def _other_database_url(tmp_path):
    """A second, empty database of the *other* engine than the test database: PostgreSQL when the
    suite runs on SQLite, SQLite when it runs on PostgreSQL. None if PostgreSQL is unreachable."""
    if connection.vendor == "postgresql":
        return f"sqlite:///{tmp_path / 'other.sqlite3'}", None
    import psycopg2

    base = os.environ.get("CROSS_DB_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    params = dj_database_url.parse(base)
    name = f"annotations_xdb_{os.getpid()}"
    try:
        admin = psycopg2.connect(
            host=params["HOST"],
            port=params["PORT"] or 5432,
            user=params["USER"],
            password=params["PASSWORD"],
            dbname=params["NAME"],
            connect_timeout=3,
        )
    except psycopg2.OperationalError:
        return None, None
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')

    def drop():
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.close()

    return base.rsplit("/", 1)[0] + f"/{name}", drop


def _manage(database_url, *args):
    env = {**os.environ, "DATABASE_URL": database_url, "DEBUG": "1"}
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True)


def test_fixture_crosses_between_sqlite_and_postgresql(annotated_report, tmp_path):
    other, drop = _other_database_url(tmp_path)
    if other is None:
        pytest.skip("PostgreSQL is not reachable")
    try:
        before = deep_dump()
        there, back = tmp_path / "there.json", tmp_path / "back.json"
        call_command("export_fixture", "--all", "-o", str(there))
        _manage(other, "migrate", "--verbosity", "0")
        _manage(other, "loaddata", str(there))
        _manage(other, "export_fixture", "--all", "-o", str(back))
    finally:
        if drop:
            drop()
    # Each instance stamps its own exports (origin, time); everything else must be equal.
    shared = lambda path: sorted(json.dumps(r) for r in records(path) if r["model"] != "annotations.importstamp")  # noqa: E731
    assert shared(back) == shared(there)
    wipe()
    call_command("loaddata", str(back), verbosity=0)
    assert deep_dump() == before


def test_failed_export_leaves_no_file(annotated_report, tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        yield {"model": "annotations.report", "fields": {}}
        raise RuntimeError("disk on fire")

    monkeypatch.setattr("annotations.management.commands.export_fixture.iter_records", broken)
    with pytest.raises(RuntimeError):
        export(tmp_path, "--all")
    assert not list(tmp_path.iterdir())


def test_export_file_permissions_follow_the_umask(annotated_report, tmp_path):
    old = os.umask(0o022)
    try:
        path = export(tmp_path, "--all")
    finally:
        os.umask(old)
    assert path.stat().st_mode & 0o777 == 0o644
