from io import StringIO

from django.core.management import call_command

from annotations import demo
from tests.conftest import deep_dump
from tests.test_sharing_fixture_export import wipe


def test_demo_workspace_round_trips_through_import_fixture(db, tmp_path):
    # The demo report's JSON-LD goes through the W3C check in .ci/run; the check takes about
    # half a second per annotation, too slow to repeat here.
    demo.build_demo()
    before = deep_dump()
    fixture = tmp_path / "demo.jsonl"
    call_command("export_fixture", "--workspace", "demo", "-o", str(fixture))
    wipe()
    call_command("import_fixture", str(fixture), stdout=StringIO())
    assert deep_dump() == before
