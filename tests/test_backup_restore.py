"""Backup and restore of a whole instance with the sharing commands: `export_fixture --all`, an
emptied database, `import_fixture`, and everything sharing carries is back (compared by natural
keys, so the new primary keys do not matter). Runs on SQLite and, with DATABASE_URL, PostgreSQL."""

from io import StringIO

import pytest
from django.core.management import call_command

from annotations.models import Report, Workspace
from tests.conftest import SHARED_MODELS, deep_dump, make_annotated_report, make_member
from tests.test_sharing_fixture_export import wipe


@pytest.fixture
def whole_instance(annotated_report, other_workspace, outsider):
    """Three workspaces' worth of varied data: the demo, the annotated report and a second team."""
    call_command("seed_demo", stdout=StringIO())
    make_member(other_workspace, "olga", "annotator")
    make_annotated_report(other_workspace, outsider, passages=12, title="Water politics in the Ferghana valley")
    assert Workspace.objects.count() == 3
    assert Report.objects.count() == 3


def backup(tmp_path):
    path = tmp_path / "instance.jsonl"
    call_command("export_fixture", "--all", "-o", str(path), stdout=StringIO())
    return path


def restore(path):
    out = StringIO()
    call_command("import_fixture", str(path), stdout=out)
    return out.getvalue()


def test_export_all_and_import_fixture_restore_a_whole_instance(whole_instance, tmp_path):
    before = deep_dump()
    path = backup(tmp_path)
    wipe()
    assert not any(model.objects.exists() for model in SHARED_MODELS)
    restore(path)
    assert deep_dump() == before


def test_restoring_the_same_backup_again_changes_nothing(whole_instance, tmp_path):
    path = backup(tmp_path)
    wipe()
    restore(path)
    restored = deep_dump()
    assert "created 0, updated 0" in restore(path)
    assert deep_dump() == restored
