"""Shared snippets (docs/api.md): a link's page, its embed, and the JSON API."""

from django.urls import path

from . import notebook_views, views

urlpatterns = [
    # Before s/<id>: an id never holds a dot, so "<id>.ipynb" is a download, not an unknown id.
    path("s/<str:snippet_id>.ipynb", notebook_views.snippet_notebook, name="snippet-ipynb"),
    path("s/<str:snippet_id>.py", notebook_views.snippet_script, name="snippet-py"),
    path("s/<str:snippet_id>/files/<path:name>", views.snippet_file, name="snippet-file"),
    path("s/<str:snippet_id>", views.snippet_page, name="snippet"),
    path("e/<str:snippet_id>", views.snippet_embed, name="snippet-embed"),
    path("api/snippets", views.api_create, name="api-snippets"),
    path("api/snippets/<str:snippet_id>", views.api_detail, name="api-snippet"),
    path("api/notebook", notebook_views.api_notebook, name="api-notebook"),
    path("api/notebook/code", notebook_views.api_notebook_code, name="api-notebook-code"),
]
