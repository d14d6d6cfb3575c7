"""Which rows a staff user may curate in the admin.

Superusers see everything. Other staff users see and change only the workspaces where they are
curators (permissions.curated_workspace_ids); Django's per-model permissions are not consulted, so
making someone a curator of a workspace is the one step that opens its records to them here. Which
workspace a row belongs to is what its model declares (`workspace_path`, annotations.models).
"""

from django.contrib import admin
from django.db import models

from .. import permissions
from ..models import Passage, workspace_id_of
from .autocomplete import PassageChoiceField


def scoped(queryset, request):
    """`queryset` (of a model in a workspace) narrowed to the workspaces the user curates."""
    ids = permissions.curated_workspace_ids(request.user)
    if ids is None:
        return queryset
    return queryset.in_workspaces(ids)


def curates(request, obj):
    """May the user curate `obj` (None: records of this kind in general)?"""
    if not permissions.curates_anywhere(request.user):
        return False
    ids = permissions.curated_workspace_ids(request.user)
    return obj is None or ids is None or workspace_id_of(obj) in ids


def stamp_creator(instance, user):
    """On a new record, note who made it, in whichever of these fields its model has."""
    for name in ("added_by", "author", "created_by"):
        if hasattr(instance, f"{name}_id") and getattr(instance, f"{name}_id") is None:
            setattr(instance, name, user)
            return


class ScopedChoicesMixin:
    """Foreign-key choices (selects and autocomplete validation) limited to curated workspaces."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if hasattr(db_field.related_model, "workspace_path") and "queryset" not in kwargs:
            kwargs["queryset"] = scoped(db_field.related_model._default_manager.all(), request)
        if db_field.related_model is Passage:
            kwargs["queryset"] = kwargs["queryset"].select_related("report")
            kwargs.setdefault("form_class", PassageChoiceField)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ScopedAdmin(ScopedChoicesMixin, admin.ModelAdmin):
    """A ModelAdmin whose rows belong to a workspace, as their model declares."""

    # Addresses typed without a scheme are taken as https (Django 6's default, chosen now).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    class Media:
        css = {"all": ["annotations/admin.css"]}

    def changelist_view(self, request, extra_context=None):
        # The app list in the sidebar repeats the index and takes a fifth of the width the rows
        # need: without it, every changelist's columns fit 1,400 px beside the filters.
        return super().changelist_view(request, {"is_nav_sidebar_enabled": False, **(extra_context or {})})

    def get_queryset(self, request):
        return scoped(super().get_queryset(request), request)

    def has_module_permission(self, request):
        return permissions.curates_anywhere(request.user)

    def has_view_permission(self, request, obj=None):
        return curates(request, obj)

    def has_change_permission(self, request, obj=None):
        return curates(request, obj)

    def has_delete_permission(self, request, obj=None):
        return curates(request, obj)

    def has_add_permission(self, request):
        return permissions.curates_anywhere(request.user)

    def save_model(self, request, obj, form, change):
        if not change:
            stamp_creator(obj, request.user)
        if change and hasattr(obj, "version"):
            obj.version += 1  # an edit still open in the reading view then notices this one
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        instances = formset.save(commit=False)
        for instance in instances:
            if instance._state.adding:
                stamp_creator(instance, request.user)
            instance.save()
        for instance in formset.deleted_objects:
            instance.delete()
        formset.save_m2m()


class ScopedInline(ScopedChoicesMixin):
    """Inline rows may be seen and changed by whoever may curate the parent record."""

    extra = 0
    show_change_link = True

    def _curates_parent(self, request, obj):
        parent_admin = self.admin_site._registry[self.parent_model]
        return parent_admin.has_change_permission(request, obj)

    def has_view_permission(self, request, obj=None):
        return self._curates_parent(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._curates_parent(request, obj)

    def has_add_permission(self, request, obj=None):
        return self._curates_parent(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._curates_parent(request, obj)


class ReadOnlyInline(ScopedInline):
    can_delete = False
    show_change_link = False

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def count_column(field, description):
    """A changelist column showing a count the queryset annotates (no query per row), sortable by it."""

    def column(self, obj):
        return getattr(obj, field)

    return admin.display(description=description, ordering=field)(column)
