"""Writing parsed reports to the database: the import_report command and import_report_file."""

import io

import pytest
from django.core.management import CommandError, call_command

from annotations.importing import ReportImportError
from annotations.importing.load import import_report_file
from annotations.models import Passage, Report, Section, Workspace
from tests.importing_samples.pdf import make_pdf

REPORT_TEXT = (
    "Widgets in Review\n\n"
    "Introduction\n\n"
    "The widget market grew strongly in the region.1 This is the first paragraph of the\n"
    "report and it is wrapped over two lines.\n\n"
    "Recommendations\n\n"
    "1. Trade more widgets across the border, with fewer rules.\n"
    "a. Start with the neighbours.\n\n"
    "Notes\n\n"
    "1. Widget Council, Statistics, 2023.\n"
)


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_report", *[str(a) for a in args], stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def nothing_stored():
    return not (Report.objects.exists() or Section.objects.exists() or Passage.objects.exists())


@pytest.fixture
def report_file(tmp_path):
    path = tmp_path / "widgets.txt"
    path.write_text(REPORT_TEXT, encoding="utf-8")
    return path


@pytest.mark.django_db
def test_command_imports_into_the_default_workspace(report_file):
    out, _err = run(report_file)
    report = Report.objects.get()
    assert report.workspace.slug == "default"
    assert report.title == "Widgets in Review"
    assert report.slug == "widgets-in-review"
    assert report.original_filename == "widgets.txt"
    assert len(report.content_sha256) == 64
    assert list(report.sections.values_list("order", "title")) == [(1, "Introduction"), (2, "Recommendations"),
                                                                    (3, "Notes")]  # fmt: skip
    passages = list(report.passages.order_by("order").select_related("section"))
    assert [(p.order, p.kind, p.label, p.section.title, p.footnotes) for p in passages] == [
        (1, "paragraph", "", "Introduction", ["1"]),
        (2, "list_item", "1", "Recommendations", []),
        (3, "list_item", "1.a", "Recommendations", []),
        (4, "note", "1", "Notes", []),
    ]
    assert passages[0].text.startswith("The widget market grew strongly in the region. This is")
    assert "3 sections, 3 passages, 1 notes, 1 footnote refs" in out


@pytest.mark.django_db
def test_command_imports_into_a_named_workspace_with_a_title(report_file, workspace):
    run(report_file, "--workspace", workspace.slug, "--title", "Own title")
    report = Report.objects.get()
    assert (report.workspace, report.title, report.slug) == (workspace, "Own title", "own-title")


@pytest.mark.django_db
def test_unknown_workspace_is_an_error(report_file):
    with pytest.raises(CommandError, match="no workspace 'nowhere'"):
        run(report_file, "--workspace", "nowhere")
    assert nothing_stored()


@pytest.mark.django_db
def test_same_file_twice_gives_one_report(report_file):
    run(report_file)
    out, _err = run(report_file)
    assert Report.objects.count() == 1
    assert "already in workspace 'default'" in out


@pytest.mark.django_db
def test_force_new_version_imports_again(report_file):
    run(report_file)
    run(report_file, "--force-new-version")
    assert sorted(Report.objects.values_list("slug", flat=True)) == ["widgets-in-review", "widgets-in-review-2"]
    assert Passage.objects.count() == 8


@pytest.mark.django_db
def test_same_file_in_another_workspace_is_a_new_report(report_file, workspace):
    run(report_file)
    run(report_file, "--workspace", workspace.slug)
    assert Report.objects.count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("empty.txt", b"", "empty file"),
        ("junk.txt", b"\x00\x01\x02\x03" * 100, "binary data"),
        ("report.docx", b"text", "unsupported file type"),
        ("odd.txt", b"Title\n\nbad \x81\x8d bytes\n", "undecodable bytes"),
        ("scan.pdf", make_pdf([None]), "no text layer: run OCR first"),
        ("broken.pdf", b"%PDF-1.4\n" + bytes(range(256)) * 4, "corrupt PDF"),
    ],
)
def test_bad_files_leave_nothing_behind(tmp_path, name, data, reason):
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(CommandError, match=reason) as caught:
        run(path)
    assert str(path) in str(caught.value)
    assert "\n" not in str(caught.value)
    assert nothing_stored()
    assert not Workspace.objects.exists()  # not even the default workspace


@pytest.mark.django_db
def test_missing_and_oversized_files(tmp_path, settings):
    with pytest.raises(CommandError, match="no such file"):
        run(tmp_path / "missing.txt")
    settings.REPORT_MAX_UPLOAD_BYTES = 100
    path = tmp_path / "big.txt"
    path.write_text("Title\n\n" + "word " * 100)
    with pytest.raises(CommandError, match="file too large"):
        run(path)
    assert nothing_stored()


@pytest.mark.django_db
def test_upload_bytes_with_user_history_and_progress(workspace, django_user_model):
    user = django_user_model.objects.create_user(username="carl")
    steps = []
    result = import_report_file(
        REPORT_TEXT.encode(),
        filename="upload.txt",
        workspace=workspace,
        imported_by=user,
        progress=lambda what, done, total: steps.append((what, done, total)),
    )
    assert result.created
    assert result.passages == 3
    assert result.notes == 1
    assert result.footnote_refs == 1
    assert result.report.imported_by == user
    assert steps[-1] == ("writing passages", 4, 4)
    passage = result.report.passages.order_by("order").first()
    assert passage.history.get().history_user == user  # a first history record to diff later edits against
    assert result.report.history.get().history_user == user


@pytest.mark.django_db
def test_upload_needs_a_file_name(workspace):
    with pytest.raises(ReportImportError, match="file name"):
        import_report_file(b"text", workspace=workspace)


@pytest.mark.django_db
def test_pdf_import_end_to_end(tmp_path):
    path = tmp_path / "widgets.pdf"
    path.write_bytes(make_pdf([["Widgets in Review", "", "Introduction", "", "Some text of the report."]]))
    run(path)
    report = Report.objects.get()
    assert report.title == "Widgets in Review"
    assert list(report.passages.values_list("text", "page")) == [("Some text of the report.", 1)]
