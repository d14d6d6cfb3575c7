"""Fixture imports and exports from the browser run as background jobs: the request answers at
once with the job's page, the job imports all or nothing (the safe importer, into the curator's
workspace only), and an export ends with a download on the job's page."""

import csv
import io
import json

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from annotations import jobs
from annotations.admin import actions
from annotations.models import Job, Report, Role, Source, Workspace
from annotations.sharing.fixture import Selection, iter_records, write_fixture
from tests.conftest import make_annotated_report, make_member


def fixture_of(report):
    stream = io.StringIO()
    write_fixture(iter_records(Selection.of_reports([report.uuid])), stream)
    return stream.getvalue().encode()


@pytest.fixture
def exported(other_workspace):
    """A fixture written on "another instance": a report of another team, by someone who has no
    account here; then all of it removed here."""
    remote = make_member(other_workspace, "rita", Role.CURATOR)
    report = make_annotated_report(other_workspace, remote, passages=5, title="Shared report")
    data = fixture_of(report)
    report.delete()
    Source.objects.filter(workspace=other_workspace).delete()
    remote.delete()
    return data


def share_page(workspace):
    return reverse("annotations:workspace-share", args=[workspace.slug])


def import_fixture(client, workspace, content, name="shared.json", **options):
    data = {"file": SimpleUploadedFile(name, content), **options}
    return client.post(reverse("annotations:fixture-import", args=[workspace.slug]), data)


# --- Import -----------------------------------------------------------------------------------------


def test_a_fixture_upload_answers_at_once_with_a_queued_job(client, workspace, curator, exported):
    client.force_login(curator)
    response = import_fixture(client, workspace, exported)  # on-commit callbacks not run: no worker yet
    job = Job.objects.get()
    assert response.status_code == 302
    assert response["Location"] == job.get_absolute_url()
    assert (job.kind, job.status, job.workspace, job.created_by) == (
        Job.Kind.IMPORT_FIXTURE,
        Job.Status.QUEUED,
        workspace,
        curator,
    )
    assert not Report.objects.filter(title="Shared report").exists()


def test_the_fixture_job_imports_into_the_curators_workspace(
    client, workspace, curator, exported, django_capture_on_commit_callbacks
):
    client.force_login(curator)
    with django_capture_on_commit_callbacks(execute=True):
        response = import_fixture(client, workspace, exported)
    report = Report.objects.get(title="Shared report")
    assert report.workspace == workspace
    page = client.get(response["Location"]).content.decode()
    assert "Imported: created" in page


def test_a_dry_run_job_changes_nothing_and_says_what_it_would_do(
    client, workspace, curator, exported, django_capture_on_commit_callbacks
):
    client.force_login(curator)
    with django_capture_on_commit_callbacks(execute=True):
        response = import_fixture(client, workspace, exported, dry_run="on")
    assert not Report.objects.filter(title="Shared report").exists()
    assert "Dry run, nothing was changed" in client.get(response["Location"]).content.decode()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\xff\xfe not utf-8", "not UTF-8"),
        (b"[" * 100_000, "cannot be imported"),
        (b'[{"model": "auth.user", "fields": {"username": "evil", "is_superuser": true}}]', "superuser"),
        (b'[{"model": "annotations.report", "pk": 1, "fields": {"title": "<script>alert(1)</script>"}}]', ""),
    ],
    ids=["not-utf8", "deeply-nested", "superuser", "xss-title"],
)
def test_a_bad_fixture_fails_the_job_with_the_reason_and_writes_nothing(
    client, workspace, curator, django_capture_on_commit_callbacks, content, message
):
    client.force_login(curator)
    with django_capture_on_commit_callbacks(execute=True):
        response = import_fixture(client, workspace, content)
    job = Job.objects.get()
    assert job.status == Job.Status.FAILED
    assert message in job.message
    assert "/tmp" not in job.message  # the worker's temporary file is no business of the reader's
    assert not Report.objects.exists()
    page = client.get(response["Location"]).content.decode()
    assert "<script>alert(1)" not in page


def test_a_fixture_cannot_reach_another_workspace(
    client, workspace, other_workspace, curator, outsider, django_capture_on_commit_callbacks
):
    """Every record goes into the curator's workspace, whatever workspace the file names."""
    theirs = make_annotated_report(other_workspace, outsider, passages=5, title="Theirs")
    data = fixture_of(theirs)
    theirs.title = "Theirs, changed here"
    theirs.save()
    client.force_login(curator)
    with django_capture_on_commit_callbacks(execute=True):
        import_fixture(client, workspace, data)
    assert Report.objects.get(uuid=theirs.uuid).workspace == other_workspace
    assert Report.objects.get(uuid=theirs.uuid).title == "Theirs, changed here"


