import pytest
from django.templatetags.static import static
from django.urls import reverse

from annotations import services
from annotations.models import Membership, Passage, Role, Tag
from annotations.reading import PAGE_SIZE
from tests.conftest import make_annotated_report, make_member, make_report


def read_url(report, **params):
    from urllib.parse import urlencode

    url = reverse("annotations:report-read", args=[report.uuid])
    return f"{url}?{urlencode(params, doseq=True)}" if params else url


def passage_ids(response):
    return [str(p.uuid) for p in response.context["passages"]]


def test_anonymous_users_are_sent_to_the_login_page(client, report):
    response = client.get(read_url(report))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_login_page_is_styled_and_logs_in(client, viewer):
    page = client.get(reverse("login"))
    assert b"app.css" in page.content
    assert b'autocomplete="current-password"' in page.content
    response = client.post(reverse("login"), {"username": "vera", "password": "pw-for-tests-only"})
    assert response.status_code == 302


def test_password_change_changes_the_password(client, viewer):
    client.force_login(viewer)
    assert b"Your password must contain" in client.get(reverse("password_change")).content
    new = {"new_password1": "a-long-new-passphrase", "new_password2": "a-long-new-passphrase"}
    response = client.post(reverse("password_change"), {"old_password": "pw-for-tests-only", **new}, follow=True)
    assert b"Your new password is in place" in response.content
    viewer.refresh_from_db()
    assert viewer.check_password("a-long-new-passphrase")


def test_home_redirects_a_member_of_one_workspace_to_its_reports(client, viewer):
    client.force_login(viewer)
    response = client.get(reverse("annotations:home"))
    assert response["Location"] == reverse("annotations:report-list", args=["central-asia"])


def test_home_lists_the_workspaces_of_a_member_of_several(client, viewer, other_workspace):
    Membership.objects.create(workspace=other_workspace, user=viewer, role=Role.VIEWER)
    client.force_login(viewer)
    response = client.get(reverse("annotations:home"))
    assert response.status_code == 200
    assert [w.slug for w in response.context["workspaces"]] == ["central-asia", "other"]


def test_report_list_shows_progress(client, viewer, reading_report):
    services.passage_set_status(passage=reading_report.passages.get(order=3), status="approved")
    client.force_login(viewer)
    response = client.get(reverse("annotations:report-list", args=["central-asia"]))
    [row] = response.context["reports"]
    assert (row.passage_count, row.tagged_count, row.approved_count, row.open_thread_count) == (20, 2, 1, 2)
    assert b"10% tagged" in response.content
    assert b"5% approved" in response.content
    assert row.last_activity >= reading_report.created_at


def test_report_list_filters_and_sorts(client, viewer, workspace):
    make_report(workspace, title="Energy corridors")
    make_report(workspace, title="Border security")
    client.force_login(viewer)
    response = client.get(reverse("annotations:report-list", args=["central-asia"]), {"q": "energy"})
    assert [r.title for r in response.context["reports"]] == ["Energy corridors"]
    response = client.get(reverse("annotations:report-list", args=["central-asia"]), {"sort": "title"})
    assert [r.title for r in response.context["reports"]] == ["Border security", "Energy corridors"]


def test_outsiders_get_404_for_another_workspace(client, outsider, reading_report):
    client.force_login(outsider)
    passage = reading_report.passages.first()
    for url in [
        reverse("annotations:report-list", args=["central-asia"]),
        read_url(reading_report),
        reverse("annotations:report-passages", args=[reading_report.uuid]),
        reverse("annotations:report-heatmap", args=[reading_report.uuid]),
        reverse("annotations:tag-list", args=["central-asia"]),
        reverse("annotations:tag-detail", args=["central-asia", Tag.objects.get(name="Security").uuid]),
        reverse("annotations:workspace-activity", args=["central-asia"]),
        reverse("annotations:passage-detail", args=[passage.uuid]),
        reverse("annotations:passage-panel", args=[passage.uuid]),
        reverse("annotations:passage-history", args=[passage.uuid]),
    ]:
        assert client.get(url).status_code == 404, url


