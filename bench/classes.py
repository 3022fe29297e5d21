"""A class from outside, as browsers make one: a teacher opens it with the form of /class/new (its
CSRF token and this site's Origin included), students join with the form of /c/<code> and read
the class token their page carries. Used by bench/classroom.py, bench/classburst.py and the class cluster test."""

from __future__ import annotations

import http.cookiejar
import re
import time
import urllib.error
import urllib.parse
import urllib.request

from kernels.limits import CLIENT_SHARE

from .cpu import wait_until_quiet
from .memory import is_kernel, tree

LESSON = """t = tf.constant([1, 2, 3])
# %% exercise: Cast to float
t_float = tf.cast(t, tf.float32)
# %% check
assert t_float.dtype == tf.float32, "t_float must be float32"
"""


def student_path(token: str) -> str:
    """A seated student's websocket."""
    return "/ws/session/?class=" + urllib.parse.quote(token)


def form_token(html: str) -> str | None:
    """The CSRF token a page's form carries (`csrfmiddlewaretoken`)."""
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    return found[1] if found else None


def page_class_token(html: str) -> str:
    """The websocket token a student's page carries (`data-class-token`)."""
    found = re.search(r'data-class-token="([^"]+)"', html)
    if found is None:
        raise ValueError("the page has no class token: not a seated student's page")
    return found[1]


def taught_code(url: str) -> str:
    """The class code from the teacher's page's address, where opening a class lands."""
    found = re.search(r"/class/(\w+)/teach$", urllib.parse.urlsplit(url).path)
    if found is None:
        raise ValueError(f"opening the class did not land on a teacher's page: {url}")
    return found[1]


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # the redirect is answered as it is: Browser follows it itself


class Browser:
    """One browser over HTTP: its own cookies, forms posted with the CSRF token of the page it
    loaded last and this site's Origin (as a browser sends on a POST). A redirect is returned, not
    followed, so that a form's POST and the page it leads to are timed apart."""

    def __init__(self, base: str):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), _NoRedirects())
        self.csrf: str | None = None

    def get(self, path: str) -> str:
        """The page's HTML."""
        _, html = self._open(urllib.request.Request(self.base + path))
        return html

    def post(self, path: str, fields: dict[str, str]) -> str:
        """Where the form's answer redirects to."""
        body = urllib.parse.urlencode({"csrfmiddlewaretoken": self.csrf or "", **fields}).encode()
        headers = {"Origin": self.base, "Content-Type": "application/x-www-form-urlencoded"}
        location, _ = self._open(urllib.request.Request(self.base + path, data=body, headers=headers))
        if location is None:
            raise RuntimeError(f"POST {path} answered with a page, not a redirect")
        return location

    def cookie(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.jar if c.name == "sessionid")

    def _open(self, request: urllib.request.Request) -> tuple[str | None, str]:
        """(where it redirects, or None; its HTML)."""
        try:
            with self.opener.open(request, timeout=60) as response:
                html = response.read().decode()
        except urllib.error.HTTPError as exc:
            if exc.code in (301, 302, 303) and exc.headers.get("Location"):
                return urllib.parse.urlsplit(exc.headers["Location"]).path, ""
            raise RuntimeError(f"{request.get_method()} {request.full_url}: {exc.code} {exc.read()[:300]!r}") from None
        self.csrf = form_token(html) or self.csrf
        return None, html


def open_class(teacher: Browser, seats: int, name: str = "Bench class") -> str:
    """Open a class from `teacher`'s browser as the form of /class/new does; its code."""
    teacher.get("/class/new")
    location = teacher.post("/class/open", {"name": name, "seats": str(seats), "starting_code": LESSON})
    teacher.get(location)  # the teacher's page, as the browser lands on it
    return taught_code(location)


def join(student: Browser, code: str, name: str) -> str:
    """Join with the form already loaded (student.get(f"/c/{code}")) and load the page the join
    leads to; the class token it carries."""
    return page_class_token(student.get(student.post(f"/c/{code}/join", {"name": name})))


def site_env(kernels: int) -> dict[str, str]:
    """Room for `kernels` sessions from one address, and for their joins."""
    return {
        "PLAYGROUND_MAX_KERNELS": str(max(100, int(kernels / CLIENT_SHARE) + 10)),
        "PLAYGROUND_CLASS_MAX_SEATS": str(max(100, kernels)),
        "PLAYGROUND_CLASS_JOINS_PER_MINUTE": "10000",
    }


def kernel_processes(pid: int) -> int:
    return sum(1 for child in tree(pid) if is_kernel(child))


def wait_for_kernels(pid: int, count: int, timeout_s: float) -> tuple[float, int]:
    """Wait until `count` kernel processes are under the web process and its CPU is quiet (their
    warm-ups over); (seconds it took, kernels then)."""
    started = time.monotonic()
    deadline = started + timeout_s
    while kernel_processes(pid) < count and time.monotonic() < deadline:
        time.sleep(0.5)
    wait_until_quiet(pid, max(10.0, deadline - time.monotonic()), 3)
    return time.monotonic() - started, kernel_processes(pid)
