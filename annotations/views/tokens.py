from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from ..forms import ApiTokenForm
from ..models import ApiToken, Workspace
from ..services import ServiceError, api_token_create, api_token_revoke


def _token_page(request, form, secret=None, status=200):
    tokens = ApiToken.objects.filter(user=request.user).select_related("workspace")
    return render(
        request, "annotations/token_list.html", {"tokens": tokens, "form": form, "secret": secret}, status=status
    )


@login_required
def token_list(request):
    """Personal API tokens: create one (its secret is shown this once), see when each was last
    used, revoke them."""
    workspaces = Workspace.objects.visible_to(request.user)
    if request.method != "POST":
        return _token_page(request, ApiTokenForm(workspaces=workspaces))
    form = ApiTokenForm(request.POST, workspaces=workspaces)
    if form.is_valid():
        try:
            _token, secret = api_token_create(user=request.user, **form.cleaned_data)
        except ServiceError as exc:
            form.add_error(None, exc)
        else:
            return _token_page(request, ApiTokenForm(workspaces=workspaces), secret=secret, status=201)
    return _token_page(request, form, status=400)


@login_required
@require_POST
def token_revoke(request, uuid):
    token = get_object_or_404(ApiToken, user=request.user, uuid=uuid)
    api_token_revoke(token=token)
    messages.success(request, f"The token “{token.name}” is revoked: it no longer opens the API.")
    return redirect("annotations:token-list")
