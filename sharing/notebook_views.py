"""Notebooks over HTTP (docs/api.md): a link's code as .ipynb or .py, and the editor's conversions.

Every conversion runs in a worker process under a time limit (conversions.py), never in the
web process's event loop, and its input is bounded first: the request's bytes before it is
read, the cells before nbformat sees them. A link's renderings never change, so each is built
once and kept in the cache (shared by every web process when CACHES is Redis).

The two conversions (`POST /api/notebook`, `POST /api/notebook/code`) read no session, cookie
or database row and change nothing; they take JSON from this site's pages or from scripts only
(playground/edge.py), and are rate-limited per client address.
"""

from __future__ import annotations

import json

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST, require_safe

from kernels import asking, bus, placement
from kernels.apps import kernel_limits
from playground import clients, edge, ratelimit
from playground.edge import Refused, json_error

from . import conversions, notebooks
from .apps import snippet_limits
from .views import afind, gone, too_many_views

IPYNB = "application/x-ipynb+json"
RUN_BODY_BYTES = 256 * 1024  # cells naming their runs: code only (64 KiB at most) and ids
RENDERING_TTL_S = 24 * 3600  # a link's .ipynb in the cache; rebuilt from the database after


@require_safe
async def snippet_notebook(request: HttpRequest, snippet_id: str) -> HttpResponse:
    refusal = too_many_views(request, "snippet-ipynb")
    if refusal is not None:
        return refusal
    snippet = await afind(snippet_id)
    if snippet is None or snippet.is_removed:
        return gone(request, snippet_id, snippet)
    key = f"snippet-ipynb:{snippet.id}"
    text = await cache.aget(key)
    if text is None:
        try:
            chunks = [(snippet.code, snippet.outputs or None)]
            text = await conversions.run(ratelimit.client_key(request), notebooks.notebook_text, chunks)
        except (Refused, notebooks.NotNotebook) as exc:
            return _refusal(exc)
        await cache.aset(key, text, RENDERING_TTL_S)
    files = await snippet.afile_list()
    if files:
        text = notebooks.with_files_cell(text, [(f["name"], request.build_absolute_uri(f["url"])) for f in files])
    return _download(text, IPYNB, f"{snippet.id}.ipynb")


@require_safe
async def snippet_script(request: HttpRequest, snippet_id: str) -> HttpResponse:
    refusal = too_many_views(request, "snippet-py")
    if refusal is not None:
        return refusal
    snippet = await afind(snippet_id)
    if snippet is None or snippet.is_removed:
        return gone(request, snippet_id, snippet)
    return _download(notebooks.to_script(snippet.code), "text/x-python; charset=utf-8", f"{snippet.id}.py")


@csrf_exempt
@require_POST
async def api_notebook(request: HttpRequest) -> HttpResponse:
    """{"cells": [{"code", "outputs"?}, ...]} -> an .ipynb: the editor's runs, whole or cell by cell."""
    try:
        body = await _with_recorded_outputs(request, _checked_body(request, "api-notebook"))
        limits = (kernel_limits().max_code_bytes, snippet_limits().max_output_bytes)
        text = await conversions.run(ratelimit.client_key(request), notebooks.cells_to_notebook, body, *limits)
    except (Refused, notebooks.NotNotebook) as exc:
        return _refusal(exc)
    return _download(text, IPYNB, "playground.ipynb")


@csrf_exempt
@require_POST
async def api_notebook_code(request: HttpRequest) -> HttpResponse:
    """An .ipynb as the body -> {"code": its cells as the editor's code}."""
    try:
        body = _checked_body(request, "api-notebook-code")
        code = await conversions.run(ratelimit.client_key(request), notebooks.from_notebook, body)
    except (Refused, notebooks.NotNotebook) as exc:
        return _refusal(exc)
    limit = kernel_limits().max_code_bytes
    if len(code.encode()) > limit:
        return json_error(413, f"The notebook's code is over {limit // 1024} KiB.")
    return JsonResponse({"code": code})


def _checked_body(request: HttpRequest, url_name: str) -> bytes:
    """The body of a conversion this site may do: same-site, within the rate and the size limits."""
    edge.check(request, url_name)
    return edge.read_body(request, notebooks.MAX_NOTEBOOK_BYTES)


async def _with_recorded_outputs(request: HttpRequest, body: bytes) -> bytes:
    """The editor's cells name their runs ({"code", "run"}): their outputs, and their order for the
    execution counts, come from the session's record (kernels/record.py), never from the page.
    A large body is a script's own cells with outputs: passed to the worker as it is."""
    if len(body) > RUN_BODY_BYTES or b'"run"' not in body:
        return body
    try:
        cells = json.loads(body)["cells"]
    except (ValueError, KeyError, TypeError):
        return body  # the worker says what is wrong with it
    if not isinstance(cells, list) or not all(isinstance(cell, dict) for cell in cells):
        return body
    key = await clients.aissued_key(request.COOKIES.get(settings.SESSION_COOKIE_NAME))
    try:
        runs = (await asking.record_of(bus.owner_for(key)))["runs"] if key else []
    except (TimeoutError, placement.NoKernelHost):
        runs = []
    order = {run["id"]: n for n, run in enumerate(runs, 1) if not run["running"]}
    recorded = {run["id"]: run["messages"] for run in runs}
    for cell in cells:
        run = cell.pop("run", None)
        cell.pop("outputs", None)
        if run in order:
            cell["outputs"], cell["count"] = recorded[run], order[run]
    if not all("count" in cell for cell in cells):
        for cell in cells:
            cell.pop("count", None)  # counts only when every cell ran: else the record's order is partial
    return json.dumps({"cells": cells}).encode()


def _refusal(exc: Refused | notebooks.NotNotebook) -> HttpResponse:
    if isinstance(exc, Refused):
        return exc.response()
    return json_error(413 if isinstance(exc, notebooks.TooLarge) else 400, str(exc))


def _download(text: str, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(text, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
