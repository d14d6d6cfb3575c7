from django.urls import path

from .views import home

app_name = "annotations"

urlpatterns = [
    path("", home.home, name="home"),
]