def test_staff_status_reads_no_workspace_superusers_read_all(client, reading_report, django_user_model):
    staff = django_user_model.objects.create_user("sam", password="x", is_staff=True)
    client.force_login(staff)
    assert client.get(read_url(reading_report)).status_code == 404
    root = django_user_model.objects.create_user("root", password="x", is_staff=True, is_superuser=True)
    client.force_login(root)
    response = client.get(read_url(reading_report))
    assert response.status_code == 200
    assert response.context["can_curate"] is True


def test_reading_view_shows_passages_in_order_with_anchors_chips_marks_and_notes(client, viewer, reading_report):
    client.force_login(viewer)
    response = client.get(read_url(reading_report))
    html = response.content.decode()
    passages = list(reading_report.passages.order_by("order"))
    assert passage_ids(response) == [str(p.uuid) for p in passages]
    assert f'id="p-{passages[0].uuid}"' in html
    assert 'class="chip" style="background:#' in html
    assert ">Security</a>" in html
    assert html.count("<mark") == 3  # two overlapping highlights: three runs
    assert '<mark class="hl2" data-h="0 1"' in html
    note = passages[-1]
    assert f'<a class="fn-ref" href="#p-{note.uuid}"' in html
    assert "The note&#x27;s text." in html
    assert "3 comments" in html
    assert "1 source" in html
    assert "2 highlights" in html
    assert response.context["sections"][0].match_count == 19
    assert response.context["sections"][0].tagged_count == 2


def test_passage_text_is_rendered_verbatim_inside_its_element(client, viewer, reading_report):
    """annotate.js counts characters of the text element: it must hold exactly passage.text."""
    import re
    from html import unescape

    client.force_login(viewer)
    html = client.get(read_url(reading_report)).content.decode()
    passage = reading_report.passages.get(order=1)
    element = re.search(rf'data-passage-text="{passage.uuid}">(.*?)</span><sup', html).group(1)
    assert unescape(re.sub(r"<[^>]+>", "", element)) == passage.text


def test_status_badge_shows_review_states(client, viewer, reading_report):
    services.passage_set_status(passage=reading_report.passages.get(order=2), status="flagged")
    client.force_login(viewer)
    assert b'class="badge badge-flagged">Flagged' in client.get(read_url(reading_report)).content


def test_user_text_is_escaped_in_the_reading_view(client, viewer, workspace):
    report = make_report(workspace, passages=1)
    Passage.objects.filter(report=report).update(text="<script>alert(1)</script>")
    client.force_login(viewer)
    html = client.get(read_url(report)).content.decode()
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)" in html


@pytest.mark.parametrize(
    ("params", "orders"),
    [
        ({"tag": "security"}, [1]),
        ({"tag": ["Security", "Energy"]}, []),
        ({"status": "approved"}, [3]),
        ({"open": "1"}, [1]),
        ({"by": "anna"}, [1, 2]),
        ({"q": "passage 4:"}, [4]),
        ({"section": "2"}, [20]),
        ({"tag": "Energy", "by": "anna"}, [2]),
    ],
)
def test_reading_view_filters(client, viewer, reading_report, params, orders):
    services.passage_set_status(passage=reading_report.passages.get(order=3), status="approved")
    client.force_login(viewer)
    response = client.get(read_url(reading_report, **params))
    assert [p.order for p in response.context["passages"]] == orders
    assert response.context["filters"].active


def test_filters_are_kept_in_load_more_and_outline_links(client, viewer, workspace, annotator):
    report = make_annotated_report(workspace, annotator, passages=PAGE_SIZE + 50)
    client.force_login(viewer)
    html = client.get(read_url(report, q="the")).content.decode()
    assert f'passages/?q=the&amp;offset={PAGE_SIZE}"' in html
    assert f'?q=the&amp;offset={PAGE_SIZE}#s-2"' in html  # the notes section starts on the second page


def test_each_tag_filter_chip_removes_that_tag_and_keeps_the_other_filters(client, viewer, reading_report):
    client.force_login(viewer)
    html = client.get(read_url(reading_report, tag=["Security", "Energy & co"], status="open")).content.decode()
    assert 'href="?tag=Energy+%26+co&amp;status=open" aria-label="Remove tag filter Security"' in html
    assert 'href="?tag=Security&amp;status=open" aria-label="Remove tag filter Energy &amp; co"' in html


