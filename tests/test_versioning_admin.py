"""Works (report series) and orphans in the admin: read-only, scoped to the curator's workspaces,
each orphan linking to the Needs review page where it is placed or dismissed."""

import pytest
from django.urls import reverse

from annotations.importing.load import import_report_file
from annotations.models import Orphan, Work
from annotations.services import highlight_create

from .test_versioning import V1, V2, passage


def imported(workspace, text, user, **kwargs):
    return import_report_file(text.encode(), filename="r.md", workspace=workspace, imported_by=user, **kwargs).report


@pytest.fixture
def ours(workspace, staff_curator, annotator):
    old = imported(workspace, V1, staff_curator)
    energy = passage(old, "pipelines")
    highlight_create(passage=energy, start=0, end=6, user=annotator)
    new = imported(workspace, V2, staff_curator, new_version_of=old)
    return new


@pytest.fixture
def theirs(other_workspace, staff_outsider):
    old = imported(other_workspace, V1.replace("Central Asia", "Their secret series"), staff_outsider)
    highlight_create(passage=passage(old, "pipelines"), start=0, end=6, user=staff_outsider)
    return imported(
        other_workspace, V2.replace("Central Asia", "Their secret series"), staff_outsider, new_version_of=old
    )


def test_the_work_changelist_shows_our_series_with_its_versions(client, staff_curator, ours, theirs):
    client.force_login(staff_curator)
    response = client.get(reverse("admin:annotations_work_changelist"))
    assert list(response.context["cl"].result_list) == [ours.work]
    assert response.context["cl"].result_list[0].version_count == 2


def test_a_work_lists_its_versions(client, staff_curator, ours):
    client.force_login(staff_curator)
    page = client.get(reverse("admin:annotations_work_change", args=[ours.work.pk])).content.decode()
    assert page.count(reverse("admin:annotations_report_change", args=[ours.pk])) >= 1
    assert "Versions" in page


def test_a_work_of_another_workspace_does_not_open(client, staff_curator, theirs):
    client.force_login(staff_curator)
    response = client.get(reverse("admin:annotations_work_change", args=[theirs.work.pk]))
    assert response["Location"] == reverse("admin:index")


def test_the_orphan_changelist_shows_ours_and_links_needs_review(client, staff_curator, ours, theirs):
    client.force_login(staff_curator)
    response = client.get(reverse("admin:annotations_orphan_changelist"))
    mine = Orphan.objects.filter(report=ours)
    assert set(response.context["cl"].result_list) == set(mine)
    page = response.content.decode()
    assert reverse("annotations:report-orphans", args=[ours.uuid]) in page
    assert "Their secret series" not in page


def test_an_orphan_of_another_workspace_does_not_open(client, staff_curator, theirs):
    client.force_login(staff_curator)
    orphan = Orphan.objects.filter(report=theirs).first()
    response = client.get(reverse("admin:annotations_orphan_change", args=[orphan.pk]))
    assert response["Location"] == reverse("admin:index")


def test_works_and_orphans_are_read_only(client, staff_curator, ours):
    client.force_login(staff_curator)
    orphan = Orphan.objects.filter(report=ours).first()
    for name, pk in (("work", ours.work.pk), ("orphan", orphan.pk)):
        assert client.get(reverse(f"admin:annotations_{name}_add")).status_code == 403
        assert client.post(reverse(f"admin:annotations_{name}_change", args=[pk]), {}).status_code == 403
    assert (
        client.post(reverse("admin:annotations_work_delete", args=[ours.work.pk]), {"post": "yes"}).status_code == 403
    )
    assert Work.objects.filter(pk=ours.work.pk).exists()


def test_deleting_a_version_in_the_admin_deletes_its_orphans(client, staff_curator, ours):
    client.force_login(staff_curator)
    response = client.post(reverse("admin:annotations_report_delete", args=[ours.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not Orphan.objects.filter(report_id=ours.pk).exists()


@pytest.mark.parametrize("size", [1, 15])
def test_the_orphan_changelist_query_count_does_not_grow(
    client, staff_curator, workspace, annotator, size, django_assert_max_num_queries
):
    old = imported(workspace, V1, staff_curator)
    energy = passage(old, "pipelines")
    for k in range(size):
        highlight_create(passage=energy, start=k, end=k + 12, user=annotator)
    new = imported(workspace, V2, staff_curator, new_version_of=old)
    client.force_login(staff_curator)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("admin:annotations_orphan_changelist"))
    assert response.status_code == 200
    assert response.content.decode().count(reverse("annotations:report-orphans", args=[new.uuid])) == size
