"""A session key the server did not issue binds nothing (issue 11, point 6).

The attack: plant `sessionid=invented-key-123456` in a victim's browser (a sibling subdomain, a
plain-HTTP hop), let the victim work, then use the same cookie to reach the victim's kernel and
files. The page must hand such a browser a key of its own, and /files/ must not honour it.
"""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async
from django.contrib.sessions.backends.db import SessionStore
from django.test import AsyncClient, Client

from kernels import bus
from playground import clients
from playground.clients import aissued_key, issued_session_key
from sharing.models import Snippet
from sharing.submission import Submission
from tests.support import uploaded_file

PLANTED = "invented-key-123456"


def planted_client() -> Client:
    client = Client()
    client.cookies["sessionid"] = PLANTED
    return client


def planted_async_client() -> AsyncClient:
    client = AsyncClient()
    client.cookies["sessionid"] = PLANTED
    return client


@pytest.mark.django_db
def test_only_a_key_in_the_session_store_counts_as_issued():
    issued = SessionStore()
    issued.create()
    assert issued_session_key(SessionStore(issued.session_key)) == issued.session_key
    assert issued_session_key(SessionStore(PLANTED)) is None
    assert issued_session_key(SessionStore()) is None


@pytest.mark.django_db(transaction=True)
async def test_the_async_check_agrees_for_the_websocket_consumer():
    issued = SessionStore()
    await issued.acreate()
    assert await aissued_key(issued.session_key) == issued.session_key
    assert await aissued_key(PLANTED) is None
    assert await aissued_key(None) is None


@pytest.mark.django_db
def test_a_planted_cookie_on_the_page_is_replaced_by_a_key_the_server_issues():
    response = planted_client().get("/")
    key = response.cookies["sessionid"].value
    assert key != PLANTED
    assert SessionStore().exists(key) and not SessionStore().exists(PLANTED)


@pytest.mark.django_db
def test_two_browsers_sent_the_same_planted_cookie_get_two_sessions():
    first = planted_client().get("/").cookies["sessionid"].value
    second = planted_client().get("/").cookies["sessionid"].value
    assert len({first, second, PLANTED}) == 3


@pytest.mark.django_db
def test_a_planted_cookie_on_a_shared_link_is_replaced_too():
    snippet, _ = Snippet.objects.create_or_get(Submission(code="x = 1"))
    response = planted_client().get(snippet.get_absolute_url())
    assert response.status_code == 200 and response.cookies["sessionid"].value != PLANTED


@pytest.mark.django_db
def test_an_issued_session_keeps_its_key_on_the_page():
    client = Client()
    key = client.get("/").cookies["sessionid"].value
    assert "sessionid" not in client.get("/").cookies
    assert client.cookies["sessionid"].value == key


@pytest.mark.django_db(transaction=True)
async def test_files_with_a_planted_cookie_answer_no_session_and_drop_the_cookie():
    response = await planted_async_client().get("/files/")
    assert response.status_code == 409
    assert response.cookies["sessionid"].value == ""  # deleted: nothing is created for it either
    assert not await SessionStore().aexists(PLANTED)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
async def test_a_planted_cookie_reaches_no_kernels_files(client_factory):
    # The victim's kernel, bound to the planted key as a websocket that trusted the cookie would.
    victim = await client_factory(owner=bus.owner_for(PLANTED))
    saved = await victim.run("open('secret.txt', 'w').write('the victim works here')")
    assert saved.done["ok"], saved.error
    attacker = planted_async_client()
    for path in ("/files/", "/files/secret.txt"):
        response = await attacker.get(path)
        assert response.status_code == 409, (path, response.status_code)
    upload = await attacker.post("/files/", {"file": uploaded_file("planted.py", b"print('pwned')")})
    assert upload.status_code == 409
    listing = await victim.run("import os\nsorted(os.listdir('.'))")
    assert "planted.py" not in listing.results[2]["repr"]


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
async def test_an_issued_session_still_reaches_its_own_files(client_factory):
    store = SessionStore()
    await database_sync_to_async(store.create)()
    kernel = await client_factory(owner=bus.owner_for(store.session_key))
    await kernel.run("open('mine.txt', 'w').write('mine')")
    http = AsyncClient()
    http.cookies["sessionid"] = store.session_key
    names = [entry["name"] for entry in (await http.get("/files/")).json()["files"]]
    assert "mine.txt" in names


# ---------- the memory of issued keys (a class's websockets skip one query each) ----------


@pytest.fixture
def fresh_memory():
    clients.recently_issued.forget_all()
    yield clients.recently_issued
    clients.recently_issued.forget_all()


@pytest.mark.django_db
def test_a_key_the_page_just_issued_is_trusted_without_asking_the_store_again(fresh_memory, django_assert_num_queries):
    key = Client().get("/").cookies["sessionid"].value
    with django_assert_num_queries(0):
        assert issued_session_key(SessionStore(key)) == key


@pytest.mark.django_db
def test_a_planted_key_is_never_remembered_and_is_refused_every_time(fresh_memory, django_assert_num_queries):
    for _ in range(2):
        with django_assert_num_queries(1):
            assert issued_session_key(SessionStore(PLANTED)) is None
    assert not fresh_memory.known(PLANTED)


@pytest.mark.django_db
def test_a_remembered_key_is_asked_about_again_once_its_minute_is_over(fresh_memory, monkeypatch):
    issued = SessionStore()
    issued.create()
    assert issued_session_key(SessionStore(issued.session_key)) == issued.session_key
    issued.delete()
    assert issued_session_key(SessionStore(issued.session_key)) == issued.session_key  # still within the minute
    monkeypatch.setattr(clients, "ISSUED_MEMORY_S", -1.0)
    fresh_memory.remember(issued.session_key)  # remembered with a minute already over
    assert issued_session_key(SessionStore(issued.session_key)) is None


def test_the_memory_of_issued_keys_keeps_only_the_newest(fresh_memory, monkeypatch):
    monkeypatch.setattr(clients, "ISSUED_MEMORY_MAX", 3)
    for key in ("a", "b", "c", "d"):
        fresh_memory.remember(key)
    assert [fresh_memory.known(key) for key in ("a", "b", "c", "d")] == [False, True, True, True]
