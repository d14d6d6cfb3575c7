"""Every changelist runs the same number of queries for 20 passages as for 500."""

from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from annotations.models import (
    Comment,
    Highlight,
    Membership,
    Passage,
    Source,
    SourceLink,
    Tag,
    TaggedHighlight,
    TaggedPassage,
    TaggedReport,
)

from .conftest import make_report

CHANGELISTS = (
    "report",
    "section",
    "passage",
    "highlight",
    "comment",
    "source",
    "sourcelink",
    "tag",
    "taggedpassage",
    "workspace",
    "membership",
)
# The most any of these pages may run, whatever the rows: session, user, roles, counts, the page
# of rows and one query per filter that lists choices.
CEILING = 16


def populate(workspace, n, user):
    """A report of `n` passages, each tagged, highlighted, commented on (a thread and a reply) and
    linked to a source; a tag and a source per ten passages, a member per twenty; with history."""
    report = make_report(workspace, passages=n, title=f"Report of {n}")
    passages = list(report.passages.all())
    Passage.history.bulk_history_create(passages, default_user=user)
    tags = Tag.objects.bulk_create(
        Tag(workspace=workspace, name=f"r{report.pk} tag {i}", slug=f"r{report.pk}-tag-{i}") for i in range(n // 10)
    )
    Tag.history.bulk_history_create(tags, default_user=user)
    TaggedReport.objects.create(content_object=report, tag=tags[0])
    TaggedPassage.objects.bulk_create(
        TaggedPassage(content_object=p, tag=tags[i % len(tags)], added_by=user) for i, p in enumerate(passages)
    )
    highlights = Highlight.objects.bulk_create(
        Highlight(passage=p, start=0, end=7, exact=p.text[:7], created_by=user) for p in passages
    )
    TaggedHighlight.objects.bulk_create(
        TaggedHighlight(content_object=h, tag=tags[i % len(tags)]) for i, h in enumerate(highlights)
    )
    threads = Comment.objects.bulk_create(Comment(passage=p, author=user, body="Why here?") for p in passages)
    replies = Comment.objects.bulk_create(
        Comment(passage_id=t.passage_id, parent=t, author=user, body="Because.") for t in threads
    )
    Comment.history.bulk_history_create(threads + replies, default_user=user)
    sources = [
        Source.objects.create(workspace=workspace, url=f"https://example.org/r{report.pk}/{i}", title=f"Source {i}")
        for i in range(n // 10)
    ]
    links = SourceLink.objects.bulk_create(
        SourceLink(passage=p, source=sources[i % len(sources)], added_by=user) for i, p in enumerate(passages)
    )
    SourceLink.history.bulk_history_create(links, default_user=user)
    members = get_user_model().objects.bulk_create(
        get_user_model()(username=f"member-{report.pk}-{i}") for i in range(n // 20)
    )
    Membership.objects.bulk_create(Membership(workspace=workspace, user=member) for member in members)
    return report


def queries_for(client, url, shows):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    assert shows in response.content.decode(), url
    return len(queries)


# What each page shows of the rows populate() writes, so an empty or broken page cannot pass.
SHOWN = {
    "report": "Report of 20",
    "section": "Section",
    "passage": "Passage",
    "highlight": "Passage",
    "comment": "Why here?",
    "source": "Source 1",
    "sourcelink": "Source 1",
    "tag": "tag 1",
    "taggedpassage": "tag 1",
    "workspace": "central-asia",
    "membership": "member-",
    "recent_changes": "<td>Created",
}


def test_changelist_queries_do_not_grow_with_rows(client, staff_curator, workspace):
    """Every changelist (and the recent changes page) with 20 passages, then with 500: the same
    data serves every page, as building 500 passages with their history is the slow part."""
    urls = {
        name: reverse("admin:recent_changes" if name == "recent_changes" else f"admin:annotations_{name}_changelist")
        for name in SHOWN
    }
    client.force_login(staff_curator)
    populate(workspace, 20, staff_curator)
    with_20 = {name: queries_for(client, url, SHOWN[name]) for name, url in urls.items()}
    assert {name: n for name, n in with_20.items() if n > CEILING} == {}
    populate(workspace, 480, staff_curator)
    assert Passage.objects.count() == 500
    assert Membership.objects.count() > 20
    with_500 = {name: queries_for(client, url, SHOWN[name]) for name, url in urls.items()}
    grown = {name: (with_20[name], n) for name, n in with_500.items() if n > with_20[name]}
    assert grown == {}


def test_filtered_passage_changelist_stays_within_budget(client, staff_curator, workspace, within_budget):
    client.force_login(staff_curator)
    report = populate(workspace, 500, staff_curator)
    tag = Tag.objects.get(slug=f"r{report.pk}-tag-1")
    query = f"?report__id__exact={report.pk}&comments=open&tag={tag.uuid}&author={staff_curator.username}"
    changelist = reverse("admin:annotations_passage_changelist") + query
    response = within_budget(CEILING, client.get, changelist, shows="10 passages")
    assert response.context["cl"].result_count == 10


def test_fixture_export_queries_do_not_grow_with_rows(client, staff_curator, workspace, within_budget):
    client.force_login(staff_curator)
    url = reverse("admin:annotations_report_changelist")
    small = populate(workspace, 20, staff_curator)
    with CaptureQueriesContext(connection) as queries:
        client.post(url, {"action": "export_fixture", "index": 0, "_selected_action": [small.pk]})
    large = populate(workspace, 480, staff_curator)
    export = {"action": "export_fixture", "index": 0, "_selected_action": [large.pk]}
    response = within_budget(len(queries), client.post, url, export, shows='"annotations.passage"')
    assert sum(row["model"] == "annotations.passage" for row in response.json()) == 480
