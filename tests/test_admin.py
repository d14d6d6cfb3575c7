"""The curation admin: actions, filters, links, the codebook form and history."""

import json
from datetime import UTC, datetime

import pytest
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.management import call_command
from django.urls import reverse

from annotations import demo, services
from annotations.models import (
    Comment,
    Highlight,
    Job,
    Orphan,
    Passage,
    Report,
    Source,
    SourceLink,
    Tag,
    TaggedHighlight,
    TaggedPassage,
    Work,
    Workspace,
)

from .conftest import log_in_with_password, make_member, make_report


def changelist(model_name):
    return reverse(f"admin:annotations_{model_name}_changelist")


def choose_action(client, model_name, action, objects, query=""):
    """The first click: the action picked from the changelist's drop-down."""
    data = {"action": action, "index": 0, ACTION_CHECKBOX_NAME: [o.pk for o in objects]}
    return client.post(changelist(model_name) + query, data)


def apply_action(client, model_name, action, objects, **fields):
    """The second click, on an action's intermediate page."""
    data = {"action": action, "apply": "yes", ACTION_CHECKBOX_NAME: [o.pk for o in objects], **fields}
    return client.post(changelist(model_name), data)


def listed(client, model_name, query=""):
    response = client.get(changelist(model_name) + query)
    assert response.status_code == 200
    return list(response.context["cl"].result_list)


def messages_of(response):
    return [str(m) for m in response.wsgi_request._messages]


@pytest.fixture
def curator_client(client, staff_curator):
    client.force_login(staff_curator)
    return client


@pytest.fixture
def passages(report):
    return list(report.passages.order_by("order"))


# --- The index -------------------------------------------------------------------------------


def test_index_is_grouped_for_researchers(curator_client, admin_client):
    response = curator_client.get(reverse("admin:index"))
    html = response.content.decode()
    assert "Report annotation workbench — curation" in html
    for group in ("Reports and passages", "Discussion", "Sources", "Codebook", "Teams", "History"):
        assert group in html
    assert "Codebook tags" in html
    assert "Recent changes" in html
    assert b"Taggit" not in admin_client.get(reverse("admin:index")).content  # taggit's unused Tag model
    app_page = curator_client.get(reverse("admin:app_list", args=["annotations"])).content.decode()
    assert "Reports and passages" in app_page


# --- Passage status actions ------------------------------------------------------------------


@pytest.mark.parametrize(
    "action, status",
    [("mark_approved", "approved"), ("mark_in_review", "in_review"), ("mark_flagged", "flagged")],
)
def test_status_actions_set_status_and_record_history(curator_client, staff_curator, passages, action, status):
    response = choose_action(curator_client, "passage", action, passages[:2])
    assert response.status_code == 302
    assert [p.status for p in Passage.objects.order_by("order")] == [status, status, "open"]
    changed = passages[0].history.first()
    assert changed.status == status
    assert changed.history_user == staff_curator


# --- Tag actions -----------------------------------------------------------------------------


def test_add_tag_asks_for_the_tag_then_matches_it_regardless_of_case(
    curator_client, staff_curator, passages, workspace
):
    Tag.objects.create(workspace=workspace, name="SCO")
    services.passage_add_tag(passage=passages[0], name="sco")
    page = choose_action(curator_client, "passage", "add_tag", passages)
    assert page.status_code == 200
    assert b"Add a tag to passages" in page.content
    assert TaggedPassage.objects.count() == 1

    response = apply_action(curator_client, "passage", "add_tag", passages, name="sco")
    assert response.status_code == 302
    assert "Tagged 2 passage(s) with “SCO”." in messages_of(response)
    assert Tag.objects.count() == 1
    assert TaggedPassage.objects.filter(tag__name="SCO").count() == 3
    assert TaggedPassage.objects.get(content_object=passages[2]).added_by == staff_curator


def test_add_tag_creates_a_new_tag_and_rejects_an_empty_name(curator_client, passages):
    page = apply_action(curator_client, "passage", "add_tag", passages, name="")
    assert page.status_code == 200
    assert "This field is required." in page.content.decode()
    apply_action(curator_client, "passage", "add_tag", passages[:1], name="  Water   security ")
    assert list(passages[0].tags.values_list("name", flat=True)) == ["Water security"]


