from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def index(request: HttpRequest) -> HttpResponse:
    # The session cookie is what binds this browser to its kernel, so make sure there is one
    # before the page opens its websocket.
    if request.session.session_key is None:
        request.session.save()
    return render(request, "index.html", {"ws_path": "/ws/session/"})
