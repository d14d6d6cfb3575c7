import csv
import json
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import xmlschema
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from annotations.models import Comment, Highlight, Passage, Tag
from annotations.sharing.qdc import code_guid
from annotations.sharing.table import spreadsheet_safe
from tests.conftest import make_report

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
W3C_CHECK = SHARED / "checks" / "check_web_annotation.py"
CODEBOOK_XSD = SHARED / "standards" / "refi-qda" / "Codebook.xsd"


def export(report, fmt, tmp_path, workspace=None):
    path = tmp_path / f"out.{fmt}"
    args = ["--report", str(report.uuid)] if report else ["--workspace", workspace.slug]
    call_command("export_annotations", *args, "--format", fmt, "-o", str(path))
    return path


def items(path):
    return json.loads(path.read_text(encoding="utf-8"))["first"]["items"]


def w3c_check(path):
    return subprocess.run(
        [sys.executable, str(W3C_CHECK), str(path)], cwd=ROOT, capture_output=True, text=True, check=False
    )


@pytest.mark.skipif(not W3C_CHECK.exists(), reason="the shared W3C check is not beside the checkout")
def test_jsonld_passes_the_w3c_web_annotation_check(annotated_report, tmp_path):
    path = export(annotated_report, "jsonld", tmp_path)
    result = w3c_check(path)
    assert result.returncode == 0, result.stdout
    assert f"{len(items(path))}/{len(items(path))} annotations pass" in result.stdout


@pytest.mark.skipif(not W3C_CHECK.exists(), reason="the shared W3C check is not beside the checkout")
def test_the_w3c_check_does_catch_a_broken_annotation(annotated_report, tmp_path):
    path = export(annotated_report, "jsonld", tmp_path)
    data = json.loads(path.read_text(encoding="utf-8"))
    del data["first"]["items"][0]["@context"]
    path.write_text(json.dumps(data), encoding="utf-8")
    assert w3c_check(path).returncode == 1


def test_jsonld_maps_every_kind_of_annotation(annotated_report, tmp_path):
    annotations = items(export(annotated_report, "jsonld", tmp_path))
    motivations = sorted(a["motivation"] for a in annotations)
    assert motivations == sorted(
        ["tagging"] * 4 + ["highlighting"] * 2 + ["commenting"] * 2 + ["replying"] * 2 + ["linking"] * 2
    )
    by_id = {a["id"]: a for a in annotations}
    assert len(by_id) == len(annotations)
    for reply in (a for a in annotations if a["motivation"] == "replying"):
        assert by_id[reply["target"]]["motivation"] == "commenting"
    deleted = Comment.objects.get(body="gone")
    assert "body" not in by_id[f"urn:uuid:{deleted.uuid}"]
    link = next(a for a in annotations if a["motivation"] == "linking" and "selector" in a["target"])
    assert link["body"][0] == {"id": "https://example.org/rats", "type": "Text", "title": "RATS annual report"}
    assert {"type": "TextualBody", "purpose": "classifying", "value": "supports"} in link["body"]


def test_highlight_selectors_count_code_points_not_utf16_units(annotated_report, tmp_path):
    annotations = items(export(annotated_report, "jsonld", tmp_path))
    text = annotated_report.passages.get(order=1).text
    xinjiang = Highlight.objects.get(exact="新疆")
    target = next(a for a in annotations if a["id"] == f"urn:uuid:{xinjiang.uuid}")["target"]
    quote, position = target["selector"]
    assert quote["type"] == "TextQuoteSelector"
    assert quote["exact"] == "新疆"
    assert text[position["start"] : position["end"]] == "新疆"
    # The 🚩 before it is one code point but two UTF-16 units: the offsets must not count it twice.
    utf16_start = len(text[: position["start"]].encode("utf-16-le")) // 2
    assert utf16_start == position["start"] + 1


def test_annotation_ids_follow_the_configured_base_url(annotated_report, tmp_path, settings):
    settings.ANNOTATION_BASE_URL = "https://annotations.example.org/a/"
    annotations = items(export(annotated_report, "jsonld", tmp_path))
    assert all(a["id"].startswith("https://annotations.example.org/a/") for a in annotations)


def test_tag_annotation_ids_are_stable_across_exports(annotated_report, tmp_path):
    first = [a["id"] for a in items(export(annotated_report, "jsonld", tmp_path))]
    assert first == [a["id"] for a in items(export(annotated_report, "jsonld", tmp_path))]