def test_remove_tag_offers_only_carried_tags(curator_client, passages, workspace):
    for passage in passages[:2]:
        services.passage_add_tag(passage=passage, name="Xinjiang")
    Tag.objects.create(workspace=workspace, name="Unused")
    page = choose_action(curator_client, "passage", "remove_tag", passages)
    assert list(page.context["form"].fields["tag"].queryset) == [Tag.objects.get(name="Xinjiang")]
    response = apply_action(
        curator_client, "passage", "remove_tag", passages[:1], tag=Tag.objects.get(name="Xinjiang").pk
    )
    assert "Removed “Xinjiang” from 1 passage(s)." in messages_of(response)
    assert list(TaggedPassage.objects.values_list("content_object", flat=True)) == [passages[1].pk]


def test_remove_tag_warns_when_nothing_is_tagged(curator_client, passages):
    response = choose_action(curator_client, "passage", "remove_tag", passages)
    assert response.status_code == 302
    assert "None of the selected passages carries a tag." in messages_of(response)


def test_merge_tags_moves_links_without_duplicates_and_records_history(
    curator_client, staff_curator, passages, workspace
):
    sco = Tag.objects.create(workspace=workspace, name="SCO", description="Shanghai Cooperation Organisation.")
    alias = Tag.objects.create(workspace=workspace, name="Shanghai org", description="The SCO, spelled out.")
    services.passage_add_tag(passage=passages[0], name="SCO")
    services.passage_add_tag(passage=passages[0], name="Shanghai org")  # carries both
    services.passage_add_tag(passage=passages[1], name="Shanghai org")
    highlight = services.highlight_create(passage=passages[2], start=0, end=7, tags=["Shanghai org"])

    page = choose_action(curator_client, "tag", "merge_tags", [sco, alias])
    assert page.status_code == 200
    assert b"Merge tags" in page.content
    response = apply_action(curator_client, "tag", "merge_tags", [sco, alias], survivor=sco.pk)

    assert "Merged 1 tag(s) into “SCO”." in messages_of(response)
    assert list(Tag.objects.values_list("name", flat=True)) == ["SCO"]
    assert sorted(TaggedPassage.objects.values_list("content_object", flat=True)) == [passages[0].pk, passages[1].pk]
    assert TaggedHighlight.objects.get().content_object == highlight
    sco.refresh_from_db()
    assert sco.description == "Shanghai Cooperation Organisation.\n\nThe SCO, spelled out."
    latest = sco.history.first()
    assert latest.history_change_reason == "Merged Shanghai org"
    assert latest.history_user == staff_curator


def test_merge_tag_into_itself_changes_nothing(curator_client, passages, workspace):
    sco = Tag.objects.create(workspace=workspace, name="SCO")
    services.passage_add_tag(passage=passages[0], name="SCO")
    response = apply_action(curator_client, "tag", "merge_tags", [sco], survivor=sco.pk)
    assert "Pick at least one tag other than the surviving tag to merge into it." in messages_of(response)
    assert Tag.objects.get() == sco
    assert TaggedPassage.objects.count() == 1


def test_merge_survivor_must_be_among_the_selected_tags(curator_client, workspace):
    sco, alias, other = (Tag.objects.create(workspace=workspace, name=n) for n in ("SCO", "S.C.O.", "Other"))
    page = apply_action(curator_client, "tag", "merge_tags", [sco, alias], survivor=other.pk)
    assert page.status_code == 200
    assert "Select a valid choice" in page.content.decode()
    assert Tag.objects.count() == 3


def test_delete_unused_tags_keeps_tags_in_use(curator_client, passages, workspace):
    used = Tag.objects.create(workspace=workspace, name="Used")
    orphan = Tag.objects.create(workspace=workspace, name="Orphan")
    services.passage_add_tag(passage=passages[0], name="Used")
    page = choose_action(curator_client, "tag", "delete_unused", [used, orphan])
    assert page.context["unused"] == [orphan]
    assert page.context["kept"] == [used]
    response = apply_action(curator_client, "tag", "delete_unused", [used, orphan])
    assert "Deleted 1 unused tag(s): Orphan." in messages_of(response)
    assert list(Tag.objects.all()) == [used]


