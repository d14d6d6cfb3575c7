from django import template

from annotations.models import Workspace

register = template.Library()


@register.simple_tag(takes_context=True)
def user_workspaces(context):
    """The workspaces for the switcher, looked up once per request."""
    request = context["request"]
    if not hasattr(request, "_switcher_workspaces"):
        request._switcher_workspaces = list(Workspace.objects.visible_to(request.user).only("name", "slug"))
    return request._switcher_workspaces