def test_long_reports_load_in_chunks(client, viewer, workspace, annotator):
    report = make_annotated_report(workspace, annotator, passages=PAGE_SIZE + 50)
    client.force_login(viewer)
    first = client.get(read_url(report))
    assert len(first.context["passages"]) == PAGE_SIZE
    assert first.context["next_offset"] == PAGE_SIZE
    chunk = client.get(reverse("annotations:report-passages", args=[report.uuid]), {"offset": PAGE_SIZE})
    assert [p.order for p in chunk.context["passages"]] == list(range(PAGE_SIZE + 1, PAGE_SIZE + 51))
    assert chunk.context["next_offset"] is None
    assert b"<html" not in chunk.content
    assert b'<h2 id="s-2"' in chunk.content
    later = client.get(read_url(report, offset=PAGE_SIZE))
    assert later.context["passages"][0].order == PAGE_SIZE + 1
    assert b"Show earlier passages" in later.content


@pytest.mark.parametrize("size", [20, 500])
def test_reading_view_query_count_does_not_grow_with_passages(
    client, viewer, workspace, annotator, size, within_budget
):
    report = make_annotated_report(workspace, annotator, passages=size)
    for passage in report.passages.all()[:30]:
        services.passage_add_tag(passage=passage, name=f"Tag {passage.order % 4}", user=annotator)
        services.comment_create(passage=passage, author=annotator, body="Note")
    client.force_login(viewer)
    first = report.passages.order_by("order").first()
    shown = f'id="p-{first.uuid}"'
    within_budget(13, client.get, read_url(report), shows=shown)  # every fragment rendered (cold cache)
    response = within_budget(8, client.get, read_url(report), shows=shown)  # every fragment from the cache
    assert response.content.decode().count('<article id="p-') == min(size, PAGE_SIZE)
    chunk = reverse("annotations:report-passages", args=[report.uuid])
    response = within_budget(6, client.get, chunk, {"offset": 0}, shows=shown)
    assert response.content.decode().count('<article id="p-') == min(size, PAGE_SIZE)


@pytest.mark.parametrize("reports", [1, 25])
def test_report_list_query_count_does_not_grow_with_reports(client, viewer, workspace, reports, within_budget):
    for i in range(reports):
        make_report(workspace, passages=5, title=f"Report {i}")
    client.force_login(viewer)
    report_list = reverse("annotations:report-list", args=["central-asia"])
    response = within_budget(6, client.get, report_list, shows=f"Report {reports - 1}")
    assert len(response.context["reports"]) == reports


def test_viewers_see_no_annotation_controls(client, viewer, reading_report):
    client.force_login(viewer)
    html = client.get(read_url(reading_report)).content.decode()
    assert "selection-toolbar" not in html
    assert ">Details<" in html


def test_workspace_switcher_lists_only_own_workspaces(client, viewer, other_workspace):
    make_member(other_workspace, "olga", Role.VIEWER)
    client.force_login(viewer)
    html = client.get(reverse("annotations:report-list", args=["central-asia"])).content.decode()
    assert "Central Asia team" in html
    assert "Other team" not in html


def test_a_link_to_a_passage_opens_the_chunk_that_holds_it(client, viewer, workspace, annotator):
    report = make_annotated_report(workspace, annotator, passages=PAGE_SIZE + 50)
    late = report.passages.get(order=PAGE_SIZE + 30)
    client.force_login(viewer)
    assert late.get_absolute_url() == f"{read_url(report)}?at={late.uuid}#p-{late.uuid}"
    response = client.get(read_url(report, at=str(late.uuid)))
    assert response.context["offset"] == PAGE_SIZE
    assert f'id="p-{late.uuid}"' in response.content.decode()
    assert client.get(read_url(report, at="not-a-uuid")).context["offset"] == 0
    assert client.get(read_url(report, at=str(late.uuid), q="nothing like it")).context["offset"] == 0


def test_favicon_redirects_to_the_static_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    # The icon's URL as the static storage names it (hashed once collectstatic has run).
    assert response["Location"] == static("annotations/favicon.svg")


def test_empty_reports_and_empty_results_say_so(client, viewer, workspace):
    report = make_report(workspace, passages=0)
    client.force_login(viewer)
    assert b"This report has no passages." in client.get(read_url(report)).content
    assert b"No passage matches these filters." in client.get(read_url(report, q="x")).content
