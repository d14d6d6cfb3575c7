"""Curators create and rename codebook tags through the API, on the same service (and model rules)
as every other path that writes the codebook: one name per workspace whatever its case, no
control characters, #RRGGBB colours, nothing written when refused."""

import json

import pytest
from django.core.cache import cache
from django.urls import reverse

from annotations import services
from annotations.models import Membership, Role, Tag

API = "/api/v1"


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    cache.clear()


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def auth(user, **options):
    return {"Authorization": f"Bearer {services.api_token_create(user=user, name='test', **options)[1]}"}


def call(client, method, path, headers, body):
    return client.generic(method, API + path, json.dumps(body), content_type="application/json", headers=headers)


# --- The services -------------------------------------------------------------------------------


def test_tag_create_adds_a_tag_to_the_codebook(workspace):
    tag = services.tag_create(
        workspace=workspace, name="  Energy   security ", description="Pipelines", color="#1d4ed8"
    )
    assert (tag.name, tag.description, tag.color) == ("Energy security", "Pipelines", "#1d4ed8")


def test_tag_create_gives_the_default_colour_when_none_is_chosen(workspace):
    assert services.tag_create(workspace=workspace, name="Energy").color == "#6b7280"


def test_tag_create_refuses_a_name_the_codebook_has_in_any_case(workspace):
    services.tag_create(workspace=workspace, name="Energy")
    with pytest.raises(services.ServiceError, match="already has a tag with this name"):
        services.tag_create(workspace=workspace, name="ENERGY")


def test_tag_create_allows_a_name_another_workspace_has(workspace, other_workspace):
    services.tag_create(workspace=other_workspace, name="Energy")
    assert services.tag_create(workspace=workspace, name="Energy").workspace == workspace


@pytest.mark.parametrize(
    ("name", "color", "message"),
    [
        ("", "", "A tag needs a name."),
        ("   ", "", "A tag needs a name."),
        ("bad\x00name", "", "control characters"),
        ("x" * 101, "", "at most 100 characters"),
        ("Energy", "red", "six hex digits"),
    ],
)
def test_tag_create_refuses_bad_input_and_writes_nothing(workspace, name, color, message):
    with pytest.raises(services.ServiceError, match=message):
        services.tag_create(workspace=workspace, name=name, color=color)
    assert not Tag.objects.exists()


def test_tag_rename_keeps_the_tag_and_its_links(workspace, report, annotator):
    passage = report.passages.first()
    tag = services.passage_add_tag(passage=passage, name="Energy", user=annotator)
    renamed = services.tag_rename(tag=tag, name="Energy policy")
    assert renamed.pk == tag.pk
    assert list(passage.tags.names()) == ["Energy policy"]


def test_tag_rename_records_the_old_name_in_the_history(workspace):
    tag = services.tag_create(workspace=workspace, name="Energy")
    services.tag_rename(tag=tag, name="Energy policy")
    assert tag.history.first().history_change_reason == "Renamed from Energy"


def test_tag_rename_may_change_only_the_case(workspace):
    tag = services.tag_create(workspace=workspace, name="sco")
    assert services.tag_rename(tag=tag, name="SCO").name == "SCO"


def test_tag_rename_refuses_another_tags_name_and_keeps_the_old_one(workspace):
    services.tag_create(workspace=workspace, name="Security")
    tag = services.tag_create(workspace=workspace, name="Energy")
    with pytest.raises(services.ServiceError, match="already has a tag with this name"):
        services.tag_rename(tag=tag, name="security")
    tag.refresh_from_db()
    assert tag.name == "Energy"


def test_tag_rename_refuses_control_characters(workspace):
    tag = services.tag_create(workspace=workspace, name="Energy")
    with pytest.raises(services.ServiceError, match="control characters"):
        services.tag_rename(tag=tag, name="En\x07ergy")


# --- The API ------------------------------------------------------------------------------------


def test_curators_create_a_tag_and_the_codebook_page_shows_it(client, workspace, curator):
    headers = auth(curator)
    body = {"name": "Pipelines", "description": "Gas and oil pipelines", "color": "#0f766e"}
    response = call(client, "POST", f"/workspaces/{workspace.slug}/tags/", headers, body)
    assert response.status_code == 201, response.content
    tag = Tag.objects.get(workspace=workspace)
    assert response.json() == {
        "uuid": str(tag.uuid),
        "name": "Pipelines",
        "slug": "pipelines",
        "description": "Gas and oil pipelines",
        "color": "#0f766e",
    }
    client.force_login(curator)
    assert (
        "Gas and oil pipelines" in client.get(reverse("annotations:tag-list", args=[workspace.slug])).content.decode()
    )


