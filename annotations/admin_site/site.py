"""The admin site: titled and grouped for researchers rather than by Django app."""

from functools import partial

from django.contrib import admin
from django.urls import path, reverse

from ..permissions import curates_anywhere
from .recent_changes import recent_changes_view

# Index groups, in order, with the models (by model name) each holds.
GROUPS = (
    ("Reports and passages", ("report", "passage", "section", "highlight")),
    ("Discussion", ("comment",)),
    ("Sources", ("source", "sourcelink")),
    ("Codebook", ("tag", "taggedpassage")),
    ("Teams", ("workspace", "membership")),
)


class WorkbenchAdminSite(admin.AdminSite):
    site_header = "Report annotation workbench — curation"
    site_title = "Annotation workbench"
    index_title = "Curation"

    def get_urls(self):
        recent = path(
            "recent-changes/", self.admin_view(partial(recent_changes_view, site=self)), name="recent_changes"
        )
        return [recent, *super().get_urls()]

    def autocomplete_view(self, request):
        from ..admin.autocomplete import LabelledAutocompleteJsonView  # the admin package imports this site

        return LabelledAutocompleteJsonView.as_view(admin_site=self)(request)

    def get_app_list(self, request, app_label=None):
        app_list = super().get_app_list(request, app_label)
        ours = next((app for app in app_list if app["app_label"] == "annotations"), None)
        if ours is None:
            return app_list
        by_name = {entry["object_name"].lower(): entry for entry in ours["models"]}
        groups = []
        for title, names in GROUPS:
            entries = [by_name[name] for name in names if name in by_name]
            if entries:
                groups.append({**ours, "name": title, "models": entries})
        if curates_anywhere(request.user):
            groups.append(
                {
                    **ours,
                    "name": "History",
                    "models": [
                        {
                            "name": "Recent changes",
                            "object_name": "RecentChanges",
                            "perms": {"view": True},
                            "admin_url": reverse("admin:recent_changes", current_app=self.name),
                            "add_url": None,
                            "view_only": True,
                        }
                    ],
                }
            )
        position = app_list.index(ours)
        return app_list[:position] + groups + app_list[position + 1 :]
