"""The web edge: cross-site requests create nothing, bodies are bounded before they are read
(fast: Django's test client, no kernel)."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from sharing.models import Snippet

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_cache")]

CODE = json.dumps({"code": "tf.constant(1)"})


def test_a_form_on_another_site_cannot_create_a_snippet():
    # The attack: <form method=post enctype=text/plain action=https://site/api/snippets> needs
    # no preflight, so it made visitors' browsers create snippets and spend their address's quota.
    client = Client()
    forged = client.post("/api/snippets", CODE, content_type="text/plain", HTTP_ORIGIN="http://evil.example")
    assert forged.status_code == 403 and "evil.example" in forged.json()["error"]
    plain = client.post("/api/snippets", CODE, content_type="text/plain")
    assert plain.status_code == 415 and "application/json" in plain.json()["error"]
    form = client.post("/api/snippets", {"code": "x"})  # multipart, as a form sends
    assert form.status_code == 415
    assert not Snippet.objects.exists()


def test_a_script_on_another_site_is_refused_even_with_json():
    client = Client()
    refused = client.post("/api/snippets", CODE, content_type="application/json", HTTP_ORIGIN="https://evil.example")
    assert refused.status_code == 403
    cross = client.post("/api/snippets", CODE, content_type="application/json", HTTP_SEC_FETCH_SITE="cross-site")
    assert cross.status_code == 403 and "cross-site" in cross.json()["error"]
    assert not Snippet.objects.exists()


def test_this_sites_pages_and_scripts_keep_sharing_with_one_post():
    client = Client()
    from_page = client.post(
        "/api/snippets",
        CODE,
        content_type="application/json",
        HTTP_ORIGIN="http://testserver",
        HTTP_SEC_FETCH_SITE="same-origin",
    )
    assert from_page.status_code == 201
    from_curl = client.post("/api/snippets", json.dumps({"code": "x = 2"}), content_type="application/json")
    assert from_curl.status_code == 201


def test_the_conversions_refuse_other_sites_and_other_types_too():
    client = Client()
    body = json.dumps({"cells": [{"code": "x = 1"}]})
    assert client.post("/api/notebook", body, content_type="text/plain").status_code == 415
    foreign = client.post("/api/notebook", body, content_type="application/json", HTTP_ORIGIN="http://evil.example")
    assert foreign.status_code == 403
    notebook = client.post("/api/notebook", body, content_type="application/json")
    assert notebook.status_code == 200
    opened = client.post("/api/notebook/code", notebook.content, content_type="application/x-ipynb+json")
    assert opened.status_code == 200 and opened.json() == {"code": "x = 1"}


def test_a_body_over_its_limit_is_a_json_413_naming_it_before_it_is_read(override_snippet_limits):
    override_snippet_limits(max_request_bytes=1000)
    client = Client()
    big = json.dumps({"code": "x" * 2000})
    answer = client.post("/api/snippets", big, content_type="application/json")
    assert answer.status_code == 413 and "1,000 bytes" in answer.json()["error"]


def test_a_notebook_between_djangos_own_limit_and_the_documented_four_mib_is_read():
    # Django's default DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB) answered an HTML 400 to a 3 MiB
    # notebook, though the API promises to read up to 4 MiB and answer JSON past it.
    client = Client()
    filler = "# " + "x" * (3 * 2**20) + "\nx = 1"
    body = json.dumps({"cells": [{"code": "x = 1"}], "metadata": {"note": filler}})
    answer = client.post("/api/notebook/code", body, content_type="application/json")
    assert answer["Content-Type"] == "application/json" and answer.status_code == 400  # read, then: no nbformat
    over = client.post("/api/notebook/code", "x" * (4 * 2**20 + 1), content_type="application/json")
    assert over.status_code == 413 and over.json()["error"].endswith("4 MiB.")


def asgi_scope(path: str, headers: dict[str, str], method: str = "POST") -> dict:
    raw = [(name.encode(), value.encode()) for name, value in {"host": "testserver", **headers}.items()]
    return {"type": "http", "path": path, "method": method, "scheme": "http", "headers": raw, "client": ("10.7.7.7", 1)}


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({"content-type": "application/json", "content-length": str(64 * 2**20)}, 413),
        ({"content-type": "text/plain", "content-length": "10"}, 415),
        ({"content-type": "application/json", "content-length": "10", "origin": "http://evil.example"}, 403),
    ],
)
async def test_a_request_the_edge_refuses_is_answered_before_its_body_is_read(headers, status):
    # Django reads a whole body before any view runs: 265 refused 2 MB shares a second cost the
    # web process their bodies. The edge answers from the headers alone.
    from playground.edge import EdgeMiddleware

    async def django(scope, receive, send):
        raise AssertionError("Django was reached")

    async def receive():
        raise AssertionError("the body was read")

    sent = []

    async def send(message):
        sent.append(message)

    await EdgeMiddleware(django)(asgi_scope("/api/snippets", headers), receive, send)
    assert sent[0]["status"] == status and json.loads(sent[1]["body"])["error"]


@pytest.mark.django_db(transaction=True)  # the view runs in a thread of its own, outside the test's transaction
async def test_a_client_past_its_rate_is_refused_before_its_body_is_read_and_a_passed_request_counts_once(
    override_snippet_limits,
):
    from channels.testing import HttpCommunicator

    from config.asgi import application

    override_snippet_limits(creates_per_window=1)
    headers = [(b"host", b"testserver"), (b"content-type", b"application/json")]
    first = HttpCommunicator(application, "POST", "/api/snippets", body=CODE.encode(), headers=headers)
    assert (await first.get_response())["status"] == 201  # counted by the edge, not again by the view
    second = HttpCommunicator(application, "POST", "/api/snippets", body=b'{"code": "x = 9"}', headers=headers)
    answer = await second.get_response()
    assert answer["status"] == 429 and "snippets shared" in json.loads(answer["body"])["error"]