def test_creating_a_tag_the_codebook_has_answers_400_with_the_reason(client, workspace, curator):
    services.tag_create(workspace=workspace, name="Energy")
    response = call(client, "POST", f"/workspaces/{workspace.slug}/tags/", auth(curator), {"name": "energy"})
    assert response.status_code == 400
    assert response.json() == {"detail": "The codebook already has a tag with this name."}


@pytest.mark.parametrize(
    "body",
    [
        {"name": "x" * 10_000},
        {"name": "a\x00b"},
        {"name": ""},
        {"name": "Energy", "color": "javascript:alert(1)"},
        {"name": "Energy", "description": "x" * 100_000},
        {"name": 5},
        {},
    ],
    ids=["huge", "nul", "empty", "bad-colour", "huge-description", "not-a-string", "missing"],
)
def test_hostile_tag_input_is_refused_and_nothing_is_written(client, workspace, curator, body):
    response = call(client, "POST", f"/workspaces/{workspace.slug}/tags/", auth(curator), body)
    assert response.status_code in (400, 422)
    assert response.json()["detail"]
    assert not Tag.objects.exists()


def test_a_tag_name_with_markup_is_stored_as_text_and_escaped_on_the_page(client, workspace, curator):
    name = "<script>alert(1)</script>"
    response = call(client, "POST", f"/workspaces/{workspace.slug}/tags/", auth(curator), {"name": name})
    assert response.status_code == 201
    assert response.json()["name"] == name
    client.force_login(curator)
    page = client.get(reverse("annotations:tag-list", args=[workspace.slug])).content.decode()
    assert name not in page


def test_annotators_cannot_create_tags_through_the_codebook_endpoint(client, workspace, annotator):
    response = call(client, "POST", f"/workspaces/{workspace.slug}/tags/", auth(annotator), {"name": "Energy"})
    assert response.status_code == 403
    assert not Tag.objects.exists()


def test_curators_rename_a_tag_and_the_passages_show_the_new_name(client, workspace, curator, report, annotator):
    passage = report.passages.first()
    tag = services.passage_add_tag(passage=passage, name="Energy", user=annotator)
    response = call(client, "PATCH", f"/tags/{tag.uuid}/", auth(curator), {"name": "Energy policy"})
    assert response.status_code == 200, response.content
    assert response.json()["name"] == "Energy policy"
    client.force_login(curator)
    panel = client.get(reverse("annotations:passage-panel", args=[passage.uuid])).content.decode()
    assert "Energy policy" in panel


def test_renaming_onto_another_tags_name_answers_400_and_keeps_the_name(client, workspace, curator):
    services.tag_create(workspace=workspace, name="Security")
    tag = services.tag_create(workspace=workspace, name="Energy")
    response = call(client, "PATCH", f"/tags/{tag.uuid}/", auth(curator), {"name": "SECURITY"})
    assert response.status_code == 400
    assert response.json() == {"detail": "The codebook already has a tag with this name."}
    tag.refresh_from_db()
    assert tag.name == "Energy"


def test_a_tag_of_another_workspace_is_not_found(client, workspace, other_workspace, curator):
    theirs = services.tag_create(workspace=other_workspace, name="Theirs")
    response = call(client, "PATCH", f"/tags/{theirs.uuid}/", auth(curator), {"name": "Mine now"})
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.name == "Theirs"


def test_a_token_limited_to_another_workspace_cannot_rename(client, workspace, other_workspace, curator):
    Membership.objects.create(workspace=other_workspace, user=curator, role=Role.CURATOR)
    tag = services.tag_create(workspace=workspace, name="Energy")
    headers = auth(curator, workspace=other_workspace)
    assert call(client, "PATCH", f"/tags/{tag.uuid}/", headers, {"name": "Renamed"}).status_code == 404


@pytest.mark.parametrize(
    "body",
    [{"name": "x" * 10_000}, {"name": "a\x00b"}, {"name": ""}, {"name": ["Energy"]}, {}],
    ids=["huge", "nul", "empty", "not-a-string", "missing"],
)
def test_hostile_renames_are_refused_and_keep_the_name(client, workspace, curator, body):
    tag = services.tag_create(workspace=workspace, name="Energy")
    response = call(client, "PATCH", f"/tags/{tag.uuid}/", auth(curator), body)
    assert response.status_code in (400, 422)
    assert response.json()["detail"]
    tag.refresh_from_db()
    assert tag.name == "Energy"


def test_a_malformed_tag_uuid_is_not_found(client, workspace, curator):
    response = call(client, "PATCH", "/tags/not-a-uuid/", auth(curator), {"name": "Renamed"})
    assert response.status_code in (404, 422)
