"""`variables` only when they changed: the kernel sends them after a run that changed what the
Variables panel shows, and the host keeps the last ones for every page of the session."""

from __future__ import annotations


def names(run) -> list[str]:
    return [v["name"] for v in run.of("variables")[0]["variables"]]


async def test_a_run_that_changes_nothing_the_panel_shows_sends_no_variables(kernel):
    assert names(await kernel.run("t = tf.zeros([2, 3])")) == ["t"]
    same = await kernel.run("t + 1")
    assert same.of("variables") == [] and same.done["ok"] and same.results[1]["values"][0] == [1.0, 1.0, 1.0]
    assert names(await kernel.run("u = t * 2")) == ["t", "u"]
    retyped = await kernel.run("u = 'now text'")
    assert retyped.of("variables")[0]["variables"][1]["kind"] == "scalar"
    assert names(await kernel.run("del u")) == ["t"]


async def test_a_page_that_opens_hears_the_record_then_them_and_every_open_tab_hears_a_change(client_factory):
    first_tab = await client_factory()
    await first_tab.run("x = tf.ones([4])")
    second_tab = await client_factory(first_tab.owner)  # a reload or a second tab: no run needed
    record = await second_tab.next_message()
    assert record["type"] == "record" and [run["code"] for run in record["runs"]] == ["x = tf.ones([4])"]
    opened = await second_tab.next_message()
    assert opened["type"] == "variables" and [v["name"] for v in opened["variables"]] == ["x"]
    asked_elsewhere = await first_tab.run("y = 1")
    seen_here = await second_tab.collect(asked_elsewhere.done["id"])  # every open page sees every run
    assert seen_here.of("run")[0]["code"] == "y = 1"
    assert [v["name"] for v in seen_here.of("variables")[0]["variables"]] == ["x", "y"]
    assert (await second_tab.run("x + 1")).of("variables") == []  # heard already
