import pytest
from django.test import Client
from django.urls import reverse

from annotations import services
from annotations.models import Membership, Role
from tests.conftest import make_member


def post(client, name, **data):
    return client.post(reverse(f"annotations:member-{name}", args=["central-asia"]), data, follow=True)


def roles(workspace):
    return dict(workspace.memberships.values_list("user__username", "role"))


def test_members_see_the_member_list_without_controls(client, viewer, curator):
    client.force_login(viewer)
    response = client.get(reverse("annotations:member-list", args=["central-asia"]))
    assert [m.user.username for m in response.context["memberships"]] == ["carl", "vera"]
    assert b"Add a member" not in response.content


def test_curators_add_change_and_remove_members(client, curator, workspace, django_user_model, other_workspace):
    django_user_model.objects.create_user("nina", password="x")
    client.force_login(curator)
    post(client, "set", username="NINA", role="viewer")
    assert roles(workspace)["nina"] == "viewer"
    post(client, "set", username="nina", role="annotator")
    assert roles(workspace)["nina"] == "annotator"
    response = post(client, "remove", username="nina")
    assert "nina" not in roles(workspace)
    assert b"nina was removed" in response.content


def test_unknown_users_and_roles_are_refused(client, curator, workspace, viewer):
    client.force_login(curator)
    assert services.NO_SUCH_ACCOUNT in post(client, "set", username="ghost", role="viewer").content.decode()
    assert "Unknown role" in post(client, "set", username="vera", role="owner").content.decode()
    assert roles(workspace)["vera"] == "viewer"


def test_the_last_curator_cannot_leave_or_step_down(client, curator, workspace):
    client.force_login(curator)
    response = post(client, "set", username="carl", role="viewer")
    assert "at least one curator" in response.content.decode()
    post(client, "remove", username="carl")
    assert roles(workspace) == {"carl": "curator"}


@pytest.mark.parametrize("who", ["viewer", "annotator"])
def test_non_curators_cannot_manage_members(client, who, request, curator, workspace):
    client.force_login(request.getfixturevalue(who))
    url = reverse("annotations:member-set", args=["central-asia"])
    assert client.post(url, {"username": who, "role": "curator"}).status_code == 403
    assert Membership.objects.filter(role=Role.CURATOR).count() == 1


def test_outsiders_get_404_and_posts_need_csrf(client, outsider, curator):
    client.force_login(outsider)
    assert client.get(reverse("annotations:member-list", args=["central-asia"])).status_code == 404
    assert (
        client.post(reverse("annotations:member-remove", args=["central-asia"]), {"username": "carl"}).status_code
        == 404
    )
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(curator)
    for name in ("set", "remove"):
        url = reverse(f"annotations:member-{name}", args=["central-asia"])
        assert strict.post(url, {"username": "carl", "role": "viewer"}).status_code == 403


@pytest.mark.parametrize("size", [2, 15])
def test_member_list_query_count_does_not_grow(client, curator, workspace, size, within_budget):
    for i in range(size):
        make_member(workspace, f"user{i}", Role.ANNOTATOR)
    client.force_login(curator)
    within_budget(6, client.get, reverse("annotations:member-list", args=["central-asia"]), shows=f"user{size - 1}")
