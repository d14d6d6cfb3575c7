"""A report uploaded through the API is imported by a background job, as the browser's upload is:
the request answers 202 with the job's URL at once, and the job's status says how it went."""

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from annotations import services
from annotations.models import Job, Membership, Passage, Report, Role

API = "/api/v1"
TEXT = b"A title\n\nFirst paragraph about the SCO.\n\nSecond paragraph.\n"


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    cache.clear()


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def auth(user, **options):
    return {"Authorization": f"Bearer {services.api_token_create(user=user, name='test', **options)[1]}"}


def upload(client, workspace, headers, name="brief.txt", content=TEXT, title=""):
    return client.post(
        f"{API}/workspaces/{workspace.slug}/reports/",
        {"file": SimpleUploadedFile(name, content), "title": title},
        headers=headers,
    )


def test_an_api_upload_answers_202_with_a_queued_job(client, workspace, curator):
    response = upload(client, workspace, auth(curator))  # on-commit callbacks not run: no worker has it yet
    job = Job.objects.get()
    assert response.status_code == 202, response.content
    assert response.json()["status"] == "queued"
    assert response.json()["url"] == f"http://testserver{API}/jobs/{job.uuid}/"
    assert response["Location"] == response.json()["url"]
    assert (job.kind, job.created_by, bytes(job.payload)) == (Job.Kind.IMPORT_REPORT, curator, TEXT)
    assert not Report.objects.exists()


def test_the_job_status_gives_the_imported_report(client, workspace, curator, django_capture_on_commit_callbacks):
    headers = auth(curator)
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, workspace, headers, title="A brief")
    status = client.get(response["Location"], headers=headers)
    report = Report.objects.get()
    assert status.status_code == 200
    body = status.json()
    assert (body["status"], body["message"]) == ("succeeded", "Imported “A brief”: 2 passages.")
    assert body["report"]["uuid"] == str(report.uuid)
    assert body["page"] == f"http://testserver{reverse('annotations:job-detail', args=[body['uuid']])}"


def test_the_browser_shows_a_report_uploaded_through_the_api(
    client, workspace, curator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, workspace, auth(curator), title="A brief")
    client.force_login(curator)
    assert "A brief" in client.get(reverse("annotations:report-list", args=[workspace.slug])).content.decode()


def test_a_file_imported_before_says_so_in_the_job(client, workspace, curator, django_capture_on_commit_callbacks):
    headers = auth(curator)
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, workspace, headers)
        again = upload(client, workspace, headers)
    body = client.get(again["Location"], headers=headers).json()
    assert body["message"] == "This file was imported before, as “A title”."
    assert Report.objects.count() == 1


def test_a_failed_import_job_says_why_and_saves_nothing(client, workspace, curator, django_capture_on_commit_callbacks):
    headers = auth(curator)
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, workspace, headers, name="broken.pdf", content=b"%PDF-1.4\n garbage, no PDF")
    body = client.get(response["Location"], headers=headers).json()
    assert body["status"] == "failed"
    assert body["message"].startswith("corrupt PDF")
    assert body["report"] is None
    assert not Passage.objects.exists()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("x.exe", b"MZ", "unsupported file type (.exe)"),
        ("<script>alert(1)</script>.exe", b"MZ", "unsupported file type"),
    ],
)
def test_a_file_refused_at_once_gets_400_and_no_job(client, workspace, curator, name, content, message):
    response = upload(client, workspace, auth(curator), name=name, content=content)
    assert response.status_code == 400
    assert message in response.json()["detail"]
    assert not Job.objects.exists()


def test_an_oversized_file_is_refused_at_once_without_a_job(client, workspace, curator, settings):
    settings.REPORT_MAX_UPLOAD_BYTES = 100
    response = upload(client, workspace, auth(curator), content=b"x" * 101)
    assert response.status_code == 400
    assert not Job.objects.exists()


def test_the_browser_and_the_api_queue_the_same_job(client, workspace, curator):
    upload(client, workspace, auth(curator), title="Via API")
    client.force_login(curator)
    client.post(
        reverse("annotations:report-upload", args=[workspace.slug]),
        {"file": SimpleUploadedFile("brief.txt", TEXT), "title": "Via browser"},
    )
    assert [(j.kind, j.params) for j in Job.objects.order_by("created_at")] == [
        (Job.Kind.IMPORT_REPORT, {"filename": "brief.txt", "title": "Via API"}),
        (Job.Kind.IMPORT_REPORT, {"filename": "brief.txt", "title": "Via browser"}),
    ]


def test_a_job_of_another_workspace_is_not_found(client, workspace, other_workspace, curator, outsider):
    upload(client, workspace, auth(curator))
    job = Job.objects.get()
    assert client.get(f"{API}/jobs/{job.uuid}/", headers=auth(outsider)).status_code == 404


def test_a_token_limited_to_another_workspace_does_not_see_the_job(client, workspace, other_workspace, curator):
    Membership.objects.create(workspace=other_workspace, user=curator, role=Role.CURATOR)
    upload(client, workspace, auth(curator))
    job = Job.objects.get()
    headers = auth(curator, workspace=other_workspace)
    assert client.get(f"{API}/jobs/{job.uuid}/", headers=headers).status_code == 404
