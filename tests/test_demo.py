import json
from pathlib import Path

from django.conf import settings
from django.core.management import call_command

from annotations import demo
from annotations.models import Comment, Highlight, Passage, Report, SourceLink, Tag

from .conftest import log_in_with_password


def test_seed_demo_builds_an_annotated_report_once(db, capsys):
    call_command("seed_demo")
    out = capsys.readouterr().out
    assert demo.DEMO_PASSWORD in out
    assert "demo" in out

    report = Report.objects.get(workspace__slug="demo")
    assert report.passages.count() > 50
    assert {name for name, _, _ in demo.TAGS} <= set(Tag.objects.values_list("name", flat=True))
    assert all(Tag.objects.get(name=name).passage_links.exists() for name, _, _ in demo.TAGS)
    assert Highlight.objects.count() == 3
    assert Comment.objects.filter(parent__isnull=True).count() == 5
    assert Comment.objects.filter(parent__isnull=False).count() == 2
    assert Comment.objects.open_threads().count() == 4
    assert SourceLink.objects.count() == 5
    assert set(Passage.objects.values_list("status", flat=True)) == {"open", "approved", "in_review", "flagged"}

    call_command("seed_demo")
    assert Report.objects.count() == 1
    assert Comment.objects.count() == 7


def test_demo_is_deterministic(db):
    first = demo.build_demo()
    uuids = sorted(str(u) for u in Passage.objects.values_list("uuid", flat=True))
    Report.objects.all().delete()
    second = demo.build_demo()
    assert first.uuid == second.uuid
    assert sorted(str(u) for u in Passage.objects.values_list("uuid", flat=True)) == uuids


def test_demo_users_can_log_in_and_curator_reaches_admin(db, client):
    demo.build_demo()
    log_in_with_password(client, "demo", demo.DEMO_PASSWORD)
    assert client.get("/admin/annotations/passage/").status_code == 200


def test_demo_fixture_is_in_sync_with_seed_demo(db, tmp_path):
    """fixtures/demo.json is what seed_demo builds; regenerate it with
    `manage.py seed_demo && manage.py export_fixture --workspace demo -o fixtures/demo.json`."""
    demo.build_demo()
    exported = tmp_path / "demo.json"
    call_command("export_fixture", "--workspace", demo.WORKSPACE_SLUG, "-o", str(exported))
    committed = Path(settings.BASE_DIR) / "fixtures" / "demo.json"
    # The first record says which instance wrote the file, and when: it differs between builds.
    def records(path):
        return [r for r in json.loads(path.read_text()) if r["model"] != "annotations.importstamp"]

    assert records(exported) == records(committed)


def test_demo_fixture_loads_with_loaddata(db):
    call_command("loaddata", "fixtures/demo.json", verbosity=0)
    report = Report.objects.get(workspace__slug=demo.WORKSPACE_SLUG)
    assert report.passages.count() > 50
    assert Comment.objects.count() == 7


def test_loading_the_demo_fixture_twice_changes_nothing(db):
    call_command("loaddata", "fixtures/demo.json", verbosity=0)
    call_command("loaddata", "fixtures/demo.json", verbosity=0)
    assert Report.objects.count() == 1
    assert Comment.objects.count() == 7
