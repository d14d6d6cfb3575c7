"""Staff users who are not superusers curate only the workspaces where they are curators."""

import pytest
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from annotations import services
from annotations.models import Comment, Membership, Passage, Source, Tag, TaggedPassage

from .conftest import make_member, make_report

SCOPED_CHANGELISTS = (
    "report",
    "section",
    "passage",
    "highlight",
    "comment",
    "source",
    "sourcelink",
    "taggedpassage",
    "workspace",
    "membership",
)


@pytest.fixture
def ours(workspace, report, curator):
    """One of everything in the curator's workspace."""
    passage = report.passages.first()
    services.passage_add_tag(passage=passage, name="SCO", user=curator)
    services.highlight_create(passage=passage, start=0, end=7, user=curator, tags=["SCO"])
    services.comment_create(passage=passage, author=curator, body="SCO in 2001?")
    source = Source.objects.create(workspace=workspace, url="https://example.org/sco", title="SCO charter")
    services.source_link_create(passage=passage, source=source, user=curator)
    return report


@pytest.fixture
def theirs(other_workspace):
    """The outsider's own report, in their workspace."""
    return make_report(other_workspace, passages=2, title="Their report")


@pytest.fixture
def outsider_client(client, staff_outsider):
    client.force_login(staff_outsider)
    return client


def result_list(client, model_name):
    response = client.get(reverse(f"admin:annotations_{model_name}_changelist"))
    assert response.status_code == 200
    return list(response.context["cl"].result_list)


@pytest.mark.parametrize("model_name", SCOPED_CHANGELISTS)
def test_changelists_hide_other_workspaces(outsider_client, ours, theirs, workspace, model_name):
    model_admin = next(ma for model, ma in admin.site._registry.items() if model._meta.model_name == model_name)
    in_ours = model_admin.model.objects.in_workspaces([workspace.pk])
    assert in_ours.exists(), "the fixture has something of this kind in the other workspace"
    listed = {row.pk for row in result_list(outsider_client, model_name)}
    assert not listed & set(in_ours.values_list("pk", flat=True))


def test_superusers_see_every_workspace(admin_client, ours, theirs):
    assert len(result_list(admin_client, "passage")) == 5


def test_change_and_history_views_of_another_workspace_are_out_of_reach(outsider_client, ours):
    passage = ours.passages.first()
    passage.save()  # gives it history
    change = reverse("admin:annotations_passage_change", args=[passage.pk])
    assert outsider_client.get(change).status_code == 302  # "does not exist", as if it did not
    outsider_client.post(change, {"text": "Vandalised", "report": ours.pk, "order": 1, "status": "approved"})
    passage.refresh_from_db()
    assert (passage.text, passage.status) != ("Vandalised", "approved")
    history = reverse("admin:annotations_passage_history", args=[passage.pk])
    assert outsider_client.get(history).status_code == 403
    source = Source.objects.get()
    assert outsider_client.get(reverse("admin:annotations_source_history", args=[source.pk])).status_code == 403


def autocomplete(client, model_name, field_name, term=""):
    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "annotations", "model_name": model_name, "field_name": field_name, "term": term},
    )
    assert response.status_code == 200
    return {int(result["id"]) for result in response.json()["results"]}


def test_autocomplete_offers_only_curated_rows(outsider_client, ours, theirs, other_workspace):
    assert autocomplete(outsider_client, "comment", "passage", "SCO") == set(
        theirs.passages.values_list("pk", flat=True)
    )
    assert autocomplete(outsider_client, "sourcelink", "source") == set()
    assert autocomplete(outsider_client, "source", "workspace") == {other_workspace.pk}
    assert autocomplete(outsider_client, "passage", "report") == {theirs.pk}
    theirs_tag = Tag.objects.create(workspace=other_workspace, name="SCO")
    assert autocomplete(outsider_client, "taggedpassage", "tag") == {theirs_tag.pk}  # their own codebook only


def test_foreign_key_choices_are_scoped(outsider_client, ours, theirs, workspace):
    response = outsider_client.post(
        reverse("admin:annotations_source_add"),
        {"workspace": workspace.pk, "url": "https://example.org/x", "title": "X", "kind": "other"},
    )
    assert "Select a valid choice" in response.content.decode()
    response = outsider_client.post(
        reverse("admin:annotations_membership_add"), {"workspace": workspace.pk, "user": 1, "role": "curator"}
    )
    assert "Select a valid choice" in response.content.decode()
    assert Source.objects.count() == 1
    assert list(Membership.objects.filter(workspace=workspace).values_list("user__username", flat=True)) == ["carl"]


def test_actions_ignore_rows_of_other_workspaces(outsider_client, ours):
    passages = list(ours.passages.all())
    outsider_client.post(
        reverse("admin:annotations_passage_changelist"),
        {"action": "mark_approved", "index": 0, ACTION_CHECKBOX_NAME: [p.pk for p in passages]},
    )
    outsider_client.post(
        reverse("admin:annotations_passage_changelist"),
        {"action": "add_tag", "apply": "yes", "name": "Hijacked", ACTION_CHECKBOX_NAME: [p.pk for p in passages]},
    )
    outsider_client.post(
        reverse("admin:annotations_comment_changelist"),
        {
            "action": "resolve_threads",
            "index": 0,
            ACTION_CHECKBOX_NAME: list(Comment.objects.values_list("pk", flat=True)),
        },
    )
    assert set(Passage.objects.values_list("status", flat=True)) == {"open"}
    assert not TaggedPassage.objects.filter(tag__name="Hijacked").exists()
    assert not Comment.objects.filter(resolved=True).exists()


def test_staff_who_curate_nothing_get_no_admin(client, workspace, ours):
    annotator = make_member(workspace, "anna", "annotator")
    annotator.is_staff = True
    annotator.save()
    client.force_login(annotator)
    assert b"Reports and passages" not in client.get(reverse("admin:index")).content
    assert client.get(reverse("admin:annotations_passage_changelist")).status_code == 403
    assert client.get(reverse("admin:annotations_tag_changelist")).status_code == 403
    assert client.get(reverse("admin:recent_changes")).status_code == 403


def test_curators_see_only_their_own_codebook_and_workspaces(outsider_client, ours, other_workspace):
    """Issue 10, item 2: the codebook is per workspace, in the admin too."""
    Tag.objects.create(workspace=other_workspace, name="Theirs")
    assert [t.name for t in result_list(outsider_client, "tag")] == ["Theirs"]
    assert outsider_client.get(reverse("admin:annotations_workspace_add")).status_code == 403


def test_recent_changes_hide_other_workspaces_and_their_codebook(outsider_client, ours):
    changes = outsider_client.get(reverse("admin:recent_changes")).context["changes"]
    assert changes == []
