"""Jobs in the admin: read-only, and only those of the workspaces the staff user curates."""

import pytest
from django.urls import reverse

from annotations.models import Job


@pytest.fixture
def our_job(workspace, staff_curator):
    return Job.objects.create(
        workspace=workspace,
        kind=Job.Kind.EXPORT_FIXTURE,
        created_by=staff_curator,
        status=Job.Status.SUCCEEDED,
        message="Exported 12 records.\nSecond line.",
        result=b"[]",
        result_name="central-asia.json",
        params={"filename": "<script>alert(1)</script>.json"},
    )


@pytest.fixture
def their_job(other_workspace, staff_outsider):
    return Job.objects.create(
        workspace=other_workspace, kind=Job.Kind.IMPORT_REPORT, created_by=staff_outsider, message="Their secret job"
    )


def test_curators_see_the_jobs_of_their_workspaces_only(client, staff_curator, our_job, their_job):
    client.force_login(staff_curator)
    page = client.get(reverse("admin:annotations_job_changelist")).content.decode()
    assert "Exported 12 records." in page
    assert "Their secret job" not in page


def test_a_job_of_another_workspace_does_not_open(client, staff_curator, their_job):
    client.force_login(staff_curator)
    response = client.get(reverse("admin:annotations_job_change", args=[their_job.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")


def test_a_job_shows_its_outcome_and_links_its_page(client, staff_curator, our_job):
    client.force_login(staff_curator)
    page = client.get(reverse("admin:annotations_job_change", args=[our_job.pk])).content.decode()
    assert our_job.get_absolute_url() in page
    assert "Download and outcome" in page
    assert "<script>alert(1)" not in page


def test_jobs_cannot_be_added_changed_or_deleted_in_the_admin(client, staff_curator, our_job):
    client.force_login(staff_curator)
    assert client.get(reverse("admin:annotations_job_add")).status_code == 403
    assert client.post(reverse("admin:annotations_job_change", args=[our_job.pk]), {}).status_code == 403
    assert client.post(reverse("admin:annotations_job_delete", args=[our_job.pk]), {"post": "yes"}).status_code == 403
    assert Job.objects.filter(pk=our_job.pk).exists()


def test_the_changelist_does_not_load_payloads_or_results(
    client, staff_curator, workspace, django_assert_max_num_queries
):
    for k in range(30):
        Job.objects.create(workspace=workspace, kind=Job.Kind.IMPORT_REPORT, payload=b"x" * 1000, message=f"Job {k}")
    client.force_login(staff_curator)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("admin:annotations_job_changelist"))
    assert response.status_code == 200
    assert "Job 29" in response.content.decode()


def test_jobs_are_found_by_their_outcome_or_file_name(client, staff_curator, our_job, their_job):
    client.force_login(staff_curator)
    for query in ("12 records", "script"):
        response = client.get(reverse("admin:annotations_job_changelist"), {"q": query})
        assert list(response.context["cl"].result_list) == [our_job], query
