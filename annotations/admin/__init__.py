"""The curation admin (DESIGN §3.3). Importing the modules registers their ModelAdmins on the
default site, annotations.admin_site.site.WorkbenchAdminSite."""

from . import codebook, jobs, reports, sources, teams, versions  # noqa: F401
