from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.views.decorators.http import require_POST

from .. import permissions
from ..forms import SourceLinkForm
from ..models import SourceLink
from ..services import source_get_or_create, source_link_create
from .panel import error_text, render_panel
from .scoping import get_passage_for_user, get_passage_item_for_user


@login_required
@require_POST
def source_link_create_view(request, uuid):
    passage = get_passage_for_user(request, uuid, permissions.can_annotate)
    workspace = passage.report.workspace
    form = SourceLinkForm(request.POST, workspace=workspace)
    if not form.is_valid():
        errors = [f"{'' if name == '__all__' else name + ': '}{' '.join(e)}" for name, e in form.errors.items()]
        return render_panel(request, passage, error=" ".join(errors))
    data = form.cleaned_data
    try:
        with transaction.atomic():  # a new source is kept only together with its link
            source = data["source"]
            if source is None:
                source, _ = source_get_or_create(workspace=workspace, url=data["url"], **form.new_source_fields())
            source_link_create(
                passage=passage,
                source=source,
                relation=data["relation"],
                footnote=data["footnote"],
                note=data["note"],
                user=request.user,
            )
    except ValidationError as exc:
        return render_panel(request, passage, error=error_text(exc))
    return render_panel(request, passage)


@login_required
@require_POST
def source_link_delete(request, uuid):
    link = get_passage_item_for_user(request, SourceLink.objects, uuid, owner_field="added_by_id")
    link.delete()
    return render_panel(request, link.passage)
