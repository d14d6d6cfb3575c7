from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from ..models import Workspace


@login_required
def home(request):
    """One workspace: straight to its reports. Several (or none): let the user choose."""
    workspaces = list(Workspace.objects.visible_to(request.user))
    if len(workspaces) == 1:
        return redirect("annotations:report-list", workspaces[0].slug)
    return render(request, "annotations/workspace_list.html", {"workspaces": workspaces})
