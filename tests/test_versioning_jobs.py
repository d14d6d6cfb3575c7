"""Issue 18's gaps: a new version uploaded in the browser is imported and its annotations carried
over by a background job (one transaction); an orphaned highlight's source links wait with it
instead of moving to the passage, and stay reachable from Needs review."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from annotations import jobs
from annotations.importing.load import import_report_file
from annotations.models import Job, Orphan, Report, Source, SourceLink
from annotations.services import highlight_create, passage_add_tag
from annotations.versioning import orphan_place

from .test_versioning import V1, V2, passage

V2_BYTES = V2.encode()


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def imported(workspace, text, user, **kwargs):
    return import_report_file(text.encode(), filename="r.md", workspace=workspace, imported_by=user, **kwargs).report


@pytest.fixture
def first(workspace, curator, annotator):
    report = imported(workspace, V1, curator)
    passage_add_tag(passage=passage(report, "bilateral"), name="SCO", user=annotator)
    return report


def upload_new_version(client, report, name="v2.md", content=V2_BYTES):
    return client.post(
        reverse("annotations:report-new-version", args=[report.uuid]), {"file": SimpleUploadedFile(name, content)}
    )


# --- The carry-over as a job ------------------------------------------------------------------------


def test_a_new_version_upload_answers_at_once_with_a_queued_job(client, curator, first):
    client.force_login(curator)
    response = upload_new_version(client, first)  # on-commit callbacks not run: no worker has it yet
    job = Job.objects.get()
    assert response.status_code == 302
    assert response["Location"] == job.get_absolute_url()
    assert (job.kind, job.status, job.params["new_version_of"]) == (
        Job.Kind.NEW_VERSION,
        Job.Status.QUEUED,
        str(first.uuid),
    )
    assert Report.objects.count() == 1


def test_the_job_imports_the_version_and_carries_the_annotations(
    client, curator, first, django_capture_on_commit_callbacks
):
    client.force_login(curator)
    with django_capture_on_commit_callbacks(execute=True):
        response = upload_new_version(client, first)
    second = Report.objects.get(version_number=2)
    assert list(passage(second, "bilateral").tags.names()) == ["SCO"]
    page = client.get(response["Location"]).content.decode()
    assert "Version 2 imported. Carried over 1 tag links" in page
    assert second.get_absolute_url() in page


def test_a_failed_new_version_job_leaves_the_old_version_latest(
    client, curator, first, django_capture_on_commit_callbacks
):
    client.force_login(curator)
    with django_capture_on_commit_callbacks(execute=True):
        upload_new_version(client, first, name="same.md", content=V1.encode())
    job = Job.objects.get()
    assert job.status == Job.Status.FAILED
    assert "already version 1" in job.message
    first.refresh_from_db()
    assert first.is_latest
    assert Report.objects.count() == 1


def test_a_new_version_of_a_report_deleted_meanwhile_fails_the_job_and_saves_nothing(
    client, curator, first, django_capture_on_commit_callbacks
):
    client.force_login(curator)
    upload_new_version(client, first)
    job = Job.objects.get()
    first.delete()
    jobs.run_job(job.pk)
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert "no longer there" in job.message
    assert not Report.objects.exists()


def test_an_unsupported_new_version_is_refused_at_once_without_a_job(client, curator, first):
    client.force_login(curator)
    response = upload_new_version(client, first, name="evil.exe", content=b"MZ")
    assert response.status_code == 302
    assert response["Location"] == first.get_absolute_url()
    assert not Job.objects.exists()
    assert "unsupported file type" in client.get(first.get_absolute_url()).content.decode()


def test_only_curators_upload_a_new_version(client, annotator, first):
    client.force_login(annotator)
    assert upload_new_version(client, first).status_code == 403
    assert not Job.objects.exists()


# --- An orphaned highlight's source links -----------------------------------------------------------


@pytest.fixture
def orphaned_link(workspace, curator, annotator):
    """A highlight on "steadily", which version 2 rewrites ("quickly"), citing a source."""
    old = imported(workspace, V1, curator)
    findings = passage(old, "grown")
    start = findings.text.index("steadily")
    highlight = highlight_create(passage=findings, start=start, end=start + 8, user=annotator)
    source = Source.objects.create(workspace=workspace, url="https://example.org/trade", title="Trade figures")
    SourceLink.objects.create(passage=findings, source=source, highlight=highlight, added_by=annotator)
    new = imported(workspace, V2, curator, new_version_of=old)
    return new, Orphan.objects.get(report=new, highlight=highlight), source


def test_an_orphaned_highlights_source_link_waits_with_it(orphaned_link):
    new, _, source = orphaned_link
    assert not SourceLink.objects.filter(passage__report=new, source=source).exists()


def test_the_old_version_keeps_the_orphaned_highlights_link(orphaned_link):
    _, orphan, source = orphaned_link
    assert SourceLink.objects.get(source=source, passage__report__version_number=1).highlight == orphan.highlight


def test_needs_review_shows_the_orphaned_highlights_source_links(client, curator, orphaned_link):
    new, orphan, source = orphaned_link
    client.force_login(curator)
    page = client.get(reverse("annotations:report-orphans", args=[new.uuid])).content.decode()
    assert "Trade figures" in page
    assert 'href="https://example.org/trade"' in page


def test_placing_the_orphan_brings_its_source_link_on_the_highlight(orphaned_link, curator):
    new, orphan, source = orphaned_link
    target = passage(new, "grown")
    orphan.highlight.exact = "quickly"  # the curator vouches for the passage; the words are found again
    orphan.highlight.save(update_fields=["exact"])
    orphan_place(orphan=orphan, passage=target, user=curator)
    link = SourceLink.objects.get(passage=target, source=source)
    assert target.text[link.highlight.start : link.highlight.end] == "quickly"