def test_curators_delete_tags_of_their_own_codebook_only(curator_client, workspace, other_workspace):
    ours = Tag.objects.create(workspace=workspace, name="SCO")
    theirs = Tag.objects.create(workspace=other_workspace, name="SCO")
    for tag in (theirs, ours):  # another workspace's tag "does not exist" here: a redirect, nothing deleted
        response = curator_client.post(reverse("admin:annotations_tag_delete", args=[tag.pk]), {"post": "yes"})
        assert response.status_code == 302
    assert list(Tag.objects.all()) == [theirs]


# --- The codebook form -----------------------------------------------------------------------


def test_tag_form_refuses_a_name_differing_only_in_case(curator_client, workspace):
    Tag.objects.create(workspace=workspace, name="SCO")
    add = reverse("admin:annotations_tag_add")
    response = curator_client.post(add, {"workspace": workspace.pk, "name": "sco", "color": "#1d4ed8"})
    assert response.status_code == 200
    assert "The codebook already has a tag with this name." in response.content.decode()
    assert Tag.objects.count() == 1


def test_tag_form_refuses_a_rename_onto_another_tag(curator_client, workspace):
    Tag.objects.create(workspace=workspace, name="SCO")
    energy = Tag.objects.create(workspace=workspace, name="Energy")
    change = reverse("admin:annotations_tag_change", args=[energy.pk])
    response = curator_client.post(change, {"name": "sco", "color": "#1d4ed8"})
    assert "The codebook already has a tag with this name." in response.content.decode()
    assert Tag.objects.get(pk=energy.pk).name == "Energy"


def test_tag_form_saves_a_new_tag_and_checks_the_colour(curator_client, workspace):
    add = reverse("admin:annotations_tag_add")
    bad = curator_client.post(add, {"workspace": workspace.pk, "name": "Energy", "color": "blue"})
    assert "Give the colour as # and six hex digits" in bad.content.decode()
    curator_client.post(
        add,
        {"workspace": workspace.pk, "name": " Energy  policy ", "color": "#1d4ed8", "description": "Oil, gas, power."},
    )
    tag = Tag.objects.get()
    assert (tag.workspace, tag.name, tag.slug, tag.color) == (workspace, "Energy policy", "energy-policy", "#1d4ed8")


def test_tag_changelist_shows_swatch_and_usage_counts(curator_client, passages):
    services.passage_add_tag(passage=passages[0], name="SCO")
    services.highlight_create(passage=passages[1], start=0, end=7, tags=["SCO"])
    services.passage_add_tag(passage=passages[1], name="SCO")
    [tag] = listed(curator_client, "tag")
    assert (tag.passage_count, tag.highlight_count, tag.report_count) == (2, 1, 0)
    assert 'background:#6b7280"' in curator_client.get(changelist("tag")).content.decode()


# --- Sources ---------------------------------------------------------------------------------


def make_source(workspace, url, title=None, **fields):
    return Source.objects.create(workspace=workspace, url=url, title=title or url, **fields)


def test_merge_sources_by_hand_moves_links_and_keeps_one_per_relation(curator_client, workspace, passages):
    keep = make_source(workspace, "https://example.org/report", "Report")
    dup = make_source(workspace, "https://example.org/report-pdf", "Report (PDF)", doi="10.1/x", notes="Via PDF.")
    services.source_link_create(passage=passages[0], source=keep)
    services.source_link_create(passage=passages[0], source=dup)  # same passage and relation: one link stays
    services.source_link_create(passage=passages[1], source=dup, relation="supports")

    page = choose_action(curator_client, "source", "merge_sources", [keep, dup])
    assert page.status_code == 200
    assert b"Merge sources" in page.content
    response = apply_action(curator_client, "source", "merge_sources", [keep, dup], survivor=keep.pk)

    assert "Merged 1 source(s) into “Report”." in messages_of(response)
    assert list(Source.objects.all()) == [keep]
    assert sorted(SourceLink.objects.values_list("passage__order", "relation")) == [(1, "cites"), (2, "supports")]
    keep.refresh_from_db()
    assert (keep.doi, keep.notes) == ("10.1/x", "Via PDF.")


