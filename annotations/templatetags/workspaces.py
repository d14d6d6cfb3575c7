from django import template

from annotations import permissions

register = template.Library()


@register.simple_tag(takes_context=True)
def visible_workspaces(context):
    """The workspaces for the menu's switcher (permissions.visible_workspaces)."""
    return permissions.visible_workspaces(context["request"].user)
