"""The admin app config; settings import it before the models are ready, so it imports no models."""

from django.contrib.admin.apps import AdminConfig


class WorkbenchAdminConfig(AdminConfig):
    """django.contrib.admin with the workbench's admin site as the default site."""

    default_site = "annotations.admin_site.site.WorkbenchAdminSite"
