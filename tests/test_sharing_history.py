"""Tag-link history (issue 12, item 7): who added, removed or merged which tag on passages and
highlights, and when, in the passage history and in the admin's Recent changes; Recent changes
pages, can hide imported changes and says who changed each record ("import" for imports)."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from annotations import services
from annotations.admin_site import recent_changes
from annotations.models import Tag
from tests.conftest import make_member, make_report


@pytest.fixture
def passage(workspace):
    return make_report(workspace).passages.order_by("order").first()


def history_html(client, user, passage):
    client.force_login(user)
    response = client.get(reverse("annotations:passage-history", args=[passage.uuid]))
    assert response.status_code == 200
    return response.content.decode()


def test_removing_a_tag_from_a_passage_says_who_and_which_tag(client, annotator, curator, passage):
    tag = services.passage_add_tag(passage=passage, name="SCO", user=annotator)
    client.force_login(curator)
    response = client.post(
        reverse("annotations:passage-tag-remove", args=[passage.uuid]), {"tag": tag.uuid}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    html = history_html(client, curator, passage)
    assert "<strong>carl</strong> removed tag SCO" in html
    assert "<strong>anna</strong> tagged SCO" in html


def test_tags_added_to_many_passages_at_once_are_recorded(client, annotator, workspace, passage):
    tag = Tag.objects.create(workspace=workspace, name="Xinjiang")
    services.passages_add_tag(passages=[passage], tag=tag, user=annotator)
    assert "<strong>anna</strong> tagged Xinjiang" in history_html(client, annotator, passage)


def test_highlight_tags_added_and_removed_are_in_the_passage_history(client, annotator, passage):
    highlight = services.highlight_create(passage=passage, start=0, end=7, user=annotator, tags=["SCO"])
    services.highlight_remove_tag(highlight=highlight, tag=highlight.tags.get())
    html = history_html(client, annotator, passage)
    assert "tagged SCO on the highlight “Passage”" in html
    assert "removed tag SCO from the highlight “Passage”" in html


def test_a_tag_merge_is_in_the_history_of_the_passages_it_touched(client, annotator, workspace, passage):
    services.passage_add_tag(passage=passage, name="S.C.O.", user=annotator)
    survivor = Tag.objects.create(workspace=workspace, name="SCO")
    services.tags_merge(survivor=survivor, merged=[Tag.objects.get(name="S.C.O.")])
    assert "tag S.C.O. merged into SCO" in history_html(client, annotator, passage)


@pytest.fixture
def staff_client(client, staff_curator):
    client.force_login(staff_curator)
    return client


def recent(client, **params):
    response = client.get(reverse("admin:recent_changes"), params)
    assert response.status_code == 200
    return response


def test_recent_changes_list_tag_links_with_who(staff_client, annotator, passage):
    tag = services.passage_add_tag(passage=passage, name="SCO", user=annotator)
    services.passage_remove_tag(passage=passage, tag=tag)
    changes = recent(staff_client, model="taggedpassage").context["changes"]
    assert [(c.record.history_type, c.changed_by) for c in changes] == [("-", "—"), ("+", "anna")]
    assert "SCO" in changes[0].label


def test_recent_changes_page_on_past_the_first_page(staff_client, annotator, workspace, monkeypatch):
    monkeypatch.setattr(recent_changes, "LIMIT", 5)
    passages = list(make_report(workspace, passages=12).passages.order_by("order"))
    for passage in passages:
        services.passage_add_tag(passage=passage, name="SCO", user=annotator)
    seen = []
    params = {"model": "taggedpassage"}
    while True:
        response = recent(staff_client, **params)
        seen += [c.record.history_id for c in response.context["changes"]]
        if not response.context["older"]:
            break
        params = {"model": "taggedpassage", "before": response.context["older"]}
    assert len(seen) == 12
    assert len(set(seen)) == 12


def test_a_malformed_page_cursor_shows_the_first_page(staff_client, annotator, passage):
    services.passage_add_tag(passage=passage, name="SCO", user=annotator)
    for hostile in ["x", "2026-13-01T00:00:00|9|1", "<script>", "1" * 5000, "2026-01-01T00:00:00|x|y"]:
        assert len(recent(staff_client, before=hostile).context["changes"]) >= 1


def test_imported_changes_say_import_and_can_be_hidden(staff_client, annotator, workspace, passage, tmp_path):
    services.passage_add_tag(passage=passage, name="SCO", user=annotator)
    path = tmp_path / "share.json"
    call_command("export_fixture", "--all", "-o", str(path))
    other = make_member(workspace, "olga", "curator")
    Tag.objects.get(name="SCO").delete()  # gone here; the import brings the tag and its link back
    call_command("import_fixture", str(path), "--workspace", workspace.slug, stdout=None)
    changes = recent(staff_client, model="taggedpassage").context["changes"]
    assert changes[0].changed_by == "import"
    shown = recent(staff_client, model="taggedpassage", hide_imported="on").context["changes"]
    assert all(c.changed_by != "import" for c in shown)
    assert len(shown) == len(changes) - 1
    assert other.username not in [c.changed_by for c in changes]


def test_recent_changes_has_a_changed_by_column(staff_client, annotator, passage):
    services.passage_add_tag(passage=passage, name="SCO", user=annotator)
    assert "<th>Changed by</th>" in recent(staff_client).content.decode()


def test_tag_names_in_the_histories_are_escaped(client, staff_curator, annotator, passage):
    tag = services.passage_add_tag(passage=passage, name="<img src=x onerror=alert(1)>", user=annotator)
    services.passage_remove_tag(passage=passage, tag=tag)
    passage_history = history_html(client, annotator, passage)
    client.force_login(staff_curator)
    for html in [passage_history, recent(client).content.decode()]:
        assert "<img src=x" not in html
        assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_recent_changes_list_highlight_and_report_tags_with_links(staff_client, annotator, passage):
    services.highlight_create(passage=passage, start=0, end=7, user=annotator, tags=["SCO"])
    passage.report.tags.add("hearing")
    changes = recent(staff_client).context["changes"]
    kinds = {c.kind: c for c in changes}
    assert kinds["Tag on a highlight"].label == "SCO — Passage"
    assert kinds["Tag on a highlight"].changed_by == "anna"
    assert kinds["Tag on a report"].label == "hearing — A report"
    for change in (kinds["Tag on a highlight"], kinds["Tag on a report"]):
        assert staff_client.get(change.history_url).status_code == 200


@pytest.mark.django_db(transaction=True)
def test_links_made_before_the_history_get_a_created_row():
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    graph = MigrationExecutor(connection).loader.graph
    after = next(key for key in graph.nodes if key[0] == "annotations" and key[1].endswith("_tag_link_history"))
    before = next(node.key for node in graph.node_map[after].parents if node.key[0] == "annotations")
    leaves = graph.leaf_nodes("annotations")

    def migrate(target):
        executor = MigrationExecutor(connection)
        executor.migrate([target])
        executor.loader.build_graph()
        return executor.loader.project_state([target]).apps

    try:
        apps = migrate(before)
        model = apps.get_model
        workspace = model("annotations", "Workspace").objects.create(name="W", slug="w")
        report = model("annotations", "Report").objects.create(workspace=workspace, title="R", slug="r")
        passage = model("annotations", "Passage").objects.create(report=report, order=1, text="Text")
        user = model("auth", "User").objects.create(username="early")
        tag = model("annotations", "Tag").objects.create(workspace=workspace, name="SCO", slug="sco")
        link = model("annotations", "TaggedPassage").objects.create(content_object=passage, tag=tag, added_by=user)
        model("annotations", "TaggedReport").objects.create(content_object=report, tag=tag)

        apps = migrate(after)
        [row] = apps.get_model("annotations", "HistoricalTaggedPassage").objects.all()
        assert (row.id, row.history_type, row.history_user_id) == (link.pk, "+", user.pk)
        assert row.history_date == link.created_at
        assert apps.get_model("annotations", "HistoricalTaggedReport").objects.count() == 1
    finally:
        MigrationExecutor(connection).migrate(leaves)
