from django.urls import path

from .views import comments, highlights, home, insights, members, passages, reports, search, sources, tags

app_name = "annotations"

urlpatterns = [
    path("", home.home, name="home"),
    path("favicon.ico", home.favicon, name="favicon"),
    path("w/<slug:slug>/", reports.report_list, name="report-list"),
    path("w/<slug:slug>/upload/", reports.report_upload, name="report-upload"),
    path("w/<slug:slug>/codebook/", tags.tag_list, name="tag-list"),
    path("w/<slug:slug>/codebook/import/", tags.codebook_import, name="codebook-import"),
    path("w/<slug:slug>/codebook/<uuid:uuid>/", tags.tag_detail, name="tag-detail"),
    path("w/<slug:slug>/members/", members.member_list, name="member-list"),
    path("w/<slug:slug>/members/set/", members.member_set, name="member-set"),
    path("w/<slug:slug>/members/remove/", members.member_remove, name="member-remove"),
    path("w/<slug:slug>/activity/", insights.workspace_activity, name="workspace-activity"),
    path("r/<uuid:uuid>/", reports.report_read, name="report-read"),
    path("r/<uuid:uuid>/passages/", reports.report_passages, name="report-passages"),
    path("r/<uuid:uuid>/metadata/", reports.report_metadata, name="report-metadata"),
    path("r/<uuid:uuid>/heatmap/", insights.report_heatmap, name="report-heatmap"),
    path("p/<uuid:uuid>/", passages.passage_detail, name="passage-detail"),
    path("p/<uuid:uuid>/panel/", passages.passage_panel, name="passage-panel"),
    path("p/<uuid:uuid>/history/", passages.passage_history, name="passage-history"),
    path("p/<uuid:uuid>/tags/add/", passages.passage_tag_add, name="passage-tag-add"),
    path("p/<uuid:uuid>/tags/remove/", passages.passage_tag_remove, name="passage-tag-remove"),
    path("p/<uuid:uuid>/status/", passages.passage_status, name="passage-status"),
    path("p/<uuid:uuid>/comments/", comments.comment_create_view, name="comment-create"),
    path("p/<uuid:uuid>/highlights/", highlights.highlight_create_view, name="highlight-create"),
    path("p/<uuid:uuid>/sources/", sources.source_link_create_view, name="sourcelink-create"),
    path("c/<uuid:uuid>/reply/", comments.comment_reply, name="comment-reply"),
    path("c/<uuid:uuid>/edit/", comments.comment_edit_view, name="comment-edit"),
    path("c/<uuid:uuid>/delete/", comments.comment_delete_view, name="comment-delete"),
    path("c/<uuid:uuid>/resolve/", comments.comment_resolve, name="comment-resolve"),
    path("h/<uuid:uuid>/delete/", highlights.highlight_delete, name="highlight-delete"),
    path("l/<uuid:uuid>/delete/", sources.source_link_delete, name="sourcelink-delete"),
    path("search/", search.search_page, name="search"),
]
