"""Shared snippets over HTTP: the JSON API (docs/api.md), a link's page and its embed.

Views are check -> model method -> respond; what a snippet is and how its id is made lives in
submission.py and models.py.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable

from asgiref.sync import async_to_sync
from csp.decorators import csp_replace
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.cache import patch_cache_control
from django.utils.http import content_disposition_header
from django.utils.translation import get_language
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST, require_safe

from kernels import asking, bus, placement
from kernels.apps import kernel_limits
from playground import edge
from playground.clients import ensure_issued_session, issued_session_key

from . import carried
from .apps import snippet_limits
from .models import Snippet
from .submission import ID_PATTERN, SnippetLimits, SubmissionError, parse_submission

EMBED_CACHE_S = 24 * 3600  # an embed's HTML in the server's cache; moderation is checked before it
EMBED_MAX_AGE_S = 300
"""Browsers and proxies may keep an embed this long (snippets never change; moderation might)."""
DESCRIPTION_CHARS = 200


# ---------- API ----------


# No CSRF token, as with the Go playground's /share: a script shares in one request. A browser can
# post here only from this site's pages: JSON only (a cross-site form cannot send it without a
# preflight) and no foreign Origin (playground/edge.py). The rate limit still applies.
@csrf_exempt
@require_POST
def api_create(request: HttpRequest) -> HttpResponse:
    try:
        edge.check(request, "api-snippets")
        limits = snippet_limits()
        body = edge.read_body(request, limits.max_request_bytes)
        submission = parse_submission(body, kernel_limits().max_code_bytes, limits, _recorded_in(request))
        files = _files_of(request, submission.code, limits)
        snippet, created = Snippet.objects.create_or_get(dataclasses.replace(submission, files=files.files))
    except edge.Refused as exc:
        return exc.response()
    except SubmissionError as exc:
        return edge.json_error(exc.status, str(exc))
    if snippet.is_removed:
        return edge.json_error(410, "This content was removed by the moderators; it cannot be shared again.")
    stored = snippet.file_list()
    answer = {"id": snippet.id, "url": snippet.get_absolute_url(), "files": stored}
    answer["files_left_out"] = [file.as_json() for file in files.left_out]
    answer["files_note"] = carried.note([file["name"] for file in stored], files.left_out)
    return JsonResponse(answer, status=201 if created else 200, json_dumps_params={"ensure_ascii": False})


def _files_of(request: HttpRequest, code: str, limits: SnippetLimits) -> carried.Carried:
    """The session files the code names, from the kernel of the session this browser holds."""
    key = issued_session_key(request.session)
    if key is None:
        return carried.Carried()  # a script's share: it has no session, so no files
    return async_to_sync(carried.gather)(bus.owner_for(key), code, limits)


def _recorded_in(request: HttpRequest) -> Callable[[str], list[dict]]:
    """A run of the session this browser holds, as the kernel host recorded it (kernels/record.py)."""

    def recorded(run_id: str) -> list[dict]:
        key = issued_session_key(request.session)
        if key is None:
            raise SubmissionError(400, "This browser holds no session to share a run from.")
        try:
            record = async_to_sync(asking.record_of)(bus.owner_for(key))
        except (TimeoutError, placement.NoKernelHost):
            raise SubmissionError(503, "The session's record cannot be read right now; try again.") from None
        run = next((run for run in record["runs"] if run["id"] == run_id), None)
        if run is None or run["running"]:
            raise SubmissionError(400, "That run is not a finished run of this session's record.")
        return run["messages"]

    return recorded


@require_safe
def api_detail(request: HttpRequest, snippet_id: str) -> HttpResponse:
    refusal = too_many_views(request, "api-snippet")
    if refusal is not None:
        return refusal
    snippet = _find(snippet_id)
    if snippet is None:
        return edge.json_error(404, f"There is no snippet {snippet_id!r}.")
    if snippet.is_removed:
        return edge.json_error(410, "This snippet was removed by the moderators.")
    return JsonResponse(snippet.as_json(), json_dumps_params={"ensure_ascii": False})


# ---------- pages ----------


@require_safe
def snippet_page(request: HttpRequest, snippet_id: str) -> HttpResponse:
    if request.GET.get("embed", "0") not in ("", "0"):
        return snippet_embed(request, snippet_id)
    refusal = too_many_views(request, "snippet")
    if refusal is not None:
        return refusal
    snippet = _find(snippet_id, with_parent=True)
    if snippet is None or snippet.is_removed:
        return gone(request, snippet_id, snippet)
    # As on /: the session cookie binds this browser to its kernel once Run is pressed.
    ensure_issued_session(request)
    return render(request, "sharing/snippet.html", _context(request, snippet))


@xframe_options_exempt
@csp_replace({"frame-ancestors": ["*"]})  # made to be framed, by any site
@require_safe
def snippet_embed(request: HttpRequest, snippet_id: str) -> HttpResponse:
    refusal = too_many_views(request, "snippet-embed")
    if refusal is not None:
        return refusal
    snippet = _find(snippet_id)
    if snippet is None or snippet.is_removed:
        return gone(request, snippet_id, snippet, template="sharing/embed_gone.html")
    # The same for every viewer (no session, no token): drawn once per language, kept by id.
    key = f"snippet-embed:{snippet.id}:{get_language()}"
    html = cache.get(key)
    if html is None:
        html = render_to_string("sharing/embed.html", _context(request, snippet), request)
        cache.set(key, html, EMBED_CACHE_S)
    response = HttpResponse(html)
    patch_cache_control(response, public=True, max_age=EMBED_MAX_AGE_S)
    return response


@require_safe
def snippet_file(request: HttpRequest, snippet_id: str, name: str) -> HttpResponse:
    """One file a link carries, as stored: what a link's page lists and its notebook points at."""
    refusal = too_many_views(request, "snippet-file")
    if refusal is not None:
        return refusal
    snippet = _find(snippet_id)
    if snippet is None or snippet.is_removed:
        return gone(request, snippet_id, snippet)
    file = snippet.files.select_related("blob").filter(name=name).first()
    if file is None:
        return HttpResponse(f"The link {snippet.id} carries no file {name!r}.", status=404, content_type="text/plain")
    response = HttpResponse(bytes(file.blob.data), content_type="application/octet-stream")
    response["Content-Disposition"] = content_disposition_header(True, file.name) or "attachment"
    patch_cache_control(response, public=True, max_age=EMBED_MAX_AGE_S)
    return response