def test_an_oversized_fixture_is_refused_at_once_without_a_job(client, workspace, curator, settings):
    settings.FIXTURE_MAX_BYTES = 100
    client.force_login(curator)
    response = import_fixture(client, workspace, b" " * 101)
    assert response.status_code == 400
    assert "over the limit" in response.content.decode()
    assert not Job.objects.exists()


def test_only_curators_import_fixtures(client, workspace, annotator, exported):
    client.force_login(annotator)
    assert import_fixture(client, workspace, exported).status_code == 403
    assert not Job.objects.exists()


# --- Export -----------------------------------------------------------------------------------------


def export(client, workspace, **data):
    return client.post(reverse("annotations:export-start", args=[workspace.slug]), data)


def download(client, job):
    return client.get(reverse("annotations:job-download", args=[job.uuid]))


def test_a_workspace_export_answers_at_once_with_a_queued_job(client, workspace, curator, reading_report):
    client.force_login(curator)
    response = export(client, workspace, what="fixture")
    job = Job.objects.get()
    assert response["Location"] == job.get_absolute_url()
    assert (job.kind, job.status) == (Job.Kind.EXPORT_FIXTURE, Job.Status.QUEUED)
    assert download(client, job).status_code == 404  # nothing to download yet


def test_the_workspace_export_job_ends_with_a_download(
    client, workspace, curator, reading_report, django_capture_on_commit_callbacks
):
    client.force_login(curator)
    with django_capture_on_commit_callbacks(execute=True):
        response = export(client, workspace, what="fixture")
    job = Job.objects.get()
    page = client.get(response["Location"]).content.decode()
    assert reverse("annotations:job-download", args=[job.uuid]) in page
    file = download(client, job)
    assert file.status_code == 200
    assert file["Content-Disposition"].startswith('attachment; filename="central-asia-')
    records = json.loads(file.content)
    assert {str(reading_report.uuid)} == {r["fields"]["uuid"] for r in records if r["model"] == "annotations.report"}


def test_the_exported_fixture_loads_with_the_safe_importer(
    client, workspace, curator, reading_report, django_capture_on_commit_callbacks
):
    client.force_login(curator)
    with django_capture_on_commit_callbacks(execute=True):
        export(client, workspace, what="fixture")
    data = download(client, Job.objects.order_by("created_at").last()).content
    uuid, passages = reading_report.uuid, reading_report.passages.count()
    reading_report.delete()
    with django_capture_on_commit_callbacks(execute=True):
        import_fixture(client, workspace, data)
    assert Job.objects.order_by("created_at").last().status == Job.Status.SUCCEEDED
    assert Report.objects.get(uuid=uuid).passages.count() == passages


@pytest.mark.parametrize(("fmt", "content_type"), [("csv", "text/csv"), ("jsonld", "application/ld+json")])
def test_a_report_export_job_ends_with_a_download(
    client, workspace, curator, reading_report, django_capture_on_commit_callbacks, fmt, content_type
):
    client.force_login(curator)
    with django_capture_on_commit_callbacks(execute=True):
        export(client, workspace, what=fmt, report=str(reading_report.uuid))
    job = Job.objects.get()
    assert (job.kind, job.status) == (Job.Kind.EXPORT_ANNOTATIONS, Job.Status.SUCCEEDED)
    file = download(client, job)
    assert file["Content-Type"].startswith(content_type)
    assert file["Content-Disposition"] == f'attachment; filename="{reading_report.slug}.{fmt}"'


def test_the_csv_export_has_a_row_per_passage(
    client, workspace, curator, reading_report, django_capture_on_commit_callbacks
):
    client.force_login(curator)
    with django_capture_on_commit_callbacks(execute=True):
        export(client, workspace, what="csv", report=str(reading_report.uuid))
    rows = list(csv.DictReader(io.StringIO(download(client, Job.objects.get()).content.decode())))
    assert len(rows) == reading_report.passages.count()


@pytest.mark.parametrize(
    "data",
    [
        {"what": "csv"},
        {"what": "csv", "report": "not-a-uuid"},
        {"what": "exe"},
        {"what": "csv", "report": "00000000-0000-4000-8000-000000000000"},
        {"what": "<script>alert(1)</script>"},
        {"what": "fixture" * 10_000},
    ],
    ids=["no-report", "bad-uuid", "bad-format", "unknown-report", "xss", "huge"],
)
def test_bad_export_requests_are_refused_without_a_job(client, workspace, curator, reading_report, data):
    client.force_login(curator)
    response = export(client, workspace, **data)
    assert response.status_code == 400
    assert "<script>alert(1)" not in response.content.decode()
    assert not Job.objects.exists()


