"""The curation admin (README: "Curation in the admin"). Importing the modules registers their ModelAdmins on the
default site, annotations.admin_site.site.WorkbenchAdminSite."""

from . import codebook, reports, sources, teams  # noqa: F401
