"""The page at / and its static files (fast: no kernel needed)."""

from __future__ import annotations

import pytest
from django.contrib.staticfiles import finders

pytestmark = pytest.mark.django_db


def test_the_home_page_has_the_editor_and_its_controls(client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    for element_id in ("code", "run", "interrupt", "restart", "status", "output"):
        assert f'id="{element_id}"' in html
    assert 'data-ws-path="/ws/session/"' in html


def test_the_home_page_gives_a_new_visitor_a_session_cookie(client):
    response = client.get("/")
    assert "sessionid" in response.cookies
    assert response.cookies["sessionid"]["httponly"]


def test_a_returning_visitor_keeps_the_same_session(client):
    first = client.get("/").cookies["sessionid"].value
    client.get("/")
    assert client.cookies["sessionid"].value == first


@pytest.mark.parametrize("name", ["css/site.css", "js/socket.js", "js/render.js", "js/main.js"])
def test_the_page_static_files_exist(name):
    assert finders.find(name), f"static/{name} is missing"


def test_an_unknown_address_is_a_404(client):
    assert client.get("/no/such/page").status_code == 404
