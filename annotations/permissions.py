"""Who may do what in a workspace: the one place views, the admin and services ask.

Roles rank viewer < annotator < curator. Only membership opens a workspace: a user has the role
their membership gives them, superusers act as curators everywhere, and staff status means nothing
more than "may open the admin" (where a curator sees just the workspaces they curate).
"""

from .models import Membership, Role, Workspace, member_workspace_ids

RANK = {Role.VIEWER: 1, Role.ANNOTATOR: 2, Role.CURATOR: 3}


def team_memberships(user):
    """Every membership of every workspace the user belongs to, with its user and workspace, read
    in one query and cached on the user object: the user's own roles, the workspace switcher and
    the member lists of a page all come from it."""
    if not user.is_authenticated:
        return []
    if not hasattr(user, "_team_memberships"):
        user._team_memberships = list(
            Membership.objects.filter(workspace__in=member_workspace_ids(user))
            .select_related("workspace", "user")
            .only("role", "workspace__name", "workspace__slug", "user__username")
        )
    return user._team_memberships


def workspace_roles(user):
    """{workspace_id: role} for a user."""
    return {m.workspace_id: m.role for m in team_memberships(user) if m.user_id == user.pk}


def visible_workspaces(user):
    """Workspace.objects.visible_to(user), by name (the menu's switcher), without a query of its own
    for members (their memberships are read once, above); for superusers, read once per user object."""
    if user.is_authenticated and user.is_superuser:
        if not hasattr(user, "_all_workspaces"):
            user._all_workspaces = list(Workspace.objects.only("name", "slug").order_by("name"))
        return user._all_workspaces
    own = {m.workspace_id: m.workspace for m in team_memberships(user) if m.user_id == user.pk}
    return sorted(own.values(), key=lambda w: w.name)


def workspace_members(user, workspace):
    """The members of a workspace the user reads, by username."""
    members = [m.user for m in team_memberships(user) if m.workspace_id == workspace.pk]
    if not members and user.is_superuser:  # superusers read workspaces they are not members of
        members = [m.user for m in Membership.objects.filter(workspace=workspace).select_related("user")]
    return sorted(members, key=lambda u: u.username)


def role_in(user, workspace):
    """The user's role in a workspace, or None when they are not a member."""
    if not user.is_authenticated:
        return None
    if user.is_superuser:
        return Role.CURATOR
    return workspace_roles(user).get(getattr(workspace, "pk", workspace))


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
