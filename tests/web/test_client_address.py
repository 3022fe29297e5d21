"""The client's address is the socket's unless a proxy named in TRUSTED_PROXIES forwarded it
(issue 11, point 5): a made-up X-Forwarded-For must not choose the address that rate limits and
kernels-per-client count against, neither in the site nor in uvicorn as `make serve` runs it."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
import textwrap
import time
import urllib.request

import pytest
from django.core.cache import cache
from django.test import RequestFactory

from bench.site import free_port
from config import env as site_env
from playground.clients import client_address
from tests.support import ROOT

PROXY = "10.0.0.1"


def scope(peer: str, *forwarded: str) -> dict:
    """An ASGI scope as the websocket consumer gets it (a header may come more than once)."""
    headers = [(b"x-forwarded-for", value.encode()) for value in forwarded]
    return {"type": "websocket", "client": (peer, 50000), "headers": [(b"host", b"localhost"), *headers]}


def request(peer: str, forwarded: str | None = None):
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return RequestFactory().get("/", REMOTE_ADDR=peer, **extra)


# ---------- who the site counts ----------


def test_a_made_up_forwarded_for_from_an_untrusted_peer_is_ignored_on_a_websocket(settings):
    settings.TRUSTED_PROXIES = []
    assert client_address(scope("203.0.113.7", "1.2.3.4")) == "203.0.113.7"


def test_a_made_up_forwarded_for_from_an_untrusted_peer_is_ignored_over_http(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert client_address(request("203.0.113.7", "1.2.3.4")) == "203.0.113.7"


def test_a_trusted_proxy_forwards_the_clients_address(settings):
    settings.TRUSTED_PROXIES = [PROXY]
    assert client_address(scope(PROXY, "198.51.100.4")) == "198.51.100.4"
    assert client_address(request(PROXY, "198.51.100.4")) == "198.51.100.4"


def test_spoofed_left_most_entries_are_passed_over_for_the_right_most_untrusted_one(settings):
    # The client sent "6.6.6.6, 7.7.7.7"; our two proxies appended the client's real address
    # and the first proxy's; the peer is the second proxy.
    settings.TRUSTED_PROXIES = ["10.0.0.0/24"]
    chain = "6.6.6.6, 7.7.7.7, 198.51.100.4, 10.0.0.2"
    assert client_address(request("10.0.0.3", chain)) == "198.51.100.4"
    assert client_address(scope("10.0.0.3", "6.6.6.6, 7.7.7.7", "198.51.100.4, 10.0.0.2")) == "198.51.100.4"


def test_forwarded_entries_with_ports_and_ipv6_are_read(settings):
    settings.TRUSTED_PROXIES = [PROXY, "fd00::/8"]
    assert client_address(request(PROXY, "198.51.100.4:5555")) == "198.51.100.4"
    assert client_address(request(PROXY, "[2001:db8::5]:443")) == "2001:db8::/64"
    assert client_address(request("fd00::1", "2001:db8::5")) == "2001:db8::/64"


def test_an_ipv6_client_is_counted_by_its_network_so_a_slash_64_is_one_client(settings):
    # The attack: one subscriber's /64 holds 2**64 addresses, each a new "client" for every
    # per-address limit (kernels, shares, conversions, the admin's login throttle).
    many = {client_address(request(f"2001:db8:1:2::{n:x}", "")) for n in range(1, 200)}
    assert many == {"2001:db8:1:2::/64"}
    assert client_address(request("2001:db8:1:3::1", "")) == "2001:db8:1:3::/64"  # the next /64 is another
    assert client_address(request("::ffff:203.0.113.9", "")) == "203.0.113.9"  # IPv4 in IPv6 clothing
    assert client_address(request("203.0.113.9", "")) == "203.0.113.9"
    settings.PLAYGROUND_IPV6_PREFIX = 48
    assert client_address(request("2001:db8:1:2::1", "")) == "2001:db8:1::/48"


def test_an_unreadable_forwarded_entry_counts_the_client_under_the_proxy(settings):
    settings.TRUSTED_PROXIES = [PROXY]
    assert client_address(request(PROXY, "1.2.3.4, not-an-address")) == PROXY
    assert client_address(request(PROXY, "")) == PROXY


def test_a_client_on_the_proxies_own_network_is_itself(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/24"]
    assert client_address(request("10.0.0.3", "10.0.0.9")) == "10.0.0.9"


def test_a_scope_without_a_client_is_unknown(settings):
    settings.TRUSTED_PROXIES = [PROXY]
    assert client_address({"type": "websocket", "client": None, "headers": []}) == "unknown"


@pytest.mark.django_db
def test_rate_limits_count_a_spoofing_client_under_its_own_address(client, settings, override_snippet_limits):
    cache.clear()
    settings.TRUSTED_PROXIES = []
    override_snippet_limits(creates_per_window=2)
    statuses = []
    for n in range(3):
        body = json.dumps({"code": f"spoof = {n}"})
        headers = {"REMOTE_ADDR": "203.0.113.7", "HTTP_X_FORWARDED_FOR": f"192.0.2.{n}"}
        statuses.append(client.post("/api/snippets", body, content_type="application/json", **headers).status_code)
    cache.clear()
    assert statuses == [201, 201, 429]


# ---------- the setting ----------


def test_trusted_proxies_default_to_none(monkeypatch):
    monkeypatch.delenv("TRUSTED_PROXIES", raising=False)
    assert site_env.env_networks("TRUSTED_PROXIES") == []


def test_trusted_proxies_take_addresses_and_networks_and_refuse_anything_else(monkeypatch):
    monkeypatch.setenv("TRUSTED_PROXIES", "10.0.0.1, 192.168.0.0/16,fd00::/8")
    assert site_env.env_networks("TRUSTED_PROXIES") == ["10.0.0.1/32", "192.168.0.0/16", "fd00::/8"]
    monkeypatch.setenv("TRUSTED_PROXIES", "10.0.0.1,proxy.internal")
    with pytest.raises(ValueError, match="TRUSTED_PROXIES"):
        site_env.env_networks("TRUSTED_PROXIES")


# ---------- uvicorn as `make serve` starts it ----------

ECHO_APP = textwrap.dedent(
    """
    async def app(scope, receive, send):  # answers with the client address uvicorn gives the app
        if scope["type"] == "http":
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": scope["client"][0].encode()})
        elif scope["type"] == "websocket":
            await receive()
            await send({"type": "websocket.accept"})
            await send({"type": "websocket.send", "text": scope["client"][0]})
            await send({"type": "websocket.close"})
    """
)


def serve_flags(trusted_proxies: str) -> list[str]:
    """The uvicorn options of the Makefile's serve target, as `make -n` prints them."""
    dry_run = subprocess.run(
        ["make", "-n", "serve", f"TRUSTED_PROXIES={trusted_proxies}"], cwd=ROOT, capture_output=True, text=True
    )
    text = dry_run.stdout.replace("\\\n", " ")
    line = next(line for line in text.splitlines() if "uvicorn config.asgi:application" in line)
    words = shlex.split(line.split("config.asgi:application", 1)[1])
    drop = {"--host", "--port"}
    return [word for i, word in enumerate(words) if word not in drop and (i == 0 or words[i - 1] not in drop)]