def too_many_views(request: HttpRequest, url_name: str) -> HttpResponse | None:
    """The answer past the client's share of snippet views (pages, embeds, downloads), or None."""
    try:
        edge.check(request, url_name)
    except edge.Refused as exc:
        return exc.response()
    return None


def _find(snippet_id: str, with_parent: bool = False) -> Snippet | None:
    if not _well_formed(snippet_id):
        return None
    snippets = Snippet.objects.select_related("parent") if with_parent else Snippet.objects
    return snippets.filter(pk=snippet_id).first()


async def afind(snippet_id: str) -> Snippet | None:
    return await Snippet.objects.filter(pk=snippet_id).afirst() if _well_formed(snippet_id) else None


def gone(request: HttpRequest, snippet_id: str, snippet: Snippet | None, template: str = "sharing/snippet_gone.html"):
    """404 for an unknown id (with what may be wrong with the link), 410 for a removed snippet."""
    context = {"snippet_id": snippet_id, "removed": snippet is not None, "id_pattern_ok": _well_formed(snippet_id)}
    return render(request, template, context, status=410 if snippet is not None else 404)


def _well_formed(snippet_id: str) -> bool:
    return re.fullmatch(ID_PATTERN, snippet_id) is not None


def _context(request: HttpRequest, snippet: Snippet) -> dict:
    snippet_data = snippet.as_json()
    return {
        "snippet": snippet,
        "snippet_data": snippet_data,
        "absolute_url": request.build_absolute_uri(snippet.get_absolute_url()),
        "description": _description(snippet.code),
        "code_lines": snippet.code.split("\n"),
        "files": snippet_data["files"],
    }


def _description(code: str) -> str:
    """The code as one line of text for link previews."""
    text = " ".join(line.strip() for line in code.splitlines() if line.strip())
    return text if len(text) <= DESCRIPTION_CHARS else text[: DESCRIPTION_CHARS - 1] + "…"
