from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language

from . import examples


def index(request: HttpRequest) -> HttpResponse:
    # The session cookie is what binds this browser to its kernel, so make sure there is one
    # before the page opens its websocket.
    if request.session.session_key is None:
        request.session.save()
    context = {"ws_path": "/ws/session/", "examples": examples.for_language(get_language())}
    return render(request, "index.html", context)
