"""Notebooks over HTTP (docs/api.md): a link's code as .ipynb or .py, and the editor's conversions.

The two conversions (`POST /api/notebook`, `POST /api/notebook/code`) are pure functions of the
request body: they read no session, cookie or database row and change nothing, so a forged
cross-site request gains nothing, and they need no CSRF token. They are rate-limited per
client address all the same, since nbformat's checks cost CPU.
"""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST, require_safe

from kernels.apps import kernel_limits
from playground import ratelimit

from . import notebooks
from .apps import snippet_limits
from .outputs import BadOutputs, clean_outputs
from .views import _find, _gone, _json_error

CONVERSIONS_PER_WINDOW = 60  # per client address and minute
IPYNB = "application/x-ipynb+json"


@require_safe
def snippet_notebook(request: HttpRequest, snippet_id: str) -> HttpResponse:
    snippet = _find(snippet_id)
    if snippet is None or snippet.is_removed:
        return _gone(request, snippet_id, snippet)
    notebook = notebooks.to_notebook([(snippet.code, snippet.outputs or None)])
    return _download(json.dumps(notebook, indent=1, ensure_ascii=False), IPYNB, f"{snippet.id}.ipynb")


@require_safe
def snippet_script(request: HttpRequest, snippet_id: str) -> HttpResponse:
    snippet = _find(snippet_id)
    if snippet is None or snippet.is_removed:
        return _gone(request, snippet_id, snippet)
    return _download(notebooks.to_script(snippet.code), "text/x-python; charset=utf-8", f"{snippet.id}.py")


@csrf_exempt
@require_POST
def api_notebook(request: HttpRequest) -> HttpResponse:
    """{"cells": [{"code", "outputs"?}, ...]} -> an .ipynb: the editor's runs, whole or cell by cell."""
    refusal = _limited(request)
    if refusal is not None:
        return refusal
    try:
        chunks = _chunks(_json(request))
    except ValueError as exc:
        return _json_error(400, str(exc))
    notebook = notebooks.to_notebook(chunks)
    return _download(json.dumps(notebook, indent=1, ensure_ascii=False), IPYNB, "playground.ipynb")


@csrf_exempt
@require_POST
def api_notebook_code(request: HttpRequest) -> JsonResponse:
    """An .ipynb as the body -> {"code": its cells as the editor's code}."""
    refusal = _limited(request)
    if refusal is not None:
        return refusal
    try:
        code = notebooks.from_notebook(request.body)
    except notebooks.NotNotebook as exc:
        return _json_error(400, str(exc))
    limit = kernel_limits().max_code_bytes
    if len(code.encode()) > limit:
        return _json_error(413, f"The notebook's code is over {limit // 1024} KiB.")
    return JsonResponse({"code": code})


def _limited(request: HttpRequest) -> JsonResponse | None:
    window = snippet_limits().rate_window_s
    wait = ratelimit.hit(f"notebook:{ratelimit.client_key(request)}", CONVERSIONS_PER_WINDOW, window)
    if wait is not None:
        return _json_error(429, f"Too many notebook conversions from here; try again in {wait} s.", retry_after=wait)
    if len(request.body) > notebooks.MAX_NOTEBOOK_BYTES:
        return _json_error(413, f"The request is over {notebooks.MAX_NOTEBOOK_BYTES >> 20} MiB.")
    return None


def _json(request: HttpRequest) -> object:
    try:
        return json.loads(request.body)
    except (ValueError, RecursionError):
        raise ValueError("The body is not valid JSON.") from None


def _chunks(data: object) -> list[tuple[str, list[dict] | None]]:
    cells = data.get("cells") if isinstance(data, dict) else None
    if not isinstance(cells, list) or not cells or not all(isinstance(cell, dict) for cell in cells):
        raise ValueError('The body must be {"cells": [{"code": "...", "outputs": [...]}, ...]}.')
    chunks, size = [], 0
    for cell in cells:
        code = cell.get("code")
        if not isinstance(code, str):
            raise ValueError('Each cell needs "code", a string.')
        size += len(code.encode())
        try:
            outputs, _ = clean_outputs(cell.get("outputs"), snippet_limits().max_output_bytes)
        except BadOutputs as exc:
            raise ValueError(str(exc)) from None
        chunks.append((code.replace("\r\n", "\n"), outputs if cell.get("outputs") is not None else None))
    limit = kernel_limits().max_code_bytes
    if size > limit:
        raise ValueError(f"The code is over {limit // 1024} KiB.")
    return chunks


def _download(text: str, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(text, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
