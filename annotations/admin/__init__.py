"""The curation admin (README: "Curation in the admin"). Importing the modules registers their ModelAdmins on the
default site, annotations.admin_site.site.WorkbenchAdminSite."""

from . import codebook, jobs, reports, sources, teams, versions  # noqa: F401
