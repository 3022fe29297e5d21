"""Websocket routes (Channels): the session socket, at the route playground/urls.py names."""

from django.urls import path

from playground.consumers import SessionConsumer
from playground.urls import SESSION_SOCKET

websocket_urlpatterns = [
    path(SESSION_SOCKET, SessionConsumer.as_asgi()),
]
