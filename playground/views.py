from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language

from . import examples
from .clients import ensure_issued_session
from .routing import websocket_urlpatterns

SOCKET_PATH = "/" + str(websocket_urlpatterns[0].pattern)
"""The session websocket's path, for the page's data-ws-path: its route (routing.py) is the one place it is written."""


def index(request: HttpRequest) -> HttpResponse:
    # The session cookie is what binds this browser to its kernel, so make sure there is one
    # before the page opens its websocket, and that this server issued it: a cookie planted by
    # someone else would let them share this visitor's kernel (session fixation).
    ensure_issued_session(request)
    context = {"ws_path": SOCKET_PATH, "examples": examples.for_language(get_language())}
    return render(request, "index.html", context)
