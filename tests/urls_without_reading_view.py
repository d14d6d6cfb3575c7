"""The admin alone, as before the app has a reading view: passage links must degrade to nothing."""

from django.contrib import admin
from django.urls import path

urlpatterns = [path("admin/", admin.site.urls)]
