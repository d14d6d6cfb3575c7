from django import template

from annotations import permissions

register = template.Library()


@register.simple_tag(takes_context=True)
def user_workspaces(context):
    """The workspaces for the switcher, looked up once per request."""
    request = context["request"]
    if not hasattr(request, "_switcher_workspaces"):
        request._switcher_workspaces = permissions.user_workspaces(request.user)
    return request._switcher_workspaces
