"""Background jobs: the upload answers at once, the job page shows progress and then the outcome,
a failed job saves nothing, a job whose worker died is shown failed."""

import socket
import subprocess
import sys

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from annotations import jobs
from annotations.models import Job, Passage, Report

TEXT = b"A title\n\nFirst paragraph about the SCO.\n\nSecond paragraph.\n"


def upload(client, name, content):
    return client.post(
        reverse("annotations:report-upload", args=["central-asia"]), {"file": SimpleUploadedFile(name, content)}
    )


def test_an_upload_answers_at_once_with_a_queued_job(client, curator):
    client.force_login(curator)
    response = upload(client, "brief.txt", TEXT)  # on-commit callbacks not run: no worker has it yet
    job = Job.objects.get()
    assert response.status_code == 302
    assert response["Location"] == job.get_absolute_url()
    assert job.status == Job.Status.QUEUED
    assert job.created_by == curator
    assert bytes(job.payload) == TEXT
    assert not Report.objects.exists()
    page = client.get(job.get_absolute_url()).content.decode()
    assert "Waiting for a worker" in page
    assert f'hx-get="{job.get_absolute_url()}" hx-trigger="every 1s"' in page


def test_the_job_page_polls_until_the_job_has_run_then_shows_the_result(client, curator):
    client.force_login(curator)
    upload(client, "brief.txt", TEXT)
    job = Job.objects.get()
    jobs.run_job(job.pk)  # JOBS_IMMEDIATE: runs here, as a worker would
    fragment = client.get(job.get_absolute_url(), headers={"HX-Request": "true"}).content.decode()
    report = Report.objects.get()
    assert fragment.startswith('<section id="job"')
    assert "hx-trigger" not in fragment
    assert "Imported “A title”: 2 passages." in fragment
    assert report.get_absolute_url() in fragment
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED
    assert job.report == report
    assert job.payload in (b"", memoryview(b""))
    assert job.phase == "writing passages"
    assert job.done == job.total == 2


def test_a_failed_job_shows_the_reason_and_saves_nothing(client, curator, django_capture_on_commit_callbacks):
    client.force_login(curator)
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, "broken.pdf", b"%PDF-1.4\n garbage that is no PDF at all")
    job = Job.objects.get()
    assert job.status == Job.Status.FAILED
    assert job.message.startswith("corrupt PDF")
    page = client.get(response["Location"]).content.decode()
    assert "broken.pdf: corrupt PDF" in page
    assert not Report.objects.exists()
    assert not Passage.objects.exists()


def test_an_unsupported_file_is_refused_at_once_without_a_job(client, curator):
    client.force_login(curator)
    response = upload(client, "report.exe", b"MZ")
    assert response.status_code == 400
    assert "report.exe: unsupported file type (.exe)" in response.content.decode()
    assert not Job.objects.exists()


def dead_pid():
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_a_job_whose_worker_died_is_shown_failed(client, curator, workspace):
    job = Job.objects.create(
        workspace=workspace,
        kind=Job.Kind.IMPORT_REPORT,
        status=Job.Status.RUNNING,
        worker=f"{socket.gethostname()}:{dead_pid()}",
        params={"filename": "big.txt"},
    )
    client.force_login(curator)
    page = client.get(job.get_absolute_url()).content.decode()
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert job.message == jobs.WORKER_DIED
    assert "big.txt: The worker running this job stopped" in page


def test_a_starting_worker_fails_the_jobs_of_dead_workers_on_its_machine_only(workspace):
    def running(worker):
        return Job.objects.create(
            workspace=workspace, kind=Job.Kind.IMPORT_REPORT, status=Job.Status.RUNNING, worker=worker
        )

    dead = running(f"{socket.gethostname()}:{dead_pid()}")
    alive = running(f"{socket.gethostname()}:{jobs.os.getpid()}")
    elsewhere = running("another-machine:1234")
    jobs.fail_orphans()
    statuses = {job.pk: job.status for job in Job.objects.all()}
    assert statuses == {dead.pk: "failed", alive.pk: "running", elsewhere.pk: "running"}


def test_a_job_is_claimed_once(workspace):
    job = jobs.enqueue(Job.Kind.IMPORT_REPORT, workspace=workspace, payload=TEXT, params={"filename": "a.txt"})
    jobs.run_job(job.pk)
    jobs.run_job(job.pk)  # queued twice (a retry, a second worker): the second finds it taken
    job.refresh_from_db()
    assert job.message.startswith("Imported “A title”")
    assert Report.objects.count() == 1