def test_merge_sources_of_two_workspaces_is_refused(admin_client, workspace, other_workspace):
    ours = make_source(workspace, "https://example.org/a")
    theirs = make_source(other_workspace, "https://example.org/a")
    response = apply_action(admin_client, "source", "merge_sources", [ours, theirs], survivor=ours.pk)
    assert "Only sources of the same workspace can be merged." in messages_of(response)
    assert Source.objects.count() == 2


def test_merge_same_address_groups_http_https_and_www(curator_client, workspace, passages):
    first = make_source(workspace, "http://www.example.org/testimony/")
    linked = make_source(workspace, "https://example.org/testimony")
    alone = make_source(workspace, "https://example.org/other")
    services.source_link_create(passage=passages[0], source=linked)
    selection = [first, linked, alone]

    page = choose_action(curator_client, "source", "merge_same_address", selection)
    [group] = page.context["groups"]
    assert group == [linked, first]  # the source with links stays
    apply_action(curator_client, "source", "merge_same_address", selection)
    assert set(Source.objects.all()) == {linked, alone}
    assert SourceLink.objects.get().source == linked


def test_merge_same_address_without_duplicates_says_so(curator_client, workspace):
    sources = [make_source(workspace, "https://a.example/"), make_source(workspace, "https://b.example/")]
    response = choose_action(curator_client, "source", "merge_same_address", sources)
    assert "No two selected sources share an address." in messages_of(response)


def test_source_link_form_refuses_a_source_of_another_workspace(admin_client, passages, other_workspace):
    foreign = make_source(other_workspace, "https://example.org/x")
    response = admin_client.post(
        reverse("admin:annotations_sourcelink_add"),
        {"passage": passages[0].pk, "source": foreign.pk, "relation": "cites"},
    )
    assert "The source belongs to another workspace than the passage." in response.content.decode()
    assert not SourceLink.objects.exists()


def test_source_link_form_refuses_a_highlight_of_another_passage(admin_client, workspace, passages):
    source = make_source(workspace, "https://example.org/x")
    elsewhere = services.highlight_create(passage=passages[1], start=0, end=7)
    response = admin_client.post(
        reverse("admin:annotations_sourcelink_add"),
        {"passage": passages[0].pk, "source": source.pk, "relation": "cites", "highlight": elsewhere.pk},
    )
    assert "The highlight belongs to another passage." in response.content.decode()
    assert not SourceLink.objects.exists()


def test_passage_form_keeps_the_section_in_the_report(admin_client, workspace, passages):
    other_section = make_report(workspace, passages=1, title="Other").sections.get()
    passage = passages[0]
    response = admin_client.post(
        reverse("admin:annotations_passage_change", args=[passage.pk]),
        {
            "report": passage.report_id,
            "section": other_section.pk,
            "order": 1,
            "kind": "paragraph",
            "text": passage.text,
            "footnotes": "[]",
            "status": "open",
        },
    )
    assert "The section belongs to another report." in response.content.decode()


def test_source_links_to_the_passages_citing_it(curator_client, workspace, passages):
    source = make_source(workspace, "https://example.org/a", "Testimony")
    services.source_link_create(passage=passages[1], source=source)
    services.source_link_create(passage=passages[1], source=source, relation="supports")
    html = curator_client.get(changelist("source")).content.decode()
    link = changelist("passage") + f"?source={source.uuid}"
    assert f'href="{link}"' in html
    assert listed(curator_client, "passage", f"?source={source.uuid}") == [passages[1]]
    assert listed(curator_client, "passage", "?source=not-a-uuid") == []


# --- Comments --------------------------------------------------------------------------------


