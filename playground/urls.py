from django.urls import path

from . import views

SESSION_SOCKET = "ws/session/"
"""The session websocket's route: config/routing.py serves it, and it is named here too so that
the page reaches it with {% url %} like every other address (plain HTTP there gets a 426)."""

urlpatterns = [
    path("", views.index, name="index"),
    path(SESSION_SOCKET, views.session_socket_over_http, name="session-socket"),
]
