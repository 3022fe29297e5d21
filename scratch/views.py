"""HTTP views for the session's scratch folder: list, download, upload (docs/files.md).

The caller's session cookie decides the kernel, exactly as for its websocket; nobody reaches
another session's files. Views check and hand off to transfer.py, which talks to the kernel.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_http_methods

from kernels import bus
from kernels.apps import kernel_limits
from playground.clients import aissued_key

from . import transfer

STATUS_FOR = {"bad_request": 400, "bad_name": 400, "not_regular": 400, "not_found": 404, "no_kernel": 409}
STATUS_FOR.update(too_large=413, timeout=504)
NO_SESSION = "This browser has no session yet: open the playground page first."


async def folder(request: HttpRequest) -> HttpResponse:
    """GET: the files with their sizes; POST: upload one file (multipart field `file`)."""
    owner = await _owner(request)
    if owner is None:
        return _refusal("no_kernel", NO_SESSION)
    if request.method == "POST":
        return await _upload(request, owner)
    if request.method != "GET":
        return HttpResponse(status=405, headers={"Allow": "GET, POST"})
    try:
        answer = await transfer.listing(owner)
    except transfer.FileError as exc:
        return _refusal(exc.code, str(exc))
    limits = kernel_limits()
    caps = {"max_upload_bytes": limits.max_upload_bytes, "max_download_bytes": limits.max_download_bytes}
    return JsonResponse({**answer, **caps})


@require_http_methods(["GET"])
async def download(request: HttpRequest, name: str) -> HttpResponseBase:
    owner = await _owner(request)
    if owner is None:
        return _refusal("no_kernel", NO_SESSION)
    try:
        transfer.check_name(name)
        size, chunks = await transfer.download(owner, name, kernel_limits().max_download_bytes)
    except (transfer.FileError, transfer.FileRefused) as exc:
        return _refusal(exc.code, str(exc))
    response = StreamingHttpResponse(chunks, content_type="application/octet-stream")
    response["Content-Length"] = str(size)
    response["Content-Disposition"] = content_disposition_header(True, name) or "attachment"
    response["Cache-Control"] = "no-store"
    return response


async def _upload(request: HttpRequest, owner: str) -> HttpResponse:
    limit = kernel_limits().max_upload_bytes
    if int(request.META.get("CONTENT_LENGTH") or 0) > limit + 64 * 1024:  # before parsing the body
        return _too_large(limit)
    upload = request.FILES.get("file")
    if upload is None:
        return _refusal("bad_request", "Send the file as the multipart field 'file'.")
    if upload.size is None or upload.size > limit:
        return _too_large(limit)
    name = request.POST.get("name") or upload.name or ""
    try:
        transfer.check_name(name)
        size = await transfer.upload(owner, name, upload.chunks(transfer.CHUNK_BYTES))
    except (transfer.FileError, transfer.FileRefused) as exc:
        return _refusal(exc.code, str(exc))
    return JsonResponse({"name": name, "size": size}, status=201)


async def _owner(request: HttpRequest) -> str | None:
    """The kernel owner of a session this server issued, else None. A made-up key is dropped
    (the response deletes the cookie): a planted cookie must not reach anyone's files. Nothing
    is created for it either, so such requests cost no database writes."""
    key = await aissued_key(request.session.session_key)
    if key is None and request.session.session_key:
        await request.session.aflush()
    return bus.owner_for(key) if key else None


def _too_large(limit: int) -> JsonResponse:
    text = f"The file is larger than the upload limit of {limit // 2**20} MiB (PLAYGROUND_MAX_UPLOAD_BYTES)."
    return JsonResponse({"error": text, "code": "too_large"}, status=413)


def _refusal(code: str, message: str) -> JsonResponse:
    return JsonResponse({"error": message, "code": code}, status=STATUS_FOR.get(code, 502))