def test_resolve_threads_resolves_the_thread_of_a_reply(curator_client, curator, passages):
    thread = services.comment_create(passage=passages[0], author=curator, body="Is this the SCO?")
    reply = services.comment_create(passage=passages[0], author=curator, body="Yes.", parent=thread)
    other = services.comment_create(passage=passages[1], author=curator, body="Check the date.")
    response = choose_action(curator_client, "comment", "resolve_threads", [reply, other])
    assert "Resolved 2 thread(s)." in messages_of(response)
    assert list(Comment.objects.filter(resolved=True).order_by("id")) == [thread, other]


def test_comment_form_keeps_replies_on_their_passage(admin_client, curator, passages):
    thread = services.comment_create(passage=passages[0], author=curator, body="Thread")
    response = admin_client.post(
        reverse("admin:annotations_comment_add"), {"passage": passages[1].pk, "parent": thread.pk, "body": "Reply"}
    )
    assert "A reply must be on the same passage as its thread." in response.content.decode()


def test_comment_added_in_a_passage_inline_is_signed_by_the_curator(curator_client, staff_curator, passages):
    passage = passages[0]
    url = reverse("admin:annotations_passage_change", args=[passage.pk])
    form = curator_client.get(url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None and name != "footnotes"}
    data |= {"footnotes": "[]", "report": passage.report_id, "section": passage.section_id}
    for prefix in ("tag_links", "highlights", "comments", "source_links"):
        data |= {f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0}
    data |= {"comments-TOTAL_FORMS": 1, "comments-0-body": "Check against the transcript.", "comments-0-passage": ""}
    response = curator_client.post(url, data)
    assert response.status_code == 302, response.context["errors"] if response.context else response
    assert Comment.objects.get().author == staff_curator
    passage.refresh_from_db()
    assert passage.version == 2  # so an edit open in the reading view meanwhile is refused


def test_comment_added_in_the_admin_is_signed_by_the_curator(curator_client, staff_curator, passages):
    response = curator_client.post(
        reverse("admin:annotations_comment_add"), {"passage": passages[0].pk, "body": "Source for this?"}
    )
    assert response.status_code == 302
    assert Comment.objects.get().author == staff_curator


# --- Export ----------------------------------------------------------------------------------


def test_export_selected_passages_as_a_fixture_that_loads_back(curator_client, curator, workspace, passages, tmp_path):
    services.passage_add_tag(passage=passages[0], name="SCO", user=curator)
    highlight = services.highlight_create(passage=passages[0], start=0, end=7, user=curator, tags=["Central Asia"])
    thread = services.comment_create(passage=passages[0], author=curator, body="Thread")
    services.comment_create(passage=passages[0], author=curator, body="Reply", parent=thread)
    source = make_source(workspace, "https://example.org/a", "Testimony")
    services.source_link_create(passage=passages[0], source=source, user=curator)

    response = choose_action(curator_client, "passage", "export_fixture", passages[:1])
    assert response["Content-Disposition"].startswith('attachment; filename="annotations-')
    rows = json.loads(response.content)
    assert {row["model"] for row in rows} >= {"annotations.person", "annotations.passage", "annotations.taggedpassage"}
    users = [row["fields"] for row in rows if row["model"] == "annotations.person"]
    assert users
    assert all(u["password"] == "!" and "email" not in u and not u["is_staff"] for u in users)
    assert [row["fields"]["text"] for row in rows if row["model"] == "annotations.passage"] == [passages[0].text]

    fixture = tmp_path / "selection.json"
    fixture.write_bytes(response.content)
    Workspace.objects.all().delete()
    Tag.objects.all().delete()
    call_command("loaddata", str(fixture), verbosity=0)
    passage = Passage.objects.get()
    assert passage.uuid == passages[0].uuid
    assert [t.name for t in passage.tags.all()] == ["SCO"]
    assert Highlight.objects.get().uuid == highlight.uuid
    assert [t.name for t in Highlight.objects.get().tags.all()] == ["Central Asia"]
    assert Comment.objects.get(parent__isnull=False).parent.uuid == thread.uuid
    assert SourceLink.objects.get().source.uuid == source.uuid


