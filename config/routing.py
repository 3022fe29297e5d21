"""Websocket routes (Channels): the session socket, at the route playground/urls.py names, and a
class's teacher view (classroom/consumers.py)."""

from django.urls import path

from classroom.consumers import ClassConsumer
from playground.consumers import SessionConsumer
from playground.urls import SESSION_SOCKET

websocket_urlpatterns = [
    path(SESSION_SOCKET, SessionConsumer.as_asgi()),
    path("ws/class/<str:code>/", ClassConsumer.as_asgi()),
]
