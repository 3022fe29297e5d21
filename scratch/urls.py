"""The session's scratch folder (docs/files.md): list and upload, download one file."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.folder, name="files"),
    path("<path:name>", views.download, name="file"),
]
