"""Shared snippets (docs/api.md): a link's page, its embed, and the JSON API."""

from django.urls import path

from . import views

urlpatterns = [
    path("s/<str:snippet_id>", views.snippet_page, name="snippet"),
    path("e/<str:snippet_id>", views.snippet_embed, name="snippet-embed"),
    path("api/snippets", views.api_create, name="api-snippets"),
    path("api/snippets/<str:snippet_id>", views.api_detail, name="api-snippet"),
]
