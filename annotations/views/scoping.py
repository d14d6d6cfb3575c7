"""Scoping shared by every area: records are looked up only among those the user may see (a
foreign uuid is a 404, never a 403), then the role the action needs is checked (403)."""

import uuid

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404

from .. import permissions
from ..models import Highlight, Passage, Report, Workspace


def visible(request, model):
    """The records of `model` the request may see: the user's, and for an API token limited to one
    workspace only that workspace's (the rest is 404, as for someone outside)."""
    records = model.objects.visible_to(request.user)
    token = getattr(request, "api_token", None)
    if token is not None and token.workspace_id is not None:
        records = records.in_workspaces([token.workspace_id])
    return records


def require(check, user, workspace):
    if not check(user, workspace):
        raise PermissionDenied


def get_workspace_for_user(request, slug, check=None):
    """The workspace, if the user sees it (else 404) and, with a `check` (can_curate …), that allows
    them too (else 403). Seeing it is reading it: no check is needed for that."""
    workspace = get_object_or_404(visible(request, Workspace), slug=slug)
    if check is not None:
        require(check, request.user, workspace)
    return workspace


def get_report_for_user(request, uuid):
    return get_object_or_404(visible(request, Report).select_related("workspace"), uuid=uuid)


def get_passage_for_user(request, uuid, check=permissions.can_read):
    passage = get_object_or_404(
        visible(request, Passage).select_related("report__workspace", "section"), uuid=uuid
    )
    require(check, request.user, passage.report.workspace)
    if check is not permissions.can_read:
        require_latest(passage.report)
    return passage


def require_latest(report):
    """Old versions are read-only: their annotations live on in the newest version."""
    if not report.is_latest:
        raise PermissionDenied("An old version of a report is read-only.")


def get_passage_item_for_user(request, queryset, uuid, *, owner_field=None):
    """A comment, highlight or source link of a passage the user can see. With `owner_field`, the
    user must be allowed to change that owner's item; without, to annotate in the workspace."""
    item = get_object_or_404(
        queryset.filter(passage__in=visible(request, Passage)).select_related(
            "passage__report__workspace", "passage__section"
        ),
        uuid=uuid,
    )
    workspace = item.passage.report.workspace
    require_latest(item.passage.report)
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


def roles_context(user, workspace, report=None):
    """What the user may do; on an old version of a report, nothing but read."""
    writable = report is None or report.is_latest
    return {
        "workspace": workspace,
        "can_annotate": writable and permissions.can_annotate(user, workspace),
        "can_curate": writable and permissions.can_curate(user, workspace),
    }
