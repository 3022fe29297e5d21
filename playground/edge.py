"""The web edge: what a request must be before the site does any work for it.

The web process is one event loop shared by every page and websocket, so an endpoint's rule is
checked on what is cheap to read, its headers, before anything that scales with the request:
- **Cross-site requests create nothing.** A state-changing endpoint takes JSON only (an HTML
  form cannot send `application/json` without a CORS preflight, which this site never grants)
  and refuses an `Origin` or `Sec-Fetch-Site` that is not this site's. A script (curl) sends
  neither and keeps working with one POST.
- **A body is read only when its length is within the endpoint's limit** (a JSON 413 naming the
  limit otherwise), and **only within the client's rate** (429 with Retry-After).
EdgeMiddleware applies the rules in front of Django, which would otherwise read a whole body
before any view runs; views call check() too, which does nothing for a request the middleware
passed and everything for one that came another way (the test client, another server).
Apps name their endpoints' rules with register() when they start.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import Resolver404, resolve

from . import metrics, ratelimit
from .clients import client_address

JSON = ("application/json",)
REASONS = {400: "malformed", 403: "cross_site", 413: "too_large", 415: "content_type", 422: "too_slow"}
REASONS |= {429: "rate_limited", 503: "busy"}
SAME_SITE_FETCHES = ("same-origin", "none")  # Sec-Fetch-Site values of this site's pages and of typed URLs
CHECKED = "playground.edge"  # the scope key the middleware leaves on a request it checked


class Refused(Exception):
    """A request turned away; `response()` is its answer (JSON, or plain text for pages)."""

    def __init__(self, status: int, message: str, retry_after: int | None = None, plain: bool = False):
        super().__init__(message)
        self.status, self.retry_after, self.plain = status, retry_after, plain

    def response(self) -> HttpResponse:
        metrics.refused(REASONS.get(self.status, str(self.status)))
        if self.plain:
            response = HttpResponse(str(self) + "\n", status=self.status, content_type="text/plain; charset=utf-8")
        else:
            response = json_error(self.status, str(self))
        if self.retry_after is not None:
            response["Retry-After"] = str(self.retry_after)
        return response


def json_error(status: int, message: str, retry_after: int | None = None) -> JsonResponse:
    response = JsonResponse({"error": message}, status=status)
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return response


@dataclass(frozen=True)
class Rule:
    """What one endpoint accepts. Limits are read when asked, so a changed setting counts."""

    rate: Callable[[], tuple[int, int]] | None = None  # (requests, per seconds) per client address
    bucket: str = ""  # endpoints that share one count name the same bucket
    content_types: tuple[str, ...] = ()  # a body's; () for endpoints that take none
    max_bytes: Callable[[], int] | None = None
    plain: bool = False  # refusals as text (pages) rather than JSON (the API)
    what: str = "requests"  # what is counted, in the 429's words: "Too many <what> from here"


@dataclass(frozen=True)
class Asking:
    """What a request says of itself in its headers."""

    content_type: str
    content_length: str | None
    origin: str | None
    fetch_site: str | None
    own_origin: str
    client: str


RULES: dict[str, Rule] = {}


def register(url_name: str, rule: Rule) -> None:
    RULES[url_name] = rule


def refusal(rule: Rule, asking: Asking) -> Refused | None:
    """Why a request is turned away by its endpoint's rule, or None."""
    if rule.content_types:
        problem = _cross_site(asking) or _wrong_type(rule, asking) or _too_long(rule, asking)
        if problem is not None:
            return Refused(problem[0], problem[1], plain=rule.plain)
    if rule.rate is not None:
        limit, window_s = rule.rate()
        wait = ratelimit.hit(f"{rule.bucket}:{asking.client}", limit, window_s)
        if wait is not None:
            return Refused(429, f"Too many {rule.what} from here; try again in {wait} s.", wait, rule.plain)
    return None


def check(request: HttpRequest, url_name: str) -> None:
    """Refused unless `request` keeps its endpoint's rule (checked once, here or in front)."""
    rule = RULES[url_name]
    if getattr(request, "scope", {}).get(CHECKED) == rule.bucket:
        return
    problem = refusal(rule, _asking_request(request))
    if problem is not None:
        raise problem