@pytest.fixture
def echo_server(tmp_path):
    """uvicorn with the Makefile's flags, serving an app that echoes the client address."""
    (tmp_path / "echo.py").write_text(ECHO_APP)
    servers = []

    def start(trusted_proxies: str) -> str:
        port = free_port()
        command = [sys.executable, "-m", "uvicorn", "echo:app", "--app-dir", str(tmp_path), "--host", "127.0.0.1"]
        command += ["--port", str(port), *serve_flags(trusted_proxies)]
        servers.append(subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        base = f"http://127.0.0.1:{port}"
        _wait_until_serving(base)
        return base

    yield start
    for server in servers:
        server.terminate()
        server.wait(10)


def test_the_serve_target_trusts_no_proxy_headers_without_trusted_proxies():
    flags = serve_flags("")
    assert "--no-proxy-headers" in flags and "--forwarded-allow-ips" not in flags


def test_the_serve_target_gives_uvicorn_the_same_trusted_proxies():
    flags = serve_flags("10.0.0.1,10.1.0.0/16")
    assert flags[flags.index("--forwarded-allow-ips") + 1] == "10.0.0.1,10.1.0.0/16"


def test_uvicorn_as_served_ignores_a_made_up_forwarded_for_over_http_and_websockets(echo_server):
    base = echo_server("")
    assert _http_client_address(base, "1.2.3.4") == "127.0.0.1"
    assert _ws_client_address(base, "1.2.3.4") == "127.0.0.1"


def test_uvicorn_as_served_believes_a_trusted_proxy(echo_server):
    base = echo_server("127.0.0.1")
    assert _http_client_address(base, "6.6.6.6, 198.51.100.4") == "198.51.100.4"


def _http_client_address(base: str, forwarded: str) -> str:
    with urllib.request.urlopen(urllib.request.Request(base + "/", headers={"X-Forwarded-For": forwarded})) as answer:
        return answer.read().decode()


def _ws_client_address(base: str, forwarded: str) -> str:
    from websockets.sync.client import connect

    with connect(re.sub("^http", "ws", base) + "/", additional_headers={"X-Forwarded-For": forwarded}) as socket:
        return socket.recv(timeout=10)


def _wait_until_serving(base: str) -> None:
    for _ in range(200):
        try:
            urllib.request.urlopen(base + "/", timeout=2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError("uvicorn did not start")
