from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from . import models

for model in (
    models.Workspace,
    models.Membership,
    models.Section,
    models.Highlight,
    models.TaggedPassage,
    models.TaggedHighlight,
    models.TaggedReport,
):
    admin.site.register(model)

for model in (models.Report, models.Passage, models.Tag, models.Comment, models.Source, models.SourceLink):
    admin.site.register(model, SimpleHistoryAdmin)
