"""Integer parameters from the query string: huge, negative or malformed values answer 400 or are
clamped, never 500."""

import pytest
from django.urls import reverse

HUGE = "9999999999999999999999999"
INTEGERS = [HUGE, "-" + HUGE, "99999999999999999999", "1e9", "0x10", "１２", "12abc", ""]


@pytest.mark.parametrize("value", INTEGERS)
@pytest.mark.parametrize("view", ["annotations:report-read", "annotations:report-passages"])
def test_reading_view_offsets_are_clamped(client, viewer, report, view, value):
    client.force_login(viewer)
    response = client.get(reverse(view, args=[report.uuid]), {"offset": value})
    assert response.status_code == 200
    assert "Passage number 1 about" in response.content.decode() or view.endswith("passages")


def test_an_offset_past_the_end_shows_the_last_page(client, viewer, report):
    client.force_login(viewer)
    response = client.get(reverse("annotations:report-read", args=[report.uuid]), {"offset": HUGE})
    page = response.content.decode()
    assert "Passage number 3 about" in page
    assert "Show earlier passages" not in page


@pytest.mark.parametrize("value", INTEGERS)
def test_reading_view_section_filter_never_fails(client, viewer, report, value):
    client.force_login(viewer)
    response = client.get(reverse("annotations:report-read", args=[report.uuid]), {"section": value})
    assert response.status_code == 200


@pytest.mark.parametrize("value", [HUGE, "-" + HUGE, "99999999999999999999", "1e9", "abc", "１２"])
@pytest.mark.parametrize(
    "changelist, parameter",
    [
        ("admin:annotations_passage_changelist", "section"),
        ("admin:annotations_passage_changelist", "report__id__exact"),
        ("admin:annotations_section_changelist", "report__id__exact"),
        ("admin:annotations_passage_changelist", "id__exact"),
        ("admin:annotations_comment_changelist", "passage__id__exact"),
        ("admin:annotations_passage_changelist", "p"),
    ],
)
def test_admin_changelists_refuse_huge_integers_without_a_server_error(
    client, staff_curator, report, changelist, parameter, value
):
    client.force_login(staff_curator)
    response = client.get(reverse(changelist), {parameter: value})
    assert response.status_code in (200, 302, 400)
    if response.status_code == 302:  # the admin's own answer to a bad filter: "?e=1"
        assert "e=1" in response["Location"]


@pytest.mark.parametrize(
    "view, data",
    [
        ("annotations:passage-status", {"status": "approved", "version": HUGE}),
        ("annotations:highlight-create", {"start": HUGE, "end": HUGE + "1"}),
        ("annotations:highlight-create", {"start": "0", "end": HUGE}),
        ("annotations:comment-create", {"body": "Hello", "version": HUGE}),
    ],
)
def test_huge_integers_in_panel_forms_are_refused_without_a_server_error(client, curator, report, view, data):
    client.force_login(curator)
    passage = report.passages.first()
    response = client.post(reverse(view, args=[passage.uuid]), data, HTTP_HX_REQUEST="true")
    assert response.status_code in (200, 400)
    passage.refresh_from_db()
    assert passage.status == "open"
    assert not passage.highlights.exists()


def make_long_outline_report(workspace, sections):
    from annotations.models import Passage, Report, Section

    report = Report.objects.create(workspace=workspace, title="Many headings", slug="many-headings")
    rows = Section.objects.bulk_create(
        Section(report=report, order=i, title=f"Heading {i}", level=2) for i in range(1, sections + 1)
    )
    Passage.objects.bulk_create(
        Passage(report=report, section=section, order=i, text=f"Text {i}.") for i, section in enumerate(rows, 1)
    )
    return report


def test_a_long_outline_is_paged(client, viewer, workspace, within_budget):
    report = make_long_outline_report(workspace, 250)
    client.force_login(viewer)
    url = reverse("annotations:report-read", args=[report.uuid])
    first = within_budget(20, client.get, url, shows='#s-100">Heading 100</a>').content.decode()
    assert first.count('<li class="outline-level-2') == 100
    assert 's-101">Heading 101</a>' not in first
    assert "later sections (250 in all)" in first
    assert "earlier sections" not in first

    # The passages' page 201-250 opens with the outline at the sections it holds.
    page_two = client.get(url, {"offset": 200}).content.decode()
    assert '#s-201">Heading 201</a>' in page_two
    assert 's-200">Heading 200</a>' not in page_two

    last = client.get(url, {"outline": HUGE}).content.decode()
    assert last.count('<li class="outline-level-2') == 50
    assert "earlier sections" in last
    assert "later sections" not in last
