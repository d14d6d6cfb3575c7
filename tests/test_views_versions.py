"""The browser side of versions: uploading one, reading old ones, Needs review, comparing."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from annotations.importing.load import import_report_file
from annotations.models import Job, Orphan, Report, Source, SourceLink
from annotations.services import comment_create, highlight_create, passage_add_tag

from .test_versioning import BILATERAL, ENERGY, V1, V2, passage


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def imported(workspace, text, user, filename="r.md", **kwargs):
    return import_report_file(text.encode(), filename=filename, workspace=workspace, imported_by=user, **kwargs).report


@pytest.fixture
def two_versions(workspace, curator, annotator):
    old = imported(workspace, V1, curator)
    passage_add_tag(passage=passage(old, "pipelines"), name="Energy", user=annotator)
    passage_add_tag(passage=passage(old, "bilateral"), name="SCO", user=annotator)
    new = imported(workspace, V2, curator, new_version_of=old)
    old.refresh_from_db()
    return old, new


def test_reading_view_names_the_version_and_links_the_others(client, viewer, two_versions):
    old, new = two_versions
    client.force_login(viewer)
    page = client.get(old.get_absolute_url()).content.decode()
    assert "version 1</strong> of 2" in page
    assert "read-only" in page
    assert new.get_absolute_url() in page
    assert "the newest" in page
    assert "Upload a new version" not in page
    latest = client.get(new.get_absolute_url()).content.decode()
    assert "version 2</strong> of 2" in latest
    assert old.get_absolute_url() in latest
    assert reverse("annotations:report-compare", args=[new.uuid]) in latest


def test_old_versions_offer_no_annotation_forms_and_refuse_writes(client, annotator, two_versions):
    old, _ = two_versions
    client.force_login(annotator)
    target = passage(old, "bilateral")
    panel = client.get(reverse("annotations:passage-panel", args=[target.uuid])).content.decode()
    assert 'name="body"' not in panel
    for name, data in [
        ("passage-tag-add", {"name": "Late"}),
        ("comment-create", {"body": "Late"}),
        ("highlight-create", {"start": 0, "end": 5}),
    ]:
        assert client.post(reverse(f"annotations:{name}", args=[target.uuid]), data).status_code == 403
    assert not target.tag_links.filter(tag__name="Late").exists()


def test_curators_see_the_upload_action_on_the_newest_version(client, curator, two_versions):
    _, new = two_versions
    client.force_login(curator)
    page = client.get(new.get_absolute_url()).content.decode()
    assert "Upload a new version" in page
    assert "Import as version 3" in page
    assert reverse("annotations:report-orphans", args=[new.uuid]) in page


def test_uploading_a_new_version_carries_annotations_and_opens_it(
    client, curator, two_versions, django_capture_on_commit_callbacks
):
    _, new = two_versions
    client.force_login(curator)
    upload = SimpleUploadedFile("v3.md", (V2 + "\nA closing remark.\n").encode())
    with django_capture_on_commit_callbacks(execute=True):  # the job runs in the request (JOBS_IMMEDIATE)
        response = client.post(reverse("annotations:report-new-version", args=[new.uuid]), {"file": upload})
    third = Report.objects.get(version_number=3)
    job_page = client.get(response["Location"]).content.decode()
    assert third.get_absolute_url() in job_page
    assert "Version 3 imported. Carried over 1 tag links" in job_page
    assert list(passage(third, "bilateral").tags.names()) == ["SCO"]


def test_uploading_a_bad_file_as_new_version_says_why_and_changes_nothing(
    client, curator, two_versions, django_capture_on_commit_callbacks
):
    _, new = two_versions
    client.force_login(curator)
    for name, data in [("empty.md", b"  "), ("evil.exe", b"MZ\x90\x00"), ("same.md", V2.encode())]:
        upload = SimpleUploadedFile(name, data)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                reverse("annotations:report-new-version", args=[new.uuid]), {"file": upload}, follow=True
            )
        assert response.status_code == 200
        assert name in response.content.decode()
    assert Report.objects.count() == 2
    assert Job.objects.filter(status=Job.Status.FAILED).count() == 2  # empty.md and same.md; evil.exe had none
    new.refresh_from_db()
    assert new.is_latest


def test_report_list_shows_only_the_newest_versions(client, viewer, workspace, two_versions):
    old, new = two_versions
    client.force_login(viewer)
    response = client.get(reverse("annotations:report-list", args=[workspace.slug]))
    assert list(response.context["reports"]) == [new]


@pytest.mark.parametrize("works", [1, 8])
def test_report_list_query_count_does_not_grow_with_versions(
    client, viewer, curator, workspace, works, django_assert_max_num_queries
):
    for n in range(works):
        first = imported(workspace, V1.replace("# Central Asia", f"# Central Asia {n}"), curator)
        imported(workspace, V2.replace("# Central Asia", f"# Central Asia {n}"), curator, new_version_of=first)
    client.force_login(viewer)
    with django_assert_max_num_queries(6):
        response = client.get(reverse("annotations:report-list", args=[workspace.slug]))
    assert response.status_code == 200
    assert len(response.context["reports"]) == works
    assert all(r.version_number == 2 for r in response.context["reports"])


def test_needs_review_lists_orphans_with_old_context_and_candidates(client, curator, two_versions):
    _, new = two_versions
    client.force_login(curator)
    page = client.get(reverse("annotations:report-orphans", args=[new.uuid])).content.decode()
    assert "1 annotation from the previous version could not be placed" in page
    assert ENERGY in page
    assert "Its tags, comment threads and source links wait here" in page
    assert "No passage of this version resembles it" in page
    assert "Dismiss" in page


@pytest.mark.parametrize("size", [1, 12])
def test_needs_review_query_count_does_not_grow_with_orphans(
    client, curator, annotator, workspace, size, django_assert_max_num_queries
):
    old = imported(workspace, V1, curator)
    energy = passage(old, "pipelines")
    for k in range(size):
        highlight_create(passage=energy, start=k, end=k + 12, user=annotator)
    new = imported(workspace, V2, curator, new_version_of=old)
    assert Orphan.objects.filter(report=new).count() == size
    client.force_login(curator)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("annotations:report-orphans", args=[new.uuid]))
    assert response.status_code == 200
    assert response.content.decode().count('class="orphan card"') == size


def test_placing_an_orphan_with_htmx_swaps_in_the_result(client, curator, two_versions):
    _, new = two_versions
    client.force_login(curator)
    orphan = Orphan.objects.get(report=new)
    target = passage(new, "bilateral")
    response = client.post(
        reverse("annotations:orphan-place", args=[orphan.uuid]),
        {"passage": target.uuid},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert "Placed on passage" in response.content.decode()
    assert "Energy" in target.tags.names()


def test_placing_an_orphan_on_a_foreign_or_malformed_passage_is_refused(client, curator, two_versions):
    old, new = two_versions
    client.force_login(curator)
    orphan = Orphan.objects.get(report=new)
    url = reverse("annotations:orphan-place", args=[orphan.uuid])
    for value in ("", "nonsense", "x" * 5000, str(passage(old, "bilateral").uuid), "<script>alert(1)</script>"):
        response = client.post(url, {"passage": value}, headers={"HX-Request": "true"})
        assert response.status_code == 400
        assert "Pick a passage of this version" in response.content.decode()
        assert "<script>alert(1)" not in response.content.decode()
    orphan.refresh_from_db()
    assert orphan.status == "open"


def test_dismissing_an_orphan_removes_it_from_the_list(client, curator, two_versions):
    _, new = two_versions
    client.force_login(curator)
    orphan = Orphan.objects.get(report=new)
    response = client.post(reverse("annotations:orphan-dismiss", args=[orphan.uuid]), follow=True)
    assert "Nothing needs review" in response.content.decode()
    again = client.post(reverse("annotations:orphan-dismiss", args=[orphan.uuid]), headers={"HX-Request": "true"})
    assert again.status_code == 400
    assert "already placed or dismissed" in again.content.decode()


def test_compare_page_shows_added_removed_changed_and_moved(client, viewer, two_versions):
    _, new = two_versions
    client.force_login(viewer)
    response = client.get(reverse("annotations:report-compare", args=[new.uuid]))
    comparison = response.context["comparison"]
    assert comparison.counts["removed"] == 1  # the energy paragraph
    assert comparison.counts["changed"] == 1  # the findings sentence
    assert comparison.counts["moved"] >= 1  # the outlook section came first
    assert comparison.counts["added"] == 1  # the new footnote
    page = response.content.decode()
    assert "<del>steadily</del>" in page
    assert "<ins>quickly</ins>" in page
    assert "Per section" in page


def test_compare_page_filters_to_annotated_passages(client, viewer, two_versions):
    _, new = two_versions
    client.force_login(viewer)
    response = client.get(reverse("annotations:report-compare", args=[new.uuid]), {"annotated": "1"})
    rows = response.context["comparison"].rows
    assert rows
    assert all(row.annotated for row in rows)
    assert {row.kind for row in rows} == {"removed", "unchanged"}  # energy (removed) and bilateral
    assert any(BILATERAL == row.new[0].text for row in rows if row.new)


def test_compare_page_with_a_foreign_version_is_404_and_escapes_text(client, viewer, workspace, curator, two_versions):
    old, new = two_versions
    client.force_login(viewer)
    other = imported(workspace, "# Other\n\nSomething else entirely, at some length here.\n", curator)
    for value in (str(other.uuid), "garbage", str(new.uuid)):
        assert client.get(reverse("annotations:report-compare", args=[new.uuid]), {"with": value}).status_code == 404
    # Plain text keeps angle brackets as text (Markdown would drop the tags).
    evil = imported(workspace, f"Title\n\n<script>alert('x')</script> {BILATERAL}\n", curator, filename="e.txt")
    evil_text = f"Title\n\n<script>alert('y')</script> {BILATERAL}\n"
    evil2 = imported(workspace, evil_text, curator, filename="e.txt", new_version_of=evil)
    page = client.get(reverse("annotations:report-compare", args=[evil2.uuid])).content.decode()
    assert "<script>alert" not in page
    assert "&lt;script&gt;" in page


def test_compare_page_of_a_single_version_says_so(client, viewer, workspace, curator):
    only = imported(workspace, V1, curator)
    client.force_login(viewer)
    response = client.get(reverse("annotations:report-compare", args=[only.uuid]))
    assert response.status_code == 200
    assert "only one version" in response.content.decode()


@pytest.mark.parametrize("extra", [0, 30])
def test_compare_page_query_count_does_not_grow_with_passages(
    client, viewer, workspace, curator, annotator, extra, django_assert_max_num_queries
):
    filler = "".join(f"\nParagraph number {k} adds some more text to this long report.\n" for k in range(extra))
    old = imported(workspace, V1 + filler, curator)
    source = Source.objects.create(workspace=workspace, url="https://example.org/a", title="A")
    for p in old.passages.all():
        comment_create(passage=p, author=annotator, body="seen")
        SourceLink.objects.create(passage=p, source=source)
    new = imported(workspace, V2 + filler, curator, new_version_of=old)
    client.force_login(viewer)
    with django_assert_max_num_queries(16):
        response = client.get(reverse("annotations:report-compare", args=[new.uuid]))
    assert response.status_code == 200
    assert sum(response.context["comparison"].counts.values()) >= extra


def test_an_oversized_new_version_is_refused_before_reading_it(client, curator, two_versions, settings):
    _, new = two_versions
    settings.REPORT_MAX_UPLOAD_BYTES = 100
    client.force_login(curator)
    upload = SimpleUploadedFile("huge.md", b"x" * 5000)
    response = client.post(reverse("annotations:report-new-version", args=[new.uuid]), {"file": upload}, follow=True)
    assert "file too large" in response.content.decode()
    assert Report.objects.count() == 2
