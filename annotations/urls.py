from django.urls import path

from .views import home, search

app_name = "annotations"

urlpatterns = [
    path("", home.home, name="home"),
    path("search/", search.search_page, name="search"),
]
