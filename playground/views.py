from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language

from kernel_runtime import hints

from . import examples
from .clients import ensure_issued_session


def index(request: HttpRequest) -> HttpResponse:
    # The session cookie is what binds this browser to its kernel, so make sure there is one
    # before the page opens its websocket, and that this server issued it: a cookie planted by
    # someone else would let them share this visitor's kernel (session fixation).
    ensure_issued_session(request)
    return render(request, "index.html", {"examples": examples.for_language(get_language())})


def session_socket_over_http(request: HttpRequest) -> HttpResponse:
    """The session websocket's address asked for over plain HTTP: say what it is instead of a 404."""
    response = HttpResponse("This address is the session's websocket.\n", status=426, content_type="text/plain")
    response["Upgrade"] = "websocket"
    return response


def hint_sentences(request: HttpRequest) -> dict:
    """Context processor: the kernel's hint sentences by code, which templates/ui_strings.html shows
    translated (every page that includes it: /, a snippet's page and its embed)."""
    return {"hint_sentences": hints.SENTENCES}