def test_export_selected_reports_includes_all_their_passages(curator_client, report):
    response = choose_action(curator_client, "report", "export_fixture", [report])
    rows = json.loads(response.content)
    assert sum(row["model"] == "annotations.passage" for row in rows) == 3
    assert [row["fields"]["title"] for row in rows if row["model"] == "annotations.report"] == [report.title]


# --- Filters ---------------------------------------------------------------------------------


def test_passage_filters_by_workspace_report_and_section(curator_client, workspace, passages):
    second = make_report(workspace, passages=2, title="Second report")
    assert len(listed(curator_client, "passage", f"?report__workspace__id__exact={workspace.pk}")) == 5
    assert listed(curator_client, "passage", f"?report__id__exact={second.pk}") == list(second.passages.all())
    section = second.sections.get()
    page = curator_client.get(changelist("passage") + f"?report__id__exact={second.pk}")
    section_filter = next(spec for spec in page.context["cl"].filter_specs if spec.title == "section")
    assert section_filter.lookup_choices == [(str(section.pk), "1. Introduction")]
    assert listed(curator_client, "passage", f"?section={section.pk}") == list(second.passages.all())


def test_passage_filters_by_status_kind_and_created_date(curator_client, passages):
    services.passage_set_status(passage=passages[0], status="flagged")
    Passage.objects.filter(pk=passages[1].pk).update(kind="note", created_at=datetime(2020, 1, 1, tzinfo=UTC))
    assert listed(curator_client, "passage", "?status__exact=flagged") == [passages[0]]
    assert listed(curator_client, "passage", "?kind__exact=note") == [passages[1]]
    assert len(listed(curator_client, "passage", "?created_at__gte=2021-01-01T00:00:00%2B00:00")) == 2


def test_passage_filters_by_tag(curator_client, passages):
    tag = services.passage_add_tag(passage=passages[2], name="Ürümqi !!!")
    assert listed(curator_client, "passage", f"?tag={tag.uuid}") == [passages[2]]
    assert listed(curator_client, "passage", "?tag=not-a-uuid") == []


def test_passage_filters_by_comments(curator_client, curator, passages):
    services.comment_create(passage=passages[0], author=curator, body="Open")
    resolved = services.comment_create(passage=passages[1], author=curator, body="Done")
    services.comment_set_resolved(comment=resolved, resolved=True)
    gone = services.comment_create(passage=passages[2], author=curator, body="Deleted")
    services.comment_delete(comment=gone)
    assert listed(curator_client, "passage", "?comments=yes") == passages[:2]
    assert listed(curator_client, "passage", "?comments=open") == passages[:1]
    assert listed(curator_client, "passage", "?comments=no") == passages[2:]


def test_passage_filters_by_who_annotated(curator_client, workspace, passages):
    anna = make_member(workspace, "anna", "annotator")
    bob = make_member(workspace, "bob", "annotator")
    services.comment_create(passage=passages[0], author=anna, body="Hm")
    services.passage_add_tag(passage=passages[1], name="SCO", user=bob)
    services.highlight_create(passage=passages[2], start=0, end=7, user=anna)
    assert listed(curator_client, "passage", "?author=anna") == [passages[0], passages[2]]
    assert listed(curator_client, "passage", "?author=bob") == [passages[1]]


def test_comment_filters_by_thread_state_and_author(curator_client, workspace, curator, passages):
    anna = make_member(workspace, "anna", "annotator")
    thread = services.comment_create(passage=passages[0], author=anna, body="Open thread")
    reply = services.comment_create(passage=passages[0], author=curator, body="Reply", parent=thread)
    done = services.comment_set_resolved(
        comment=services.comment_create(passage=passages[1], author=curator, body="Done"), resolved=True
    )
    gone = services.comment_delete(comment=services.comment_create(passage=passages[2], author=curator, body="x"))
    assert listed(curator_client, "comment", "?thread=open") == [thread]
    assert listed(curator_client, "comment", "?thread=resolved") == [done]
    assert listed(curator_client, "comment", "?thread=reply") == [reply]
    assert listed(curator_client, "comment", "?thread=deleted") == [gone]
    assert listed(curator_client, "comment", f"?author__id__exact={anna.pk}") == [thread]