def read_body(request: HttpRequest, limit: int) -> bytes:
    """The body, if its length is within `limit` bytes; else Refused(413) naming the limit."""
    problem = _too_long(Rule(max_bytes=lambda: limit), _asking_request(request))
    if problem is not None:
        raise Refused(*problem)
    try:
        body = request.body
    except RequestDataTooBig:  # no Content-Length, and more than DATA_UPLOAD_MAX_MEMORY_SIZE came
        raise Refused(413, f"The request is over {size(limit)}.") from None
    if len(body) > limit:
        raise Refused(413, f"The request is {len(body):,} bytes; the limit is {size(limit)}.")
    return body


class EdgeMiddleware:
    """ASGI: an endpoint's rule applied before Django reads the request's body."""

    def __init__(self, app: Callable) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] == "http" and not scope["path"].startswith(settings.STATIC_URL):  # no rule: skip resolving
            name = _url_name(scope["path"])
            rule = RULES.get(name) if name else None
            problem = refusal(rule, _asking_scope(scope)) if rule is not None else None
            if problem is not None:
                await _answer(send, problem.response())
                return
            if rule is not None:
                scope = {**scope, CHECKED: rule.bucket}
        await self.app(scope, receive, send)


async def _answer(send: Callable, response: HttpResponse) -> None:
    headers = [(key.lower().encode("latin-1"), value.encode("latin-1")) for key, value in response.items()]
    await send({"type": "http.response.start", "status": response.status_code, "headers": headers})
    await send({"type": "http.response.body", "body": response.content})


def _url_name(path: str) -> str | None:
    try:
        return resolve(path).url_name
    except Resolver404:
        return None


def _cross_site(asking: Asking) -> tuple[int, str] | None:
    if asking.origin is not None and asking.origin not in {asking.own_origin, *settings.CSRF_TRUSTED_ORIGINS}:
        return 403, f"Requests from {asking.origin[:100]} are not accepted; only this site's pages may post here."
    if asking.fetch_site is not None and asking.fetch_site not in SAME_SITE_FETCHES:
        return 403, f"Cross-site requests ({asking.fetch_site[:20]}) are not accepted here."
    return None


def _wrong_type(rule: Rule, asking: Asking) -> tuple[int, str] | None:
    empty = not asking.content_type and asking.content_length in (None, "", "0")  # nothing to act on
    if asking.content_type in rule.content_types or empty:
        return None
    wanted = " or ".join(rule.content_types)
    return 415, f"The body must be sent as {wanted} (Content-Type), not {asking.content_type[:80] or 'nothing'}."


def _too_long(rule: Rule, asking: Asking) -> tuple[int, str] | None:
    if rule.max_bytes is None or not asking.content_length:
        return None
    if not asking.content_length.isdigit():
        return 400, "Content-Length is not a number."
    limit = rule.max_bytes()
    if int(asking.content_length) > limit:
        return 413, f"The request is {int(asking.content_length):,} bytes; the limit is {size(limit)}."
    return None


def _asking_request(request: HttpRequest) -> Asking:
    scheme = "https" if request.is_secure() else "http"
    return Asking(
        content_type=(request.content_type or "").lower(),
        content_length=request.headers.get("Content-Length"),
        origin=request.headers.get("Origin"),
        fetch_site=request.headers.get("Sec-Fetch-Site"),
        own_origin=f"{scheme}://{request.get_host()}",
        client=client_address(request),
    )


def _asking_scope(scope: dict) -> Asking:
    headers = {name.decode("latin-1"): value.decode("latin-1") for name, value in scope.get("headers", ())}
    return Asking(
        content_type=headers.get("content-type", "").split(";", 1)[0].strip().lower(),
        content_length=headers.get("content-length"),
        origin=headers.get("origin"),
        fetch_site=headers.get("sec-fetch-site"),
        own_origin=f"{scope.get('scheme', 'http')}://{headers.get('host', '')}",
        client=client_address(scope),
    )


def size(limit: int) -> str:
    if limit % (1 << 20) == 0:
        return f"{limit >> 20} MiB"
    return f"{limit // 1024} KiB" if limit % 1024 == 0 else f"{limit:,} bytes"
