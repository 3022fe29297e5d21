"""A link's page (/s/<id>), its embed (/e/<id>), and the pages for unknown or removed links."""

from __future__ import annotations

import html
import json
import re

import pytest
from django.test import Client

from kernels import embedded
from sharing.models import Snippet
from sharing.submission import Submission

pytestmark = pytest.mark.django_db

NASTY = "</script><script>alert('x')</script><img src=x onerror=alert(1)>"
OUTPUTS = [
    {"type": "stream", "name": "stdout", "text": "hello " + NASTY + "\n"},
    {"type": "result", "lineno": 2, "end_lineno": 2, "value": {"kind": "text", "type": "str", "repr": NASTY}},
    {
        "type": "progress",
        "phase": "fit",
        "event": "epoch",
        "epoch": 1,
        "epochs": 1,
        "step": 4,
        "steps": 4,
        "logs": {"loss": 0.25},
        "epoch_time_s": 0.1,
    },
    {"type": "error", "ename": "ValueError", "evalue": NASTY, "lineno": 3, "traceback": [NASTY]},
    {"type": "done", "ok": False, "cancelled": False, "elapsed_ms": 12.5},
]


def make(
    code: str = "t = tf.constant([1., 2.])\nt * 2",
    title: str = "",
    parent: str | None = None,
    outputs: list | None = None,
) -> Snippet:
    snippet, _ = Snippet.objects.create_or_get(Submission(code, title, parent, outputs or []))
    return snippet


def embedded_data(page: str) -> dict:
    match = re.search(r'<script id="snippet-data" type="application/json">(.*?)</script>', page, re.S)
    assert match, "the page has no snippet-data block"
    return json.loads(match.group(1))


def test_a_links_page_has_the_editor_with_the_code_and_the_recorded_outputs(client):
    snippet = make(outputs=OUTPUTS)
    page = client.get(snippet.get_absolute_url()).content.decode()
    assert 'id="code"' in page and 'id="run"' in page and 'id="share"' in page
    assert html.escape("t = tf.constant([1., 2.])\nt * 2", quote=False) in page
    data = embedded_data(page)
    assert data["id"] == snippet.id and data["code"] == snippet.code
    assert [m["type"] for m in data["outputs"]] == ["stream", "result", "progress", "error", "done"]
    assert 'data-recorded="snippet-data"' in page and "sharing/replay.js" in page


def test_a_links_page_renders_with_no_kernel_and_does_not_start_one(client, monkeypatch):
    def refuse():
        raise AssertionError("the page of a link must not start a kernel")

    monkeypatch.setattr(embedded, "ensure_started", refuse)
    snippet = make(outputs=OUTPUTS)
    response = client.get(snippet.get_absolute_url())
    assert response.status_code == 200
    # The page connects its websocket (and so gets a kernel) only on the first Run.
    assert "data-connect-on-run" in response.content.decode()


def test_a_links_page_gives_the_browser_a_session_for_when_it_runs(client):
    response = client.get(make().get_absolute_url())
    assert "sessionid" in response.cookies


def test_user_text_on_a_links_page_is_always_escaped(client):
    snippet = make(code=f"x = 1  # {NASTY}\n", title=f"Title {NASTY}", outputs=OUTPUTS)
    page = client.get(snippet.get_absolute_url()).content.decode()
    assert "<script>alert" not in page and "<img src=x" not in page
    assert page.count("</script>") == page.count("<script")  # no script element was closed early
    assert embedded_data(page)["title"] == f"Title {NASTY}"  # intact as data, inert as markup


def test_a_links_page_has_open_graph_tags_for_a_text_preview(client):
    snippet = make(code="model.fit(x, y)\n", title="Fitting a line")
    page = client.get(snippet.get_absolute_url()).content.decode()
    assert '<meta property="og:title" content="Fitting a line">' in page
    assert '<meta property="og:description" content="model.fit(x, y)">' in page
    assert f'<meta property="og:url" content="http://testserver{snippet.get_absolute_url()}">' in page
    assert "<title>Fitting a line · " in page


def test_without_a_title_the_first_line_of_code_names_the_snippet(client):
    page = client.get(make(code="\n\nw = tf.Variable(3.)\nw * 2").get_absolute_url()).content.decode()
    assert '<meta property="og:title" content="w = tf.Variable(3.)">' in page


def test_a_fork_shows_where_it_was_forked_from(client):
    parent = make(code="x = 1", title="The original")
    fork = make(code="x = 2", parent=parent.id)
    page = client.get(fork.get_absolute_url()).content.decode()
    assert f'href="/s/{parent.id}">The original</a>' in page and "forked from" in page


def test_an_unknown_link_is_a_404_page_that_helps(client):
    response = client.get("/s/AAAAAAAAAAAA")
    assert response.status_code == 404
    page = response.content.decode()
    assert "No snippet at this link" in page and "case-sensitive" in page and 'href="/"' in page


def test_a_cut_short_link_is_a_404_that_says_it_may_have_been_cut(client):
    response = client.get("/s/abc")
    assert response.status_code == 404 and "cut short" in response.content.decode()


def test_a_removed_snippets_link_says_it_was_removed(client):
    snippet = make(code="rude = 1")
    Snippet.objects.filter(pk=snippet.pk).update(visibility=Snippet.Visibility.REMOVED)
    for url in (snippet.get_absolute_url(), f"/e/{snippet.id}"):
        response = client.get(url)
        assert response.status_code == 410
        assert "removed" in response.content.decode() and "rude" not in response.content.decode()


def test_an_unlisted_snippet_still_opens_but_is_kept_out_of_search_and_previews(client):
    snippet = make(code="quiet = 1")
    Snippet.objects.filter(pk=snippet.pk).update(visibility=Snippet.Visibility.UNLISTED)
    page = client.get(snippet.get_absolute_url()).content.decode()
    assert "quiet = 1" in page and 'content="noindex"' in page and "og:description" not in page


@pytest.mark.parametrize("suffix", ["/e/{id}", "/s/{id}?embed=1"])
def test_an_embed_is_a_compact_read_only_view_that_iframes_may_show(client, suffix):
    snippet = make(title="Embedded", outputs=OUTPUTS)
    response = client.get(suffix.format(id=snippet.id))
    assert response.status_code == 200
    assert "X-Frame-Options" not in response  # other sites' pages may frame it
    assert "max-age=" in response["Cache-Control"]
    page = response.content.decode()
    assert 'id="run"' not in page and "js/main.js" not in page and "js/editor.js" not in page
    assert f'href="{snippet.get_absolute_url()}"' in page and "Open in the playground" in page
    assert embedded_data(page)["outputs"][-1]["type"] == "done"
    assert "sessionid" not in response.cookies


def test_other_pages_may_not_be_framed(client):
    assert client.get(make().get_absolute_url())["X-Frame-Options"] == "DENY"


def test_the_home_page_has_the_share_button_and_the_token_it_posts_with(client):
    page = client.get("/").content.decode()
    assert 'id="share"' in page and 'id="share-history"' in page and "sharing/share.js" in page
    assert 'name="csrfmiddlewaretoken"' in page and "data-connect-on-run" not in page


def test_an_unknown_page_gets_the_sites_404_page():
    response = Client(raise_request_exception=False).get("/no/such/page")
    assert response.status_code == 404 and "Page not found" in response.content.decode()


@pytest.mark.parametrize("name", ["sharing/share.js", "sharing/replay.js", "sharing/share.css"])
def test_the_share_static_files_exist(name):
    from django.contrib.staticfiles import finders

    assert finders.find(name), f"static/{name} is missing"