def test_tag_filter_by_usage(curator_client, passages, workspace):
    services.passage_add_tag(passage=passages[0], name="Used")
    orphan = Tag.objects.create(workspace=workspace, name="Orphan")
    assert listed(curator_client, "tag", "?usage=unused") == [orphan]
    assert [t.name for t in listed(curator_client, "tag", "?usage=used")] == ["Used"]


def test_search_finds_passages_comments_and_sources(curator_client, curator, workspace, passages):
    Passage.objects.filter(pk=passages[0].pk).update(text="Kazakhstan pipelines")
    services.comment_create(passage=passages[1], author=curator, body="Compare with Uzbekistan.")
    make_source(workspace, "https://think.example/csis-brief", "Brief")
    assert [p.pk for p in listed(curator_client, "passage", "?q=kazakhstan")] == [passages[0].pk]
    assert len(listed(curator_client, "comment", "?q=uzbekistan")) == 1
    assert len(listed(curator_client, "source", "?q=csis")) == 1


# --- Links to the app ------------------------------------------------------------------------


def test_passage_links_to_its_place_in_the_reading_view(curator_client, report, passages):
    html = curator_client.get(changelist("passage")).content.decode()
    assert f'href="/r/{report.uuid}/?at={passages[0].uuid}#p-{passages[0].uuid}"' in html


# --- History ---------------------------------------------------------------------------------


