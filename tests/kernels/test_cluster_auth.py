"""Authenticated scale-out: Redis asks for a password, and every channel-layer message is sealed
with a key that web processes and kernel hosts share. The attacks are written as someone who
can reach Redis would write them: raw bytes in channels_redis's format, pushed with redis-py."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
import uuid

import msgpack
import pytest
import redis
from cryptography.fernet import Fernet

from bench.cluster import Cluster
from bench.site import connect, next_message, session_cookie
from kernels import bus
from kernels.placement import RedisPlacement
from kernels.redis_layer import ResilientRedisChannelLayer
from tests.support import ROOT

# Marked like test_cluster.py: slow, and skipped where redis-server is missing.
needs_redis = pytest.mark.skipif(shutil.which("redis-server") is None, reason="redis-server is not installed")

PREFIX = "playground"  # CHANNEL_LAYERS' "prefix": every channel's Redis key starts with it
RANDOM_PREFIX_BYTES = 12  # channels_redis puts 12 random bytes before each message


@pytest.fixture(scope="module")
def cluster():
    with Cluster(webs=1, kernelhosts=1, kernelhost_logs=True) as running:
        yield running


def unsealed(message: dict) -> bytes:
    """A message as channels_redis writes it without a key: what an attacker can forge."""
    return os.urandom(RANDOM_PREFIX_BYTES) + msgpack.packb(message)


def sealed(message: dict, key: str) -> bytes:
    """The same message sealed as channels_redis does with `symmetric_encryption_keys`."""
    fernet = Fernet(base64.urlsafe_b64encode(hashlib.sha256(key.encode()).digest()))
    return os.urandom(RANDOM_PREFIX_BYTES) + fernet.encrypt(msgpack.packb(message))


def channel_key(channel: str) -> str:
    """The Redis key of a channel: a process-specific one (`name!suffix`) shares its process's."""
    return PREFIX + (channel[: channel.index("!") + 1] if "!" in channel else channel)


def push(client: redis.Redis, channel: str, message: dict, payload) -> None:
    """Write one message into a channel exactly where a channel-layer send would put it."""
    if "!" in channel:
        message = {**message, "__asgi_channel__": channel}
    client.zadd(channel_key(channel), {payload(message): time.time()})
    client.expire(channel_key(channel), 120)


def wait_consumed(client: redis.Redis, channel: str, timeout: float = 30) -> None:
    """Until whoever listens on `channel` has taken everything written to it."""
    deadline = time.monotonic() + timeout
    while client.zcard(channel_key(channel)):
        assert time.monotonic() < deadline, f"nobody took the messages on {channel}"
        time.sleep(0.05)


async def run(websocket, code: str, request_id: str, frames: list[dict]) -> str:
    """Run `code` and return its last value (or error); every frame received lands in `frames`."""
    await websocket.send(json.dumps({"type": "execute", "id": request_id, "code": code}))
    await read_until(websocket, frames, lambda last: last.get("id") == request_id and last["type"] == "done")
    mine = [m for m in frames if m.get("id") == request_id]
    errors = [m for m in mine if m["type"] == "error"]
    if errors:
        return f"{errors[0]['ename']}: {errors[0]['evalue']}"
    results = [m for m in mine if m["type"] == "result"]
    return results[-1]["value"]["repr"] if results else ""


async def read_until(websocket, frames: list[dict], last, timeout: float = 60) -> None:
    async with asyncio.timeout(timeout):
        while True:
            frames.append(await next_message(websocket))
            if last(frames[-1]):
                return


def victim_of(cookie: str, attacker: redis.Redis) -> tuple[str, str, str]:
    """The victim's owner, the host that runs its kernel and its websocket's reply channel, all
    read from Redis as an attacker with the password would read them."""
    owner = bus.owner_for(cookie.split("=", 1)[1])
    host = attacker.get(f"playground:owner:{owner}").decode()
    replies = attacker.zrange(f"{PREFIX}:group:{bus.group_name(owner)}", 0, -1)
    return owner, host, replies[0].decode()


def forgeries(owner: str, reply: str, intruder: str, tag: str) -> list[tuple[str, dict]]:
    """(where, what): run code in the victim's session, attach another session to the victim's
    websocket and run there, and write straight into the victim's websocket."""
    text = json.dumps({"type": "stream", "id": f"{tag}-direct", "name": "stdout", "text": tag})
    direct = {"type": bus.MESSAGE.type, "text": text, "texts": [text], "kinds": ["stream"]}  # old and new shapes
    return [
        ("host", {"type": bus.EXECUTE.type, **to(owner, reply), "id": f"{tag}-run", "code": "state = 666"}),
        ("host", {"type": bus.ATTACH.type, **to(intruder, reply)}),
        ("host", {"type": bus.EXECUTE.type, **to(intruder, reply), "id": f"{tag}-into", "code": repr(tag)}),
        ("reply", direct),
    ]


def to(owner: str, reply: str) -> dict:
    return {"owner": owner, "reply": reply, "client": ""}


@pytest.mark.slow
@needs_redis
def test_a_client_without_the_redis_password_is_refused(cluster):
    anonymous = redis.Redis(host="127.0.0.1", port=cluster.redis_port, socket_timeout=5)
    with pytest.raises(redis.exceptions.AuthenticationError):
        anonymous.hgetall("playground:kernelhosts")  # the placement registry
    wrong = redis.Redis(host="127.0.0.1", port=cluster.redis_port, password="guess", socket_timeout=5)
    with pytest.raises(redis.exceptions.AuthenticationError):
        wrong.ping()


