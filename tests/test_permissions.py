from annotations import permissions
from annotations.models import Membership


def test_roles_rank(workspace, viewer, annotator, curator, outsider):
    assert permissions.can_read(viewer, workspace)
    assert not permissions.can_annotate(viewer, workspace)
    assert permissions.can_annotate(annotator, workspace)
    assert not permissions.can_curate(annotator, workspace)
    assert permissions.can_curate(curator, workspace)
    assert not permissions.can_read(outsider, workspace)


def test_own_items_for_annotators_anyones_for_curators(workspace, viewer, annotator, curator):
    assert permissions.can_change_item(annotator, workspace, annotator.pk)
    assert not permissions.can_change_item(annotator, workspace, curator.pk)
    assert permissions.can_change_item(curator, workspace, annotator.pk)
    assert not permissions.can_change_item(viewer, workspace, viewer.pk)


def test_only_membership_opens_a_workspace_superusers_curate(workspace, other_workspace, django_user_model):
    """Issue 10, item 1: staff status (the admin opens) grants no role in any workspace."""
    staff = django_user_model.objects.create_user("staff", is_staff=True)
    staff_curator = django_user_model.objects.create_user("olga", is_staff=True)
    Membership.objects.create(workspace=other_workspace, user=staff_curator, role="curator")
    root = django_user_model.objects.create_user("root", is_staff=True, is_superuser=True)
    for user in (staff, staff_curator):
        assert permissions.role_in(user, workspace) is None
        assert not permissions.can_read(user, workspace)
        assert workspace not in permissions.visible_workspaces(user)
        assert permissions.workspace_members(user, workspace) == []
    assert permissions.can_curate(staff_curator, other_workspace)
    assert permissions.can_curate(root, workspace)
    assert set(permissions.visible_workspaces(root)) == {workspace, other_workspace}


def test_anonymous_has_no_role(workspace):
    from django.contrib.auth.models import AnonymousUser

    assert permissions.role_in(AnonymousUser(), workspace) is None


def test_switcher_and_members_come_from_one_membership_query(
    workspace, other_workspace, annotator, curator, outsider, django_assert_num_queries
):
    Membership.objects.create(workspace=other_workspace, user=annotator, role="viewer")
    with django_assert_num_queries(1):
        assert [w.slug for w in permissions.visible_workspaces(annotator)] == ["central-asia", "other"]
        assert [u.username for u in permissions.workspace_members(annotator, workspace)] == ["anna", "carl"]
        assert [u.username for u in permissions.workspace_members(annotator, other_workspace)] == ["anna", "otto"]
        assert permissions.can_annotate(annotator, workspace)
        assert not permissions.can_annotate(annotator, other_workspace)
    assert permissions.workspace_members(outsider, workspace) == []
