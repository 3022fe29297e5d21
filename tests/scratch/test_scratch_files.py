"""Model files: the session's scratch folder over HTTP, reached through its own kernel (real kernels).

A Django session cookie picks the kernel exactly as the websocket does (bus.owner_for); the
kernel's control thread does the file work inside its own mount namespace.
"""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async
from django.contrib.sessions.backends.db import SessionStore
from django.test import AsyncClient

from kernels import bus
from tests.support import uploaded_file

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

HUBER_MODEL = """
def huber_fn(y_true, y_pred):
    error = y_true - y_pred
    return tf.where(tf.abs(error) < 1, tf.square(error) / 2, tf.abs(error) - 0.5)

X, y, _, _ = datasets.load("outliers", n=200)
model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
model.compile(loss=huber_fn, optimizer="nadam")
model.fit(X, y, epochs=2, verbose=0)
model.save("my_model.keras")
"""


async def browser_session() -> tuple[AsyncClient, str]:
    store = SessionStore()
    await database_sync_to_async(store.create)()
    client = AsyncClient()
    client.cookies["sessionid"] = store.session_key
    return client, bus.owner_for(store.session_key)


@pytest.fixture
async def browser(client_factory):
    """(an HTTP client with a session cookie, the BusClient of that session's kernel)."""
    http, owner = await browser_session()
    return http, await client_factory(owner=owner)


async def body(response) -> bytes:
    return b"".join([chunk async for chunk in response.streaming_content])


async def test_a_saved_model_is_listed_downloaded_uploaded_and_loaded_with_its_custom_objects(browser):
    http, kernel = browser
    run = await kernel.run(HUBER_MODEL + "expected = model.predict(X[:5], verbose=0)")
    assert run.done["ok"], run.error
    listing = (await http.get("/files/")).json()
    saved = next(f for f in listing["files"] if f["name"] == "my_model.keras")
    assert saved["size"] > 1000 and listing["max_upload_bytes"] > 0
    response = await http.get("/files/my_model.keras")
    assert response.status_code == 200 and 'attachment; filename="my_model.keras"' in response["Content-Disposition"]
    data = await body(response)
    assert len(data) == saved["size"] and data[:2] == b"PK"  # a .keras file is a zip
    upload = await http.post("/files/", {"file": uploaded_file("copy.keras", data)})
    assert upload.status_code == 201 and upload.json() == {"name": "copy.keras", "size": len(data)}
    loaded = await kernel.run(
        "again = keras.models.load_model('copy.keras', custom_objects={'huber_fn': huber_fn})\n"
        "bool(np.allclose(again.predict(X[:5], verbose=0), expected))"
    )
    assert loaded.results[2]["repr"] == "True", loaded.error


async def test_files_larger_than_one_chunk_round_trip_intact(browser):
    http, kernel = browser
    payload = bytes(range(256)) * 3000  # 768,000 bytes: three chunks and a bit
    assert (await http.post("/files/", {"file": uploaded_file("big.bin", payload)})).status_code == 201
    run = await kernel.run("data = open('big.bin', 'rb').read()\nlen(data), data[:3], data[-1]")
    assert run.results[2]["repr"] == "(768000, b'\\x00\\x01\\x02', 255)"
    assert await body(await http.get("/files/big.bin")) == payload


async def test_an_uploaded_csv_and_npy_can_be_read_by_numpy(browser):
    http, kernel = browser
    await http.post("/files/", {"file": uploaded_file("points.csv", b"x,y\n1,2\n3,4\n")})
    await kernel.run("np.save('arr.npy', np.arange(6).reshape(2, 3))")
    array_bytes = await body(await http.get("/files/arr.npy"))
    await http.post("/files/", {"file": uploaded_file("arr2.npy", array_bytes)})
    run = await kernel.run("np.loadtxt('points.csv', delimiter=',', skiprows=1).sum()\nnp.load('arr2.npy').sum()")
    assert run.results[1]["values"] == 10.0 and run.results[2]["values"] == 15


