from django.contrib import admin
from django.urls import include, path

from . import admin as admin_views
from . import views, views_files, views_snippets

urlpatterns = [
    path("", views.index, name="index"),
    path("admin/login/", admin_views.throttled_login),  # before the admin's own login, to throttle it
    path("admin/", admin.site.urls),
    # Shared snippets (docs/api.md): a link's page, its embed, and the JSON API.
    path("s/<str:snippet_id>", views_snippets.snippet_page, name="snippet"),
    path("e/<str:snippet_id>", views_snippets.snippet_embed, name="snippet-embed"),
    path("api/snippets", views_snippets.api_create, name="api-snippets"),
    path("api/snippets/<str:snippet_id>", views_snippets.api_detail, name="api-snippet"),
    # The session's scratch folder (docs/files.md): list and upload, download one file.
    path("files/", views_files.folder, name="files"),
    path("files/<path:name>", views_files.download, name="file"),
    path("i18n/", include("django.conf.urls.i18n")),  # set_language, for the switcher
]
