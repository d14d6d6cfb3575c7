from django.contrib.auth.decorators import login_required
from django.views.decorators.http import require_POST

from .. import permissions
from ..forms import HighlightForm
from ..models import Highlight
from ..ratelimit import rate_limited
from ..services import ServiceError, highlight_create
from .panel import error_text, render_highlight_added, render_panel, render_panel_part
from .scoping import get_passage_for_user, get_passage_item_for_user


@login_required
@require_POST
@rate_limited("tag")
def highlight_create_view(request, uuid):
    passage = get_passage_for_user(request, uuid, permissions.can_annotate)
    form = HighlightForm(request.POST)
    if not form.is_valid():
        return render_panel_part(request, passage, "highlights", error="Select some text inside the passage first.")
    data = form.cleaned_data
    try:
        highlight = highlight_create(
            passage=passage,
            start=data["start"],
            end=data["end"],
            user=request.user,
            tags=form.tag_names(),
            comment=data["comment"],
        )
    except ServiceError as exc:
        return render_panel_part(request, passage, "highlights", error=error_text(exc))
    return render_highlight_added(request, passage, highlight, with_comments=bool(data["comment"].strip()))


@login_required
@require_POST
def highlight_delete(request, uuid):
    highlight = get_passage_item_for_user(request, Highlight.objects, uuid, owner_field="created_by_id")
    highlight.delete()
    return render_panel(request, highlight.passage)
