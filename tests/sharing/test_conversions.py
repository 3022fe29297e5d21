"""Notebook conversions do bounded work: refused by a cheap count before anything scales, run in
a worker process under a time limit, built once per link (fast: Django's test client, no kernel)."""

from __future__ import annotations

import asyncio
import json
import time

import pytest
from django.test import Client

from sharing import conversions, notebooks
from sharing.models import Snippet

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_cache")]


def test_a_hundred_and_fifty_thousand_empty_cells_are_refused_by_their_count():
    # The attack: 2.1 MB of empty cells took 23-25 s of the web process's CPU and answered 20 MB.
    body = json.dumps({"cells": [{"code": ""}] * 150_000})
    started = time.perf_counter()
    answer = Client().post("/api/notebook", body, content_type="application/json")
    assert answer.status_code == 413 and "150,000 cells; the limit is 1,000" in answer.json()["error"]
    assert time.perf_counter() - started < 10  # counted, not converted (a generous bound: no timing claim)


def test_a_link_of_sixteen_thousand_cells_is_refused_naming_the_limit_and_a_normal_one_is_built_once(monkeypatch):
    many = Snippet.objects.create(id="manyCells01", code="#%%\n" * 16_380)
    assert Client().get(f"/s/{many.id}.ipynb").status_code == 413
    normal = Snippet.objects.create(id="normalCell1", code="# %%\nx = 1\n# %%\nx + 1")
    calls = []
    real_run = conversions.run

    async def counted(*args):
        calls.append(args[1].__name__)
        return await real_run(*args)

    monkeypatch.setattr(conversions, "run", counted)
    first, second = (Client().get(f"/s/{normal.id}.ipynb") for _ in range(2))
    assert first.status_code == second.status_code == 200 and first.content == second.content
    assert calls == ["notebook_text"]  # the second came from the cache


CODE_CELL = {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None}


@pytest.mark.parametrize(
    ("notebook", "words"),
    [
        ({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [{**CODE_CELL, "source": 7}]}, "source"),
        ({"cells": "many"}, "no list of cells"),
        ([1, 2], "no list of cells"),
    ],
)
def test_a_malformed_notebook_is_a_json_400_naming_the_problem_never_a_500(notebook, words):
    answer = Client().post("/api/notebook/code", json.dumps(notebook), content_type="application/x-ipynb+json")
    assert answer.status_code == 400 and words in answer.json()["error"]


def test_a_huge_value_in_a_notebook_adds_little_to_the_answer_and_the_log(caplog):
    cell = {"cell_type": "code", "source": "x = 1", "metadata": {"tags": "t" * 2_000_000}, "outputs": []}
    notebook = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [cell]}
    answer = Client().post("/api/notebook/code", json.dumps(notebook), content_type="application/x-ipynb+json")
    assert answer.status_code in (200, 400) and len(answer.content) < 2_000
    assert sum(len(record.getMessage()) for record in caplog.records) < 4_000


async def test_a_conversion_past_its_time_limit_is_stopped_and_the_next_one_runs(monkeypatch):
    monkeypatch.setattr(conversions, "TIME_LIMIT_S", 1.0)
    with pytest.raises(conversions.Refused) as stopped:
        await conversions.run("slow-client", time.sleep, 30)
    assert stopped.value.status == 422 and "longer than 1 s" in str(stopped.value)
    text = await conversions.run("next-client", notebooks.notebook_text, [("x = 1", None)])
    assert '"x = 1"' in text


async def test_one_address_may_hold_two_conversions_and_the_site_eight(monkeypatch):
    monkeypatch.setattr(conversions, "TIME_LIMIT_S", 5.0)
    monkeypatch.setattr(conversions, "WAITING", 3)
    slow = [asyncio.create_task(conversions.run("greedy", time.sleep, 0.5)) for _ in range(2)]
    await asyncio.sleep(0)
    with pytest.raises(conversions.Refused) as third:
        await conversions.run("greedy", time.sleep, 0.1)
    assert third.value.status == 429
    other = asyncio.create_task(conversions.run("neighbour", time.sleep, 0.1))
    await asyncio.sleep(0)
    with pytest.raises(conversions.Refused) as full:
        await conversions.run("late", time.sleep, 0.1)
    assert full.value.status == 503 and full.value.retry_after
    await asyncio.gather(*slow, other)  # the ones admitted all finish


def test_an_embeds_code_lines_are_drawn_once_per_link():
    # 16,380 lines took ~150 ms of the web process per view, for anyone, without a rate limit.
    snippet = Snippet.objects.create(id="embedOnce01", code="x = 1\ny = 2")
    first = Client().get(f"/e/{snippet.id}").content.decode()
    Snippet.objects.filter(pk=snippet.id).update(code="changed = 3")  # never done: snippets are immutable
    again = Client().get(f"/e/{snippet.id}").content.decode()
    lines = again.split("<pre", 1)[1].split("</pre>", 1)[0]
    assert 'data-n="2">y = 2' in first and 'data-n="2">y = 2' in lines and "changed" not in lines


def test_an_address_past_its_share_of_link_views_gets_a_plain_429_and_others_do_not(override_snippet_limits):
    # The attack: 88 embeds a second of a 64 KiB link (900 KB each), without any limit, tripled
    # a neighbour's page loads.
    override_snippet_limits(views_per_minute=3)
    snippet = Snippet.objects.create(id="viewsLimit1", code="x = 1")
    greedy = [Client(REMOTE_ADDR="10.0.0.1").get(path) for path in (f"/e/{snippet.id}", f"/s/{snippet.id}")]
    greedy += [Client(REMOTE_ADDR="10.0.0.1").get(f"/s/{snippet.id}.py") for _ in range(2)]
    assert [answer.status_code for answer in greedy] == [200, 200, 200, 429]
    assert greedy[-1]["Retry-After"] and b"Too many snippet views" in greedy[-1].content
    assert Client(REMOTE_ADDR="10.0.0.2").get(f"/e/{snippet.id}").status_code == 200
