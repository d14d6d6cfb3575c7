"""import_fixture reads a fixture as a stream (issue 12, item 6): memory does not grow with the
file, files in any order still import, and a file over FIXTURE_MAX_MB is refused unread."""

import json
import random
import tracemalloc

import pytest
from django.core.management import call_command

from annotations.models import Comment, Passage, Workspace
from annotations.sharing import fixture_import
from annotations.sharing.fixture_import import FixtureError, import_fixture
from bench.fixture_memory import write_fixture
from tests.conftest import deep_dump
from tests.test_sharing_fixture_export import records, wipe


def peak_memory_of_import(path):
    tracemalloc.start()
    try:
        import_fixture(path)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_import_memory_does_not_grow_with_the_file(db, tmp_path, monkeypatch):
    # Batches of 50 records: both files fill several batches of each model.
    monkeypatch.setattr(fixture_import, "BATCH_SIZE", 50)
    # A first import pays the process's one-time costs (templates, ORM and parser caches), which
    # would otherwise count against whichever file is measured first.
    peak_memory_of_import(write_fixture(tmp_path / "warm-up.json", 40))
    Workspace.objects.all().delete()
    small = peak_memory_of_import(write_fixture(tmp_path / "small.json", 800))
    Workspace.objects.all().delete()
    large = peak_memory_of_import(write_fixture(tmp_path / "large.json", 4_800))
    assert Passage.objects.count() == (4_800 - 4) // 4
    # What still grows is the set of keys already seen (to refuse a record repeated in a later
    # batch), a few hundred bytes a record; the whole-file importer kept about 2.7 KiB a record.
    per_record = (large - small) / 4_000
    assert per_record < 1024, f"peak {large / 2**20:.1f} MiB for 4,800 records, {small / 2**20:.1f} MiB for 800"


def test_a_file_over_fixture_max_mb_is_refused_unread_and_says_which_setting(db, tmp_path, settings):
    path = write_fixture(tmp_path / "big.json", 100)
    settings.FIXTURE_MAX_BYTES = 1024
    with pytest.raises(FixtureError, match=r"over the limit of 1,024 bytes \(FIXTURE_MAX_MB=") as error:
        import_fixture(path)
    assert "\n" not in str(error.value)
    assert not Workspace.objects.exists()


def test_the_default_limit_is_set(settings):
    assert settings.FIXTURE_MAX_BYTES == 1024 * 1024 * 1024


def export(tmp_path, name="share.json"):
    path = tmp_path / name
    call_command("export_fixture", "--all", "-o", str(path))
    return path


@pytest.mark.parametrize("name", ["share.json", "share.jsonl"])
def test_records_in_any_order_import_the_same(annotated_report, tmp_path, name):
    before = deep_dump()
    path = export(tmp_path, name)
    data = records(path)
    random.Random(12).shuffle(data)
    if name.endswith(".jsonl"):
        path.write_text("".join(json.dumps(record) + "\n" for record in data), encoding="utf-8")
    else:
        path.write_text(json.dumps(data), encoding="utf-8")
    wipe()
    import_fixture(path)
    assert deep_dump() == before


def test_a_reply_before_its_thread_in_another_batch_is_imported(annotated_report, tmp_path, monkeypatch):
    assert Comment.objects.filter(parent__isnull=False).exists()
    before = deep_dump()
    path = export(tmp_path)
    data = records(path)
    # Replies first: with batches of one record, each reply is read before the comment it answers.
    data.sort(key=lambda r: r["model"] == "annotations.comment" and r["fields"]["parent"] is None)
    path.write_text(json.dumps(data), encoding="utf-8")
    monkeypatch.setattr(fixture_import, "BATCH_SIZE", 1)
    wipe()
    import_fixture(path)
    assert deep_dump() == before


def test_a_record_repeated_in_a_later_batch_is_refused(annotated_report, tmp_path, monkeypatch):
    path = export(tmp_path)
    data = records(path)
    data.append(next(r for r in data if r["model"] == "annotations.passage"))
    path.write_text(json.dumps(data), encoding="utf-8")
    monkeypatch.setattr(fixture_import, "BATCH_SIZE", 1)
    wipe()
    with pytest.raises(FixtureError, match=r"record \d+ \(annotations.passage\) repeats record \d+"):
        import_fixture(path)
    assert not Workspace.objects.exists()


def test_a_record_without_updated_at_is_stamped_now(db, tmp_path):
    # Hand-written files may leave out the auto_now fields; they were written as NULL.
    import_fixture(write_fixture(tmp_path / "minimal.json", 8))
    assert Passage.objects.filter(updated_at__isnull=False).count() == 1
