from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.templatetags.static import static

from ..models import Workspace


@login_required
def home(request):
    """One workspace: straight to its reports. Several (or none): let the user choose."""
    workspaces = list(Workspace.objects.visible_to(request.user))
    if len(workspaces) == 1:
        return redirect("annotations:report-list", workspaces[0].slug)
    return render(request, "annotations/workspace_list.html", {"workspaces": workspaces})


def favicon(request):
    """Browsers ask for /favicon.ico on pages that name no icon (the admin's)."""
    return redirect(static("annotations/favicon.svg"), permanent=True)