def test_csv_has_one_row_per_passage_with_its_annotations(annotated_report, tmp_path):
    path = export(annotated_report, "csv", tmp_path)
    # A UTF-8 byte order mark: spreadsheet programs then read "Russia–China" and 上海 correctly.
    assert path.read_bytes().startswith("\ufeffreport,".encode())
    with path.open(encoding="utf-8-sig", newline="") as stream:
        rows = list(csv.DictReader(stream))
    assert [row["order"] for row in rows] == ["1", "2", "3", "4"]
    assert {row["report"] for row in rows} == {annotated_report.title}
    first = rows[0]
    assert first["highlight_quotes"] == "“🚩”; “新疆” [SCO]"
    assert "上海合作组织" in first["text"]
    assert "🚩" in first["text"]
    assert (first["tags"], first["highlights"], first["comments"], first["open_threads"]) == (
        "three evils",
        "2",
        "2",
        "1",
    )
    assert first["sources"] == "supports: RATS annual report <https://example.org/rats>"
    assert rows[3]["text"].startswith("'=HYPERLINK(")


@pytest.mark.parametrize("cell", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_formula_like_cells_are_defused(cell):
    assert spreadsheet_safe(cell) == "'" + cell


def test_plain_cells_and_numbers_are_left_alone():
    assert spreadsheet_safe("SCO, 2001") == "SCO, 2001"
    assert spreadsheet_safe(-3) == -3


@pytest.mark.skipif(not CODEBOOK_XSD.exists(), reason="the shared REFI-QDA schema is not beside the checkout")
def test_qdc_codebook_is_valid_refi_qda(annotated_report, workspace, other_workspace, tmp_path):
    # A colour saved before colours were validated, and another team's tag, which stays out.
    Tag.objects.create(
        workspace=workspace, name="odd colour", slug="odd-colour", color="#abc", description="ctrl \x0b char"
    )
    Tag.objects.create(workspace=other_workspace, name="Theirs")
    schema = xmlschema.XMLSchema(str(CODEBOOK_XSD))
    for report in (annotated_report, None):
        path = export(report, "qdc", tmp_path, workspace)
        schema.validate(str(path))
    codes = schema.to_dict(str(path))["Codes"]["Code"]
    by_name = {code["@name"]: code for code in codes}
    assert set(by_name) == {"hearing", "SCO", "three evils", "odd colour"}
    assert by_name["three evils"]["@color"] == "#B91C1C"
    assert by_name["odd colour"]["@color"] == "#AABBCC"
    # GUIDs are uuid5 of the case-folded name: the same code keeps its GUID in every export.
    assert by_name["three evils"]["@guid"] == code_guid("Three Evils")
    assert uuid.UUID(by_name["three evils"]["@guid"]).version == 5


def test_empty_codebook_is_a_clear_error(report, tmp_path):
    with pytest.raises(CommandError, match="codebook is empty"):
        export(report, "qdc", tmp_path)


def test_unknown_report_is_a_clear_error(db, tmp_path):
    with pytest.raises(CommandError, match="No report"):
        call_command("export_annotations", "--report", "nope", "--format", "csv", "-o", str(tmp_path / "x.csv"))
    assert not list(tmp_path.iterdir())


def _queries(workspace, passages, fmt, tmp_path):
    report = make_report(workspace, passages=passages, title=f"{fmt} {passages}")
    for passage in report.passages.all():
        passage.tags.add("SCO")
        Comment.objects.create(passage=passage, body="why?")
    with CaptureQueriesContext(connection) as queries:
        export(report, fmt, tmp_path)
    return len(queries)


@pytest.mark.parametrize("fmt", ["csv", "jsonld"])
def test_export_query_count_does_not_grow_with_rows(workspace, tmp_path, fmt):
    assert _queries(workspace, 20, fmt, tmp_path) == _queries(workspace, 200, fmt, tmp_path)


def test_jsonld_targets_name_the_report_version_and_carry_both_selectors(annotated_report, tmp_path):
    annotations = items(export(annotated_report, "jsonld", tmp_path))
    version = f"urn:uuid:{annotated_report.uuid}"
    targets = [a["target"] for a in annotations if a["motivation"] != "replying" and a["target"] != version]
    assert targets
    assert all(t["scope"] == version and t["source"].startswith("urn:uuid:") for t in targets)
    for target in (t for t in targets if "selector" in t):
        quote, position = target["selector"]
        passage = Passage.objects.get(uuid=target["source"].removeprefix("urn:uuid:"))
        assert passage.text[position["start"] : position["end"]] == quote["exact"]
