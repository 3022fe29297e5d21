"""HTTP hardening (issue 12, point 6): a Content-Security-Policy on every page with no inline
script, HSTS behind HTTPS, nosniff and a Referrer-Policy, a private data folder and database
file, and admin logins throttled per address."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.test import AsyncClient

from playground import consumers
from sharing.models import Snippet
from sharing.submission import Submission
from tests.support import ROOT

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_cache")]


@pytest.fixture
def snippet() -> Snippet:
    return Snippet.objects.create_or_get(Submission(code="t = tf.constant([1, 2])\nt * 2", title="two"))[0]


def pages(snippet: Snippet) -> list[str]:
    return [
        "/",
        snippet.get_absolute_url(),
        f"/e/{snippet.id}",
        "/s/no-such-snippet-1",
        "/e/no-such-snippet-1",
        "/nowhere",
    ]


def policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


# ---------- Content-Security-Policy ----------


def test_every_page_has_a_content_security_policy_without_inline_script_or_style(client, snippet):
    for path in [*pages(snippet), "/admin/login/"]:
        directives = policy(client.get(path))
        assert directives["default-src"] == ["'self'"], path
        assert directives["object-src"] == ["'none'"] and directives["base-uri"] == ["'self'"], path
        assert directives["img-src"] == ["'self'", "data:"], path  # figures are data: images
        assert "script-src" not in directives and "style-src" not in directives, path  # 'self' only
        assert "unsafe" not in client.get(path)["Content-Security-Policy"], path


def test_the_websocket_of_the_same_host_may_be_connected_and_nothing_else(client):
    directives = policy(client.get("/", HTTP_HOST="localhost:8000"))
    assert directives["connect-src"] == ["'self'", "ws://localhost:8000", "wss://localhost:8000"]


def test_pages_may_not_be_framed(client, snippet):
    for path in ["/", snippet.get_absolute_url(), "/s/no-such-snippet-1", "/admin/login/"]:
        response = client.get(path)
        assert policy(response)["frame-ancestors"] == ["'none'"], path
        assert response["X-Frame-Options"] == "DENY", path


def test_embeds_may_be_framed_by_any_site(client, snippet):
    for path in [f"/e/{snippet.id}", f"{snippet.get_absolute_url()}?embed=1"]:
        response = client.get(path)
        assert response.status_code == 200
        assert policy(response)["frame-ancestors"] == ["*"], path
        assert "X-Frame-Options" not in response, path


class InlineCode(HTMLParser):
    """Finds what the policy would block: inline <script> code, on* handlers, style attributes."""

    def __init__(self):
        super().__init__()
        self.found: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = dict(attrs)
        self.found += [f"<{tag} {name}>" for name in names if name.startswith("on") or name == "style"]
        if tag == "script" and "src" not in names and names.get("type") != "application/json":
            self._in_script = True
        if tag == "style":
            self.found.append("<style>")

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.found.append(f"<script>{data.strip()[:60]}")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False


def test_no_page_has_inline_script_handlers_or_style_attributes(client, snippet):
    for path in [*pages(snippet), "/admin/login/"]:
        parser = InlineCode()
        parser.feed(client.get(path).content.decode())
        assert parser.found == [], path


# ---------- other headers ----------


def test_pages_say_nosniff_and_send_no_full_referrer(client, snippet):
    for path in pages(snippet):
        response = client.get(path)
        assert response["X-Content-Type-Options"] == "nosniff", path
        assert response["Referrer-Policy"] == "same-origin", path


def _settings_with(env: dict[str, str], *names: str) -> list[str]:
    code = "from django.conf import settings\n" + "".join(f"print(settings.{name})\n" for name in names)
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", **env}
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_hsts_is_on_for_a_year_with_subdomains_when_cookies_are_secure():
    assert _settings_with({"SECURE_COOKIES": "1"}, "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS") == [
        str(365 * 24 * 3600),
        "True",
    ]
    assert _settings_with({"SECURE_COOKIES": "0"}, "SECURE_HSTS_SECONDS") == ["0"]


def test_over_https_the_cookies_carry_the_host_prefix_so_no_subdomain_can_plant_one():
    names = ("SESSION_COOKIE_NAME", "CSRF_COOKIE_NAME", "SESSION_COOKIE_DOMAIN", "SESSION_COOKIE_PATH")
    assert _settings_with({"SECURE_COOKIES": "1"}, *names) == ["__Host-sessionid", "__Host-csrftoken", "None", "/"]
    assert _settings_with({"SECURE_COOKIES": "0"}, *names[:2]) == ["sessionid", "csrftoken"]


@pytest.mark.django_db(transaction=True)
async def test_a_host_prefixed_session_cookie_is_set_as_browsers_require_and_binds_the_websocket(settings):
    settings.SESSION_COOKIE_NAME, settings.SESSION_COOKIE_SECURE = "__Host-sessionid", True
    response = await AsyncClient().get("/", secure=True)
    cookie = response.cookies["__Host-sessionid"]
    assert cookie["secure"] and cookie["path"] == "/" and not cookie["domain"]  # what __Host- demands
    assert await consumers._issued_key({"cookies": {"__Host-sessionid": cookie.value}}) == cookie.value
    assert await consumers._issued_key({"cookies": {"sessionid": cookie.value}}) is None  # the old name binds nothing


def test_an_https_request_gets_the_hsts_header(client, settings):
    settings.SECURE_HSTS_SECONDS = 365 * 24 * 3600
    response = client.get("/", secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


# ---------- the data folder and the database file ----------


def _migrate_fresh(data_dir: Path, extra_env: dict[str, str] | None = None) -> None:
    env = {key: value for key, value in os.environ.items() if key not in ("SECRET_KEY", "SQLITE_PATH", "DATABASE_URL")}
    env.update({"PLAYGROUND_DATA_DIR": str(data_dir), "DJANGO_SETTINGS_MODULE": "config.settings"})
    env.update(extra_env or {})
    command = [sys.executable, "manage.py", "migrate", "--noinput"]
    umask = os.umask(0o022)  # the usual umask, under which SQLite would make the file world-readable
    try:
        subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True)
    finally:
        os.umask(umask)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_data_folder_is_private_and_the_database_and_key_are_readable_by_their_owner_only(tmp_path):
    data_dir = tmp_path / "data"
    _migrate_fresh(data_dir)
    assert _mode(data_dir) == 0o700
    assert _mode(data_dir / "db.sqlite3") == 0o600
    assert _mode(data_dir / "secret_key") == 0o600
    assert (data_dir / "db.sqlite3").stat().st_size > 0  # a real database, migrated


def test_a_world_readable_database_from_before_is_made_private(tmp_path):
    data_dir = tmp_path / "data"
    _migrate_fresh(data_dir)
    (data_dir / "db.sqlite3").chmod(0o644)
    _migrate_fresh(data_dir)
    assert _mode(data_dir / "db.sqlite3") == 0o600


def test_a_database_outside_the_data_folder_is_private_too(tmp_path):
    database = tmp_path / "elsewhere" / "site.sqlite3"
    _migrate_fresh(tmp_path / "data", {"SQLITE_PATH": str(database)})
    assert _mode(database) == 0o600 and _mode(database.parent) == 0o700


# ---------- admin logins ----------


def _login(client, password: str, address: str = "203.0.113.9", **extra):
    data = {"username": "moderator", "password": password, "next": "/admin/"}
    return client.post("/admin/login/", data, REMOTE_ADDR=address, **extra)


@pytest.fixture
def moderator(django_user_model):
    return django_user_model.objects.create_superuser("moderator", "m@example.org", "right-password-123")


def test_admin_logins_are_refused_after_repeated_failures_from_one_address(client, moderator, settings):
    settings.ADMIN_LOGIN_FAILURES = 3
    assert [_login(client, f"guess-{n}").status_code for n in range(3)] == [200, 200, 200]
    refused = _login(client, "right-password-123")  # even the right password, until the window ends
    assert refused.status_code == 429 and int(refused["Retry-After"]) >= 1
    assert refused["Content-Type"].startswith("text/plain") and b"Too many failed logins" in refused.content


def test_a_made_up_forwarded_for_does_not_reset_the_count(client, moderator, settings):
    settings.ADMIN_LOGIN_FAILURES = 2
    settings.TRUSTED_PROXIES = []
    statuses = [_login(client, "guess", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}").status_code for n in range(3)]
    assert statuses == [200, 200, 429]


def test_other_addresses_and_successful_logins_are_not_held_back(client, moderator, settings):
    settings.ADMIN_LOGIN_FAILURES = 2
    for _ in range(3):
        assert _login(client, "right-password-123", address="198.51.100.1").status_code == 302
        client.logout()
    assert [_login(client, "guess").status_code for _ in range(3)] == [200, 200, 429]
    assert _login(client, "right-password-123", address="198.51.100.2").status_code == 302
