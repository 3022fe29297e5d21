"""The snippet API: POST /api/snippets creates (or finds) a snippet, GET /api/snippets/<id> reads it."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from sharing.models import Snippet
from tests.support import ROOT

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_cache")]

OUTPUTS = [
    {
        "type": "result",
        "id": "r-1",
        "lineno": 1,
        "end_lineno": 1,
        "value": {"kind": "text", "type": "int", "repr": "42"},
    },
    {"type": "done", "id": "r-1", "ok": True, "elapsed_ms": 1.2},
]


def post(client: Client, payload: object, **extra):
    body = payload if isinstance(payload, (bytes, str)) else json.dumps(payload)
    return client.post("/api/snippets", data=body, content_type="application/json", **extra)


def test_posting_code_creates_a_snippet_and_answers_its_id_and_url(client):
    response = post(client, {"code": "40 + 2", "title": "Answer", "outputs": OUTPUTS})
    assert response.status_code == 201
    data = response.json()
    assert data["url"] == f"/s/{data['id']}" and len(data["id"]) >= 11
    snippet = Snippet.objects.get(pk=data["id"])
    assert (snippet.code, snippet.title, len(snippet.outputs)) == ("40 + 2", "Answer", 2)


def test_posting_the_same_content_again_answers_200_with_the_same_link(client):
    first = post(client, {"code": "40 + 2"}).json()
    again = post(client, {"code": "40 + 2"})
    assert again.status_code == 200 and again.json() == first


def test_getting_a_snippet_answers_it_as_json(client):
    snippet_id = post(client, {"code": "40 + 2", "title": "Answer", "outputs": OUTPUTS}).json()["id"]
    data = client.get(f"/api/snippets/{snippet_id}").json()
    assert data["id"] == snippet_id and data["code"] == "40 + 2" and data["title"] == "Answer"
    assert data["outputs"][0]["value"]["repr"] == "42" and data["outputs_truncated"] is False
    assert data["parent"] is None and data["tf_version"] and data["created"]


def test_a_fork_names_its_parent(client):
    parent = post(client, {"code": "x = 1"}).json()["id"]
    fork = post(client, {"code": "x = 2", "parent": parent})
    assert fork.status_code == 201
    assert client.get(f"/api/snippets/{fork.json()['id']}").json()["parent"] == parent


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_there_is_no_way_to_change_or_delete_a_snippet_through_the_api(client, method):
    snippet_id = post(client, {"code": "x = 1"}).json()["id"]
    response = getattr(client, method)(f"/api/snippets/{snippet_id}", data='{"code": "x = 2"}')
    assert response.status_code == 405
    assert Snippet.objects.get(pk=snippet_id).code == "x = 1"


def test_there_is_no_listing_of_snippets(client):
    assert client.get("/api/snippets").status_code == 405


def test_an_unknown_id_is_a_404(client):
    response = client.get("/api/snippets/AAAAAAAAAAA")
    assert response.status_code == 404 and "AAAAAAAAAAA" in response.json()["error"]


def test_code_over_64_kib_is_refused_with_413(client):
    response = post(client, {"code": "#" * (64 * 1024 + 1)})
    assert response.status_code == 413 and "64 KiB" in response.json()["error"]
    assert not Snippet.objects.exists()


def test_a_request_over_the_size_limit_is_refused_with_413(client, override_snippet_limits):
    override_snippet_limits(max_request_bytes=1000)
    response = post(client, {"code": "x = 1", "outputs": [{"type": "stream", "text": "x" * 2000}]})
    assert response.status_code == 413


# A NaN literal would pass json.loads, and the link's page would then carry it into json_script,
# where it is not JSON: the page would break.
NAN_IN_A_RESULT = (
    b'{"code": "x", "outputs": [{"type": "result", "lineno": 1, "end_lineno": 1,'
    b' "value": {"kind": "scalar", "repr": "nan", "value": NaN}}]}'
)


@pytest.mark.parametrize(
    "body",
    [b"{not json", b"", b"\xff\xfe", b"[1, 2]", b'"code"', b"[" * 100_000, NAN_IN_A_RESULT],
)
def test_a_body_that_is_not_a_json_object_is_a_400(client, body):
    response = post(client, body)
    assert response.status_code == 400 and response.json()["error"]


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"code": 42},
        {"code": "   "},
        {"code": "x", "title": ["t"]},
        {"code": "x", "title": "t" * 121},
        {"code": "x", "parent": "../../etc"},
        {"code": "x", "parent": "AAAAAAAAAAA"},
        {"code": "x", "outputs": {"type": "result"}},
        {"code": "x", "outputs": [{"type": "result", "value": 1}]},
    ],
)
def test_malformed_fields_are_a_400_that_says_what_is_wrong(client, payload):
    response = post(client, payload)
    assert response.status_code == 400 and response.json()["error"]


def test_recorded_outputs_are_capped(client, override_snippet_limits):
    override_snippet_limits(max_output_bytes=2000)
    streams = [{"type": "stream", "name": "stdout", "text": "y" * 500} for _ in range(20)]
    snippet_id = post(client, {"code": "print('y' * 10000)", "outputs": streams}).json()["id"]
    data = client.get(f"/api/snippets/{snippet_id}").json()
    assert data["outputs_truncated"] is True
    assert len(json.dumps(data["outputs"])) < 2200


def test_creating_is_rate_limited_per_client_with_a_429(client, override_snippet_limits):
    override_snippet_limits(creates_per_window=3)
    statuses = [post(client, {"code": f"x = {n}"}).status_code for n in range(4)]
    assert statuses == [201, 201, 201, 429]
    refused = post(client, {"code": "x = 99"})
    assert refused.status_code == 429 and int(refused["Retry-After"]) >= 1
    other = post(client, {"code": "x = 100"}, REMOTE_ADDR="10.0.0.2")
    assert other.status_code == 201  # another client has its own allowance


def test_a_script_shares_in_one_request_without_a_csrf_token():
    script = Client(enforce_csrf_checks=True)  # no page fetched first, no cookie, no token
    response = post(script, {"code": "x = 1"})
    assert response.status_code == 201 and response.json()["url"].startswith("/s/")


def test_a_removed_snippet_is_gone_from_the_api_and_cannot_be_shared_again(client):
    snippet_id = post(client, {"code": "bad = 1"}).json()["id"]
    Snippet.objects.filter(pk=snippet_id).update(visibility=Snippet.Visibility.REMOVED)
    assert client.get(f"/api/snippets/{snippet_id}").status_code == 410
    assert post(client, {"code": "bad = 1"}).status_code == 410
    assert post(client, {"code": "bad = 2", "parent": snippet_id}).status_code == 400


def test_the_api_is_documented():
    text = (ROOT / "docs" / "api.md").read_text()
    for needle in ("POST /api/snippets", "GET /api/snippets/", "413", "429", "410", "X-CSRFToken", "salt"):
        assert needle in text
