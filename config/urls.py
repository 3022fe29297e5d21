"""Every HTTP route, by app; each app names its routes, and templates and JS reach them by name."""

from django.contrib import admin
from django.urls import include, path

from .admin_login import throttled_login

urlpatterns = [
    path("", include("playground.urls")),
    path("", include("sharing.urls")),
    path("", include("classroom.urls")),
    path("files/", include("scratch.urls")),
    path("admin/login/", throttled_login),  # before the admin's own login, to throttle it
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),  # set_language, for the switcher
]