async def test_the_folder_can_be_listed_while_a_run_is_busy(browser):
    http, kernel = browser
    await kernel.run("open('ready.txt', 'w').write('hi')")
    busy = await kernel.submit("import time\ntime.sleep(20)")
    await kernel.wait_status(lambda s: s["state"] == "busy")
    response = await http.get("/files/")
    assert [f["name"] for f in response.json()["files"]] == ["ready.txt"]
    await kernel.interrupt()
    await kernel.collect(busy)


@pytest.mark.parametrize(
    ("path", "status", "words"),
    [
        ("/files/..", 400, "not a plain file name"),
        ("/files/a/../b", 400, "not a plain file name"),
        ("/files/%2Fetc%2Fpasswd", 400, "not a plain file name"),
        ("/files/.bashrc", 400, "no leading dot"),
        ("/files/missing.keras", 404, "no file 'missing.keras'"),
    ],
)
async def test_paths_that_leave_the_folder_or_do_not_exist_are_refused_clearly(browser, path, status, words):
    http, _ = browser
    response = await http.get(path)
    assert response.status_code == status and words in response.json()["error"]


async def test_symlinks_and_other_non_regular_files_are_never_followed(browser):
    http, kernel = browser
    await kernel.run("import os\nos.symlink('/etc/passwd', 'link')\nos.mkfifo('pipe')\nos.mkdir('folder')")
    for name in ("link", "pipe", "folder"):
        response = await http.get(f"/files/{name}")
        assert response.status_code == 400 and "not a regular file" in response.json()["error"], name
    listed = [f["name"] for f in (await http.get("/files/")).json()["files"]]
    assert listed == []
    refused = await http.post("/files/", {"file": uploaded_file("link", b"overwrite?")})
    assert refused.status_code == 400
    assert (await kernel.run("os.path.islink('link')")).results[1]["repr"] == "True"


async def test_an_upload_with_a_bad_name_is_refused(browser):
    http, _ = browser
    for name in ("../escape.txt", ".hidden", "a..b"):
        response = await http.post("/files/", {"file": uploaded_file("ok.txt", b"1"), "name": name})
        assert response.status_code == 400 and "plain file name" in response.json()["error"], name


async def test_uploads_and_downloads_over_their_caps_are_refused_with_the_limit(browser, override_kernel_limits):
    http, kernel = browser
    override_kernel_limits(max_upload_bytes=1000)
    response = await http.post("/files/", {"file": uploaded_file("big.csv", b"x" * 2000)})
    assert response.status_code == 413 and "PLAYGROUND_MAX_UPLOAD_BYTES" in response.json()["error"]
    override_kernel_limits(max_download_bytes=1000)
    await kernel.run("open('large.bin', 'wb').write(bytes(5000))")
    response = await http.get("/files/large.bin")
    assert response.status_code == 413 and "5,000 bytes" in response.json()["error"]
    assert (await kernel.run("1 + 1")).results[1]["repr"] == "2"  # the session goes on


async def test_another_session_cannot_see_these_files(browser, client_factory):
    _, kernel = browser
    await kernel.run("open('secret.txt', 'w').write('mine')")
    other_http, other_owner = await browser_session()
    assert (await other_http.get("/files/secret.txt")).status_code == 409  # no kernel: nothing to read
    await client_factory(owner=other_owner)
    assert (await other_http.get("/files/secret.txt")).status_code == 404
    assert (await other_http.get("/files/")).json()["files"] == []


async def test_without_a_session_there_are_no_files(kernel_host):
    response = await AsyncClient().get("/files/")
    assert response.status_code == 409 and "no session" in response.json()["error"]


async def test_uploads_need_the_csrf_token(browser):
    strict = AsyncClient(enforce_csrf_checks=True)
    strict.cookies["sessionid"] = browser[0].cookies["sessionid"].value
    response = await strict.post("/files/", {"file": uploaded_file("x.txt", b"1")})
    assert response.status_code == 403