def test_passage_history_page_shows_field_diffs(curator_client, passages):
    passages[0].save()  # make_report bulk-creates passages, without history: this is the first row
    services.passage_set_status(passage=passages[0], status="approved")
    response = curator_client.get(reverse("admin:annotations_passage_history", args=[passages[0].pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "<strong>Status:</strong> open &nbsp;&rarr;&nbsp;&nbsp;approved" in " ".join(html.split())


@pytest.fixture
def changes(curator, workspace, passages):
    """A tagged, commented, status-changed passage and a new source, each with history."""
    anna = make_member(workspace, "anna", "annotator")
    passages[0].save()  # make_report bulk-creates passages, without history: this is the first row
    services.passage_set_status(passage=passages[0], status="flagged")
    services.comment_create(passage=passages[0], author=anna, body="Why flagged?")
    make_source(workspace, "https://example.org/a", "Testimony")
    Tag.objects.create(workspace=workspace, name="SCO")
    return passages


def test_recent_changes_lists_changes_across_records_with_diffs(curator_client, changes):
    response = curator_client.get(reverse("admin:recent_changes"))
    assert response.status_code == 200
    kinds = [c.kind for c in response.context["changes"]]
    assert kinds[:4] == ["Codebook tag", "Source", "Comment", "Passage"]
    passage_change = response.context["changes"][3]
    assert ("status", "Open", "Flagged") in passage_change.changes


def test_recent_changes_shows_a_footnotes_edit(curator_client, changes):
    passage = changes[0]
    passage.footnotes = ["3", "4"]
    passage.save()
    response = curator_client.get(reverse("admin:recent_changes"))
    assert response.status_code == 200
    latest = response.context["changes"][0]
    assert latest.kind == "Passage"
    assert ("footnotes", [], ["3", "4"]) in latest.changes
    assert all(name != "changed at" for name, _old, _new in latest.changes)


def test_recent_changes_filters_by_kind_user_and_date(curator_client, curator, changes):
    url = reverse("admin:recent_changes")
    only_comments = curator_client.get(url, {"model": "comment"}).context["changes"]
    assert [c.kind for c in only_comments] == ["Comment"]
    Comment.objects.get().history.update(history_user=curator)
    by_carl = curator_client.get(url, {"user": "carl"}).context["changes"]
    assert [c.kind for c in by_carl] == ["Comment"]
    assert curator_client.get(url, {"until": "2000-01-01"}).context["changes"] == []
    assert len(curator_client.get(url, {"since": "2000-01-01"}).context["changes"]) == 6


def test_report_change_page_shows_progress_and_sections(curator_client, report):
    services.passage_set_status(passage=report.passages.first(), status="approved")
    html = curator_client.get(reverse("admin:annotations_report_change", args=[report.pk])).content.decode()
    assert "3 passages, 0 (0%) tagged, 1 approved, 0 open comment threads" in html
    assert "Introduction" in html


def test_report_changelist_counts_progress(curator_client, report):
    services.passage_add_tag(passage=report.passages.first(), name="SCO")
    [row] = listed(curator_client, "report")
    assert (row.passage_count, row.tagged_count) == (3, 1)
    assert Report.objects.count() == 1


def test_every_admin_page_renders_for_a_curator(curator_client, curator, workspace, passages):
    """Each registered model's changelist, add page and change page render; highlights are made in
    the reading view and workspaces by superusers, so curators may not add those here."""
    services.passage_add_tag(passage=passages[0], name="SCO", user=curator)
    highlight = services.highlight_create(passage=passages[0], start=0, end=7, user=curator, tags=["SCO"])
    services.comment_create(passage=passages[0], author=curator, body="On the span", highlight=highlight)
    source = make_source(workspace, "https://example.org/a", "Testimony")
    services.source_link_create(passage=passages[0], source=source, user=curator)
    # Jobs, works and orphans are read-only here: the worker, the importer and Needs review make them.
    report = passages[0].report
    Job.objects.create(workspace=workspace, kind=Job.Kind.IMPORT_REPORT, created_by=curator, report=report)
    Work.objects.create(workspace=workspace, title=report.title)
    Orphan.objects.create(report=report, passage=passages[0], highlight=highlight, reason="Its words changed.")
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label != "annotations":
            continue
        name = model._meta.model_name
        assert curator_client.get(reverse(f"admin:annotations_{name}_changelist")).status_code == 200, name
        facets = curator_client.get(reverse(f"admin:annotations_{name}_changelist") + "?_facets=True")
        assert facets.status_code == 200, name
        add = curator_client.get(reverse(f"admin:annotations_{name}_add")).status_code
        assert add == (403 if name in {"highlight", "workspace", "job", "work", "orphan"} else 200), name
        obj = model_admin.model.objects.first()
        assert curator_client.get(reverse(f"admin:annotations_{name}_change", args=[obj.pk])).status_code == 200, name


def test_demo_curator_reviews_merges_and_exports_in_the_admin(db, client):
    """The issue's "done when", on the demo report: review by status, merge two tags, merge two
    duplicate sources, export a selection."""
    report = demo.build_demo()
    log_in_with_password(client, "demo", demo.DEMO_PASSWORD)
    flagged = listed(client, "passage", "?status__exact=flagged")
    assert flagged
    assert {p.status for p in flagged} == {"flagged"}
    choose_action(client, "passage", "mark_approved", flagged)
    assert not report.passages.filter(status="flagged").exists()

    sco, evils = Tag.objects.get(name="SCO"), Tag.objects.get(name="three evils")
    carrying = set(TaggedPassage.objects.filter(tag__in=[sco, evils]).values_list("content_object", flat=True))
    apply_action(client, "tag", "merge_tags", [sco, evils], survivor=sco.pk)
    assert set(TaggedPassage.objects.filter(tag=sco).values_list("content_object", flat=True)) == carrying

    rats = Source.objects.get(url="https://ecrats.org/en/")
    copy = make_source(report.workspace, "http://www.ecrats.org/en", "RATS (copy)")
    services.source_link_create(passage=report.passages.get(order=1), source=copy)
    links = SourceLink.objects.filter(source__in=[rats, copy]).count()
    apply_action(client, "source", "merge_same_address", [rats, copy])
    assert not Source.objects.filter(pk=copy.pk).exists()
    assert SourceLink.objects.filter(source=rats).count() == links

    response = choose_action(client, "passage", "export_fixture", list(report.passages.filter(status="approved")))
    exported = [row for row in json.loads(response.content) if row["model"] == "annotations.passage"]
    assert len(exported) == report.passages.filter(status="approved").count()