def test_a_report_of_another_workspace_cannot_be_exported(client, workspace, other_workspace, curator, outsider):
    theirs = make_annotated_report(other_workspace, outsider, passages=3, title="Theirs")
    client.force_login(curator)
    response = export(client, workspace, what="csv", report=str(theirs.uuid))
    assert response.status_code == 400
    assert not Job.objects.exists()


def test_the_download_is_for_the_workspaces_curators_only(
    client, workspace, curator, annotator, outsider, reading_report, django_capture_on_commit_callbacks
):
    client.force_login(curator)
    with django_capture_on_commit_callbacks(execute=True):
        export(client, workspace, what="fixture")
    job = Job.objects.get()
    client.force_login(annotator)
    assert download(client, job).status_code == 403
    client.force_login(outsider)
    assert download(client, job).status_code == 404


def test_the_share_page_lists_the_workspaces_recent_jobs(client, workspace, other_workspace, curator, outsider):
    Job.objects.create(workspace=workspace, kind=Job.Kind.EXPORT_FIXTURE, created_by=curator)
    Job.objects.create(workspace=other_workspace, kind=Job.Kind.EXPORT_FIXTURE, created_by=outsider)
    client.force_login(curator)
    page = client.get(share_page(workspace)).content.decode()
    assert page.count(reverse("annotations:job-detail", args=[Job.objects.get(workspace=workspace).uuid])) == 1
    assert str(Job.objects.get(workspace=other_workspace).uuid) not in page


def test_the_report_list_links_the_share_page_for_curators(client, workspace, curator, viewer):
    client.force_login(curator)
    assert (
        share_page(workspace) in client.get(reverse("annotations:report-list", args=[workspace.slug])).content.decode()
    )
    client.force_login(viewer)
    assert (
        share_page(workspace)
        not in client.get(reverse("annotations:report-list", args=[workspace.slug])).content.decode()
    )


def test_a_failed_export_job_keeps_no_file(workspace, curator):
    job = Job.objects.create(
        workspace=workspace,
        kind=Job.Kind.EXPORT_ANNOTATIONS,
        created_by=curator,
        params={"report": "x", "format": "csv"},
    )
    jobs.run_job(job.pk)
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert bytes(job.result) == b""
    assert Workspace.objects.count() == 1


# --- Large exports from the admin ---------------------------------------------------------------


def admin_export(client, model_name, objects):
    data = {"action": "export_fixture", "index": 0, ACTION_CHECKBOX_NAME: [o.pk for o in objects]}
    return client.post(reverse(f"admin:annotations_{model_name}_changelist"), data)


@pytest.fixture
def small_inline_limit(monkeypatch):
    monkeypatch.setattr(actions, "INLINE_EXPORT_RECORDS", 10)


def test_a_small_admin_export_downloads_at_once(client, staff_curator, reading_report):
    client.force_login(staff_curator)
    response = admin_export(client, "report", [reading_report])
    assert response["Content-Disposition"].startswith('attachment; filename="annotations-')
    assert not Job.objects.exists()


def test_a_large_admin_export_becomes_a_job_with_a_download(
    client, staff_curator, reading_report, small_inline_limit, django_capture_on_commit_callbacks
):
    client.force_login(staff_curator)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_export(client, "report", [reading_report])
    job = Job.objects.get()
    assert response["Location"] == job.get_absolute_url()
    assert (job.kind, job.status, job.params["selection"]["reports"]) == (
        Job.Kind.EXPORT_FIXTURE,
        Job.Status.SUCCEEDED,
        [str(reading_report.uuid)],
    )
    records = json.loads(download(client, job).content)
    assert {r["fields"]["uuid"] for r in records if r["model"] == "annotations.report"} == {str(reading_report.uuid)}


def test_a_large_admin_export_of_passages_exports_only_those(
    client, staff_curator, reading_report, small_inline_limit, django_capture_on_commit_callbacks
):
    chosen = list(reading_report.passages.order_by("order")[:2])
    client.force_login(staff_curator)
    with django_capture_on_commit_callbacks(execute=True):
        admin_export(client, "passage", chosen)
    records = json.loads(download(client, Job.objects.get()).content)
    exported = {r["fields"]["uuid"] for r in records if r["model"] == "annotations.passage"}
    assert exported == {str(p.uuid) for p in chosen}


def test_a_large_admin_export_across_workspaces_is_one_job_per_workspace(
    client, workspace, other_workspace, reading_report, outsider, small_inline_limit, django_user_model
):
    theirs = make_annotated_report(other_workspace, outsider, passages=5, title="Theirs")
    root = django_user_model.objects.create_superuser("root", password="pw-for-tests-only")
    client.force_login(root)
    response = admin_export(client, "report", [reading_report, theirs])
    assert response.status_code == 302
    assert sorted(Job.objects.values_list("workspace__slug", flat=True)) == ["central-asia", "other"]
    assert "2 jobs, one per workspace" in client.get(response["Location"]).content.decode()
