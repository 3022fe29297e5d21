"""The web edge: what an API request must be before the site does any work for it.

The web process is one event loop shared by every page and websocket, so a request is checked
by what is cheap to read (its headers, its length) before anything that scales with its body:
- **Cross-site requests create nothing.** A state-changing endpoint takes JSON only (an HTML
  form cannot send `application/json` without a CORS preflight, which this site never grants)
  and refuses an `Origin` or `Sec-Fetch-Site` that is not this site's. A script (curl) sends
  neither and keeps working with one POST.
- **A body is read only when its length is within the endpoint's limit**, and a body over it
  gets a JSON 413 naming the limit, never Django's HTML 400.
Errors are JSON: {"error": "..."} with the status that says what went wrong (docs/api.md).
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, JsonResponse

from . import metrics

JSON = ("application/json",)
REASONS = {400: "malformed", 403: "cross_site", 413: "too_large", 415: "content_type", 422: "too_slow"}
REASONS |= {429: "rate_limited", 503: "busy"}
SAME_SITE_FETCHES = ("same-origin", "none")  # Sec-Fetch-Site values of this site's pages and of typed URLs


class Refused(Exception):
    """A request turned away at the edge; `response()` is its JSON answer."""

    def __init__(self, status: int, message: str, retry_after: int | None = None):
        super().__init__(message)
        self.status, self.retry_after = status, retry_after

    def response(self) -> JsonResponse:
        metrics.refused(REASONS.get(self.status, str(self.status)))
        return json_error(self.status, str(self), self.retry_after)


def json_error(status: int, message: str, retry_after: int | None = None) -> JsonResponse:
    response = JsonResponse({"error": message}, status=status)
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return response


def check_same_site(request: HttpRequest, content_types: tuple[str, ...] = JSON) -> None:
    """Refused unless the request comes from this site (or from no browser) with one of `content_types`."""
    origin = request.headers.get("Origin")
    if origin is not None and origin not in allowed_origins(request):
        raise Refused(403, f"Requests from {origin[:100]} are not accepted; only this site's pages may post here.")
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None and fetch_site not in SAME_SITE_FETCHES:
        raise Refused(403, f"Cross-site requests ({fetch_site[:20]}) are not accepted here.")
    media_type = request.content_type or ""
    empty = not media_type and request.headers.get("Content-Length") in (None, "", "0")  # nothing to act on
    if media_type.lower() not in content_types and not empty:
        wanted = " or ".join(content_types)
        raise Refused(415, f"The body must be sent as {wanted} (Content-Type), not {media_type[:80] or 'nothing'}.")


def allowed_origins(request: HttpRequest) -> set[str]:
    scheme = "https" if request.is_secure() else "http"
    return {f"{scheme}://{request.get_host()}", *settings.CSRF_TRUSTED_ORIGINS}


def read_body(request: HttpRequest, limit: int) -> bytes:
    """The body, if its length is within `limit` bytes; else Refused(413) naming the limit."""
    try:
        declared = int(request.headers.get("Content-Length") or 0)
    except ValueError:
        raise Refused(400, "Content-Length is not a number.") from None
    if declared > limit:
        raise Refused(413, f"The request is {declared:,} bytes; the limit is {_size(limit)}.")
    try:
        body = request.body
    except RequestDataTooBig:  # no Content-Length, and more than DATA_UPLOAD_MAX_MEMORY_SIZE came
        raise Refused(413, f"The request is over {_size(limit)}.") from None
    if len(body) > limit:
        raise Refused(413, f"The request is {len(body):,} bytes; the limit is {_size(limit)}.")
    return body


def _size(limit: int) -> str:
    if limit % (1 << 20) == 0:
        return f"{limit >> 20} MiB"
    return f"{limit // 1024} KiB" if limit % 1024 == 0 else f"{limit:,} bytes"
