from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.views.decorators.http import require_POST

from .. import permissions, services
from ..forms import CommentEditForm, CommentForm
from ..models import Comment
from ..ratelimit import rate_limited
from .panel import render_refusal, render_write
from .scoping import get_highlight_of, get_passage_for_user, get_passage_item_for_user


def _save(request, passage, write, form_class=CommentForm):
    form = form_class(request.POST)
    if not form.is_valid():
        if "version" in form.errors:
            return render_refusal(request, passage, "Reload the comment before editing it.")
        return render_refusal(request, passage, "A comment cannot be empty.")
    return render_write(request, passage, lambda: write(form.cleaned_data))


@login_required
@require_POST
@rate_limited("comment")
def comment_create(request, uuid):
    passage = get_passage_for_user(request, uuid, permissions.can_annotate)
    highlight = None
    if request.POST.get("highlight"):
        highlight = get_highlight_of(passage, request.POST["highlight"])
    return _save(
        request,
        passage,
        lambda data: services.comment_create(
            passage=passage, author=request.user, body=data["body"], highlight=highlight, uuid=data["submission"]
        ),
    )


@login_required
@require_POST
@rate_limited("comment")
def comment_reply(request, uuid):
    parent = get_passage_item_for_user(request, Comment.objects, uuid)
    passage = parent.passage
    return _save(
        request,
        passage,
        lambda data: services.comment_create(
            passage=passage, author=request.user, body=data["body"], parent=parent, uuid=data["submission"]
        ),
    )


@login_required
@require_POST
@rate_limited("comment")
def comment_edit(request, uuid):
    comment = get_passage_item_for_user(request, Comment.objects, uuid, owner_field="author_id")
    return _save(
        request,
        comment.passage,
        lambda data: services.comment_edit(comment=comment, body=data["body"], expected_version=data["version"]),
        CommentEditForm,
    )


@login_required
@require_POST
def comment_delete(request, uuid):
    comment = get_passage_item_for_user(request, Comment.objects, uuid, owner_field="author_id")
    return render_write(request, comment.passage, lambda: services.comment_delete(comment=comment))


@login_required
@require_POST
def comment_resolve(request, uuid):
    """The thread's author and curators resolve or reopen a thread."""
    comment = get_passage_item_for_user(request, Comment.objects.select_related("parent"), uuid)
    thread = comment.parent or comment
    if not permissions.can_change_item(request.user, comment.passage.report.workspace, thread.author_id):
        raise PermissionDenied
    resolved = request.POST.get("resolved") != "0"
    return render_write(
        request, comment.passage, lambda: services.comment_set_resolved(comment=thread, resolved=resolved)
    )
