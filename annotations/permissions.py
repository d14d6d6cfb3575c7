"""Who may do what in a workspace: the one place views, the admin and services ask.

Roles rank viewer < annotator < curator. Superusers act as curators everywhere; other staff users
read every workspace (as viewers) and otherwise have the role their membership gives them.
"""

from .models import Membership, Role

RANK = {Role.VIEWER: 1, Role.ANNOTATOR: 2, Role.CURATOR: 3}


def workspace_roles(user):
    """{workspace_id: role} for a user, looked up once and cached on the user object."""
    if not user.is_authenticated:
        return {}
    if not hasattr(user, "_workspace_roles"):
        user._workspace_roles = dict(Membership.objects.filter(user=user).values_list("workspace_id", "role"))
    return user._workspace_roles


def role_in(user, workspace):
    """The user's role in a workspace, or None when they are not a member."""
    if not user.is_authenticated:
        return None
    if user.is_superuser:
        return Role.CURATOR
    role = workspace_roles(user).get(getattr(workspace, "pk", workspace))
    if role is None and user.is_staff:
        return Role.VIEWER
    return role


def has_role(user, workspace, role):
    current = role_in(user, workspace)
    return current is not None and RANK[Role(current)] >= RANK[role]


def can_read(user, workspace):
    return has_role(user, workspace, Role.VIEWER)


def can_annotate(user, workspace):
    return has_role(user, workspace, Role.ANNOTATOR)


def can_curate(user, workspace):
    return has_role(user, workspace, Role.CURATOR)


def can_change_item(user, workspace, owner_id):
    """Annotators edit and delete their own items; curators anyone's."""
    return can_curate(user, workspace) or (can_annotate(user, workspace) and owner_id == user.pk)


def curated_workspace_ids(user):
    """Ids of the workspaces where the user is a curator (all, for superusers: None)."""
    if user.is_superuser:
        return None
    return [ws for ws, role in workspace_roles(user).items() if role == Role.CURATOR]


def curates_anywhere(user):
    """May the user work in the curation admin: an active staff user who curates some workspace."""
    return user.is_active and user.is_staff and (user.is_superuser or bool(curated_workspace_ids(user)))
