"""Scoping shared by every area: records are looked up only among those the user may see (a
foreign uuid is a 404, never a 403), then the role the action needs is checked (403)."""

import uuid

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404

from .. import permissions
from ..models import Highlight, Passage, Report, Workspace


def require(check, user, workspace):
    if not check(user, workspace):
        raise PermissionDenied


def get_workspace_for_user(request, slug):
    return get_object_or_404(Workspace.objects.visible_to(request.user), slug=slug)


def get_report_for_user(request, uuid):
    return get_object_or_404(Report.objects.visible_to(request.user).select_related("workspace"), uuid=uuid)


def get_passage_for_user(request, uuid, check=permissions.can_read):
    passage = get_object_or_404(
        Passage.objects.visible_to(request.user).select_related("report__workspace", "section"), uuid=uuid
    )
    require(check, request.user, passage.report.workspace)
    return passage


def get_passage_item_for_user(request, queryset, uuid, *, owner_field=None):
    """A comment, highlight or source link of a passage the user can see. With `owner_field`, the
    user must be allowed to change that owner's item; without, to annotate in the workspace."""
    item = get_object_or_404(
        queryset.filter(passage__in=Passage.objects.visible_to(request.user)).select_related(
            "passage__report__workspace", "passage__section"
        ),
        uuid=uuid,
    )
    workspace = item.passage.report.workspace
    if owner_field is None:
        require(permissions.can_annotate, request.user, workspace)
    elif not permissions.can_change_item(request.user, workspace, getattr(item, owner_field)):
        raise PermissionDenied
    return item


def uuid_or_404(value):
    """A uuid from a request parameter; a malformed one is a 404, like an unknown one."""
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise Http404("No such record.") from None


def get_highlight_of(passage, value):
    """The passage's highlight with uuid `value` (a request parameter): 404 if malformed or foreign."""
    return get_object_or_404(Highlight, passage=passage, uuid=uuid_or_404(value))


def roles_context(user, workspace):
    return {
        "workspace": workspace,
        "can_annotate": permissions.can_annotate(user, workspace),
        "can_curate": permissions.can_curate(user, workspace),
    }
