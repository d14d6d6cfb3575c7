import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from annotations import services
from annotations.models import Job, Passage, Report, Tag
from tests.conftest import make_annotated_report, make_report


def upload(client, name, content, title=""):
    return client.post(
        reverse("annotations:report-upload", args=["central-asia"]),
        {"file": SimpleUploadedFile(name, content), "title": title},
    )


def test_curators_upload_a_report(client, curator, django_capture_on_commit_callbacks):
    client.force_login(curator)
    text = b"A title\n\nFirst paragraph about the SCO.\n\nSecond paragraph.\n"
    with django_capture_on_commit_callbacks(execute=True):  # the job runs in the request (JOBS_IMMEDIATE)
        response = upload(client, "brief.txt", text, title="Brief")
    report = Report.objects.get()
    job = Job.objects.get()
    assert response.status_code == 302
    assert response["Location"] == job.get_absolute_url()
    assert report.title == "Brief"
    assert report.imported_by == curator
    assert report.passages.exists()
    page = client.get(job.get_absolute_url()).content.decode()
    assert "Imported “Brief”: 2 passages." in page
    assert report.get_absolute_url() in page
    with django_capture_on_commit_callbacks(execute=True):
        again = upload(client, "brief.txt", text)
    assert Report.objects.count() == 1
    assert "This file was imported before, as “Brief”." in client.get(again["Location"]).content.decode()


def test_a_bad_upload_shows_the_reason_and_saves_nothing(client, curator):
    client.force_login(curator)
    response = upload(client, "report.exe", b"MZ\x00\x00")
    assert response.status_code == 400
    assert "report.exe: unsupported file type" in response.content.decode()
    assert not Report.objects.exists()


def test_only_curators_upload(client, annotator, outsider):
    client.force_login(annotator)
    assert upload(client, "a.txt", b"Text.").status_code == 403
    client.force_login(outsider)
    assert upload(client, "a.txt", b"Text.").status_code == 404
    assert not Report.objects.exists()


def test_upload_form_is_shown_to_curators_only(client, curator, viewer, workspace):
    client.force_login(curator)
    assert b"Upload a report" in client.get(reverse("annotations:report-list", args=["central-asia"])).content
    client.force_login(viewer)
    assert b"Upload a report" not in client.get(reverse("annotations:report-list", args=["central-asia"])).content


def test_heat_map_counts_tagged_passages_per_section_and_links_to_the_filtered_text(client, viewer, reading_report):
    services.passage_add_tag(passage=reading_report.passages.get(order=20), name="Security")
    client.force_login(viewer)
    response = client.get(reverse("annotations:report-heatmap", args=[reading_report.uuid]))
    rows = {row["tag"].name: [cell["n"] for cell in row["cells"]] for row in response.context["rows"]}
    assert rows == {"Security": [1, 1], "Energy": [1, 0]}
    assert f"{reading_report.get_absolute_url()}?tag=Security&amp;section=2" in response.content.decode()


def test_heat_map_has_a_column_for_passages_before_the_first_heading(client, viewer, workspace, annotator):
    report = make_report(workspace, passages=3)
    Passage.objects.filter(report=report, order__lt=3).update(section=None)
    for passage in report.passages.all():
        services.passage_add_tag(passage=passage, name="Security", user=annotator)
    client.force_login(viewer)
    response = client.get(reverse("annotations:report-heatmap", args=[report.uuid]))
    [row] = response.context["rows"]
    assert [(c["section"].title, c["n"]) for c in row["cells"]] == [
        ("Before the first heading", 2),
        ("Introduction", 1),
    ]
    link = f"{report.get_absolute_url()}?tag=Security&amp;section=none"
    assert link in response.content.decode()
    reading = client.get(link.replace("&amp;", "&"))
    assert [p.order for p in reading.context["passages"]] == [1, 2]


def test_codebook_counts_usage_per_report_of_the_workspace(client, viewer, workspace, annotator, other_workspace):
    second = make_annotated_report(workspace, annotator, passages=5, title="Second")
    make_annotated_report(other_workspace, annotator, passages=5, title="Elsewhere")
    client.force_login(viewer)
    response = client.get(reverse("annotations:tag-list", args=["central-asia"]))
    security = next(t for t in response.context["tags"] if t.name == "Security")
    assert [r.title for r in response.context["reports"]] == ["Second"]
    assert security.per_report == [1]
    assert security.highlight_total == 1
    assert second.title in response.content.decode()


def test_tag_detail_lists_passages_and_highlights_of_the_workspace_only(
    client, viewer, annotator, reading_report, other_workspace
):
    make_annotated_report(other_workspace, annotator, passages=5, title="Elsewhere")
    client.force_login(viewer)
    security = Tag.objects.get(workspace=reading_report.workspace, name="Security")
    response = client.get(reverse("annotations:tag-detail", args=["central-asia", security.uuid]))
    assert [p.report for p in response.context["passages"]] == [reading_report]
    assert len(response.context["highlights"]) == 1
    html = response.content.decode()
    first = reading_report.passages.get(order=1)
    assert f"#p-{first.uuid}" in html
    assert "Elsewhere" not in html


def test_tag_detail_of_an_unknown_or_foreign_tag_is_404(client, viewer, workspace, other_workspace):
    theirs = Tag.objects.create(workspace=other_workspace, name="Theirs")
    client.force_login(viewer)
    assert client.get(reverse("annotations:tag-detail", args=["central-asia", uuid.uuid4()])).status_code == 404
    assert client.get(reverse("annotations:tag-detail", args=["central-asia", theirs.uuid])).status_code == 404
    assert client.get("/w/central-asia/codebook/nope/").status_code == 404


def test_activity_summarises_each_member(client, viewer, annotator, curator, reading_report):
    client.force_login(viewer)
    response = client.get(reverse("annotations:workspace-activity", args=["central-asia"]))
    members = {m.username: m for m in response.context["members"]}
    anna = members["anna"]
    assert (anna.role, anna.tags_added, anna.highlights_made, anna.comments_written, anna.sources_linked) == (
        "annotator",
        2,
        2,
        3,
        1,
    )
    assert members["carl"].total == 0
    assert anna.bar == 100


@pytest.mark.parametrize("size", [20, 500])
def test_insight_pages_query_count_does_not_grow(client, viewer, workspace, annotator, size, within_budget):
    report = make_annotated_report(workspace, annotator, passages=size)
    for passage in Passage.objects.filter(report=report)[:40]:
        services.passage_add_tag(passage=passage, name=f"Theme {passage.order % 7}", user=annotator)
    client.force_login(viewer)
    heatmap = reverse("annotations:report-heatmap", args=[report.uuid])
    within_budget(8, client.get, heatmap, shows=["Theme 6", "Introduction"])
    within_budget(8, client.get, reverse("annotations:tag-list", args=["central-asia"]), shows=["Theme 6", "Energy"])
    theme = Tag.objects.get(name="Theme 1")
    within_budget(
        8, client.get, reverse("annotations:tag-detail", args=["central-asia", theme.uuid]), shows="Passage 8:"
    )
    within_budget(6, client.get, reverse("annotations:workspace-activity", args=["central-asia"]), shows="anna")
    assert Tag.objects.count() == 9