@pytest.mark.slow
@needs_redis
async def test_a_client_with_the_redis_password_but_not_the_key_cannot_run_code_or_reach_a_websocket(cluster):
    base = cluster.webs[0].base
    cookie = session_cookie(base)
    attacker = redis.Redis.from_url(cluster.redis_url, socket_timeout=5)
    frames: list[dict] = []
    async with await connect(base, cookie) as websocket:
        assert await run(websocket, "state = 41\nstate", "setup", frames) == "41"
        owner, host, reply = victim_of(cookie, attacker)
        for where, message in forgeries(owner, reply, uuid.uuid4().hex, "FORGED"):
            push(attacker, host if where == "host" else reply, message, unsealed)
        wait_consumed(attacker, host)
        wait_consumed(attacker, reply)
        # The same messages sealed with the key, sent after the forgeries down the same paths,
        # do reach the websocket: by the time they have, the forgeries would have too.
        for where, message in forgeries(owner, reply, uuid.uuid4().hex, "PROBE")[1:]:  # not the victim's state
            push(attacker, host if where == "host" else reply, message, lambda m: sealed(m, cluster.channel_layer_key))
        probed = {("PROBE-into", "done"), ("PROBE-direct", "stream")}
        await read_until(websocket, frames, lambda _: probed <= {(m.get("id"), m["type"]) for m in frames})
        assert await run(websocket, "state", "after", frames) == "41"
    ids = {frame.get("id") for frame in frames}
    assert not {"FORGED-run", "FORGED-into", "FORGED-direct"} & ids
    assert "FORGED" not in json.dumps(frames)
    assert cluster.kernelhosts[0].poll() is None
    assert "failed authentication" in cluster.kernelhost_log(0)


@pytest.mark.slow
@needs_redis
async def test_a_forged_message_is_dropped_and_logged_and_the_next_real_one_arrives(cluster, caplog):
    key = cluster.channel_layer_key
    layer = ResilientRedisChannelLayer(hosts=[cluster.redis_url], prefix=PREFIX, symmetric_encryption_keys=[key])
    attacker = redis.Redis.from_url(cluster.redis_url, socket_timeout=5)
    for channel in (f"test-auth.{uuid.uuid4().hex}", await layer.new_channel()):
        push(attacker, channel, {"type": "forged"}, unsealed)
        await layer.send(channel, {"type": "real"})
        assert (await asyncio.wait_for(layer.receive(channel), 30))["type"] == "real"
    refusals = [r for r in caplog.records if "failed authentication" in r.getMessage()]
    assert len(refusals) == 1  # a flood of forgeries is summarised, not logged line by line
    await layer.close_pools()


@pytest.mark.slow
@needs_redis
async def test_a_redis_acl_user_without_dangerous_commands_is_enough_for_the_layer_and_placement(cluster):
    admin = redis.Redis.from_url(cluster.redis_url, socket_timeout=5)
    rules = ["on", ">acl-secret", "~playground*", "&*", "+@all", "-@dangerous"]
    admin.execute_command("ACL", "SETUSER", "playground-test", *rules)
    url = f"redis://playground-test:acl-secret@127.0.0.1:{cluster.redis_port}/0"
    layer = ResilientRedisChannelLayer(
        hosts=[url], prefix=PREFIX, symmetric_encryption_keys=[cluster.channel_layer_key]
    )
    channel = await layer.new_channel()
    await layer.group_add("acl-test", channel)
    await layer.group_send("acl-test", {"type": "hello"})
    assert (await asyncio.wait_for(layer.receive(channel), 30))["type"] == "hello"
    await layer.close_pools()
    registry = RedisPlacement(url)
    await registry.heartbeat("kernelhost.acl-test", free=1, gpu_free=0)
    assert await registry.alive("kernelhost.acl-test")
    await registry.withdraw("kernelhost.acl-test")


def test_the_channel_layer_key_comes_from_the_environment(monkeypatch):
    from config.settings import channel_layer_keys

    monkeypatch.setenv("CHANNEL_LAYER_KEY", "n" * 43 + ", " + "o" * 43)
    assert channel_layer_keys("secret") == ["n" * 43, "o" * 43]  # the first seals, both open


def test_without_a_channel_layer_key_one_is_derived_from_secret_key_under_its_own_name(monkeypatch):
    import hmac

    from config.settings import channel_layer_keys

    monkeypatch.delenv("CHANNEL_LAYER_KEY", raising=False)
    expected = hmac.new(b"secret", b"channel-layer", hashlib.sha256).hexdigest()
    assert channel_layer_keys("secret") == [expected]
    assert channel_layer_keys("another secret") != [expected]


def test_a_short_channel_layer_key_stops_the_server_at_start(monkeypatch):
    from config.settings import channel_layer_keys

    monkeypatch.setenv("CHANNEL_LAYER_KEY", "short")
    with pytest.raises(ValueError, match="CHANNEL_LAYER_KEY"):
        channel_layer_keys("secret")


def test_the_redis_layer_will_not_run_without_a_key():
    with pytest.raises(ValueError, match="key"):
        ResilientRedisChannelLayer(hosts=["redis://127.0.0.1:1/0"], prefix=PREFIX)


@pytest.mark.slow
@needs_redis
def test_a_kernel_host_given_the_wrong_redis_password_stops_at_once_and_says_why(cluster):
    wrong_url = cluster.redis_url.replace(cluster.redis_password, "not-the-password")
    command = [sys.executable, "manage.py", "kernelhost"]
    env = {**cluster.env, "REDIS_URL": wrong_url}
    out = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode != 0
    assert "Redis refused the credentials in REDIS_URL" in out.stderr
    assert "not-the-password" not in out.stderr + out.stdout
