from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.views.decorators.http import require_POST

from .. import permissions, services
from ..forms import SourceLinkForm
from ..models import SourceLink
from .panel import render_panel, render_refusal, render_write
from .scoping import get_passage_for_user, get_passage_item_for_user


@login_required
@require_POST
def source_link_create(request, uuid):
    passage = get_passage_for_user(request, uuid, permissions.can_annotate)
    form = SourceLinkForm(request.POST, workspace=passage.report.workspace)
    if not form.is_valid():
        errors = [f"{'' if name == '__all__' else name + ': '}{' '.join(e)}" for name, e in form.errors.items()]
        return render_refusal(request, passage, " ".join(errors))
    data = form.cleaned_data
    link = {"relation": data["relation"], "footnote": data["footnote"], "note": data["note"], "user": request.user}
    try:
        if data["source"] is None:
            services.source_link_create_for_url(
                passage=passage, url=data["url"], source_fields=form.new_source_fields(), **link
            )
        else:
            services.source_link_create(passage=passage, source=data["source"], **link)
    except ValidationError as exc:  # a ServiceError, or the new source's own fields
        return render_refusal(request, passage, exc)
    return render_panel(request, passage)


@login_required
@require_POST
def source_link_delete(request, uuid):
    link = get_passage_item_for_user(request, SourceLink.objects, uuid, owner_field="added_by_id")
    return render_write(request, link.passage, lambda: services.source_link_delete(link=link))
