from django.urls import path

from . import w3c
from .v1 import api

urlpatterns = [
    path("v1/", api.urls),
    path("w3c/reports/<uuid:uuid>/", w3c.container, name="w3c-container"),
    path("w3c/reports/<uuid:uuid>/<uuid:annotation>", w3c.annotation, name="w3c-annotation"),
]
