"""The curation admin (DESIGN §3.3). Importing the modules registers their ModelAdmins on the
default site, annotations.admin_site.site.WorkbenchAdminSite."""

from . import codebook, reports, sources, teams  # noqa: F401
