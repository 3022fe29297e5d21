"""A class from outside, as browsers make one: a teacher opens it with the form (its CSRF token
included), students join by its code and read their page's class token. Used by the class
cluster test and bench/classroom.py; standard library only."""

from __future__ import annotations

import html
import http.cookiejar
import re
import urllib.error
import urllib.parse
import urllib.request

LESSON = """t = tf.constant([1, 2, 3])
# %% exercise: Cast to float
t_float = tf.cast(t, tf.float32)
# %% check
assert t_float.dtype == tf.float32, "t_float must be float32"
"""


class Browser:
    """One browser: its cookies (session, CSRF) kept across requests to `base`."""

    def __init__(self, base: str):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=30) as response:
            return response.read().decode()

    def post(self, path: str, fields: dict[str, str]) -> str:
        """A form's POST with this browser's CSRF token; the URL it lands on after redirects."""
        body = urllib.parse.urlencode({**fields, "csrfmiddlewaretoken": self.cookie_value("csrftoken")}).encode()
        request = urllib.request.Request(self.base + path, data=body, method="POST")
        try:
            with self.opener.open(request, timeout=60) as response:
                return response.geturl()
        except urllib.error.HTTPError as error:  # where it landed says no (a closed class's 410)
            if error.code >= 500 or error.url == self.base + path:
                raise
            return error.url

    def cookie_value(self, name: str) -> str:
        return next(cookie.value for cookie in self.jar if cookie.name == name)

    @property
    def cookie(self) -> str:
        """The session cookie, as a websocket's Cookie header carries it."""
        return f"sessionid={self.cookie_value('sessionid')}"

    def open_class(self, name: str = "Bench class", seats: int = 60, code: str = LESSON) -> str:
        """Open a class as its teacher; its code."""
        self.get("/class/new")  # the form: its CSRF cookie
        landed = self.post("/class/open", {"name": name, "seats": str(seats), "starting_code": code})
        found = re.search(r"/class/(\w+)/teach", landed)
        if found is None:
            raise RuntimeError(f"opening a class landed on {landed}")
        return found[1]

    def join(self, code: str, name: str) -> str:
        """Join class `code` as a student; the class token their page's websocket carries."""
        self.get(f"/c/{code}")
        self.post(f"/c/{code}/join", {"name": name})
        return class_token(self.get(f"/c/{code}"))


def class_token(page: str) -> str:
    found = re.search(r'data-class-token="([^"]+)"', page)
    if found is None:
        raise RuntimeError("the page has no class token")
    return html.unescape(found[1])


def student_path(token: str) -> str:
    return "/ws/session/?class=" + urllib.parse.quote(token)
