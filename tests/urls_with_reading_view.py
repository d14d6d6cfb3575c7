"""The admin next to a reading view named as the app names it (annotations:report-read)."""

from django.contrib import admin
from django.http import HttpResponse
from django.urls import include, path


def read(request, uuid):
    return HttpResponse(str(uuid))


reading = ([path("reports/<uuid:uuid>/", read, name="report-read")], "annotations")
urlpatterns = [path("admin/", admin.site.urls), path("", include(reading))]
