from django.contrib.auth.decorators import login_required
from django.views.decorators.http import require_POST

from .. import permissions, services
from ..forms import HighlightForm
from ..models import Highlight
from ..ratelimit import rate_limited
from .panel import render_highlight_added, render_refusal, render_write
from .scoping import get_passage_for_user, get_passage_item_for_user


@login_required
@require_POST
@rate_limited("tag")
def highlight_create(request, uuid):
    passage = get_passage_for_user(request, uuid, permissions.can_annotate)
    form = HighlightForm(request.POST)
    if not form.is_valid():
        return render_refusal(request, passage, "Select some text inside the passage first.", part="highlights")
    data = form.cleaned_data
    try:
        highlight = services.highlight_create(
            passage=passage,
            start=data["start"],
            end=data["end"],
            user=request.user,
            tags=form.tag_names(),
            comment=data["comment"],
        )
    except services.ServiceError as exc:
        return render_refusal(request, passage, exc, part="highlights")
    return render_highlight_added(request, passage, highlight, with_comments=bool(data["comment"].strip()))


@login_required
@require_POST
def highlight_delete(request, uuid):
    highlight = get_passage_item_for_user(request, Highlight.objects, uuid, owner_field="created_by_id")
    return render_write(request, highlight.passage, lambda: services.highlight_delete(highlight=highlight))
