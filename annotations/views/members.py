from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from .. import permissions
from ..models import Role
from ..services import NO_SUCH_ACCOUNT, ServiceError, account_named, membership_remove, membership_set_role
from .scoping import get_workspace_for_user, roles_context


@login_required
def member_list(request, slug):
    workspace = get_workspace_for_user(request, slug)
    memberships = workspace.memberships.select_related("user").order_by("user__username")
    return render(
        request,
        "annotations/member_list.html",
        {"memberships": memberships, "roles": Role.choices, **roles_context(request.user, workspace)},
    )


@login_required
@require_POST
def member_set(request, slug):
    """Curators add an account by its full username or e-mail address, or change a member's role."""
    workspace = get_workspace_for_user(request, slug, permissions.can_curate)
    user = account_named(request.POST.get("username", ""))
    if user is None:
        messages.error(request, NO_SUCH_ACCOUNT)
    else:
        try:
            membership = membership_set_role(workspace=workspace, user=user, role=request.POST.get("role", ""))
        except ServiceError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, f"{user.get_username()} is now {membership.get_role_display().lower()}.")
    return redirect("annotations:member-list", workspace.slug)


@login_required
@require_POST
def member_remove(request, slug):
    workspace = get_workspace_for_user(request, slug, permissions.can_curate)
    user = (
        get_user_model().objects.filter(memberships__workspace=workspace, username=request.POST.get("username")).first()
    )
    if user is not None:
        try:
            membership_remove(workspace=workspace, user=user)
        except ServiceError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, f"{user.get_username()} was removed from {workspace.name}.")
    return redirect("annotations:member-list", workspace.slug)
