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


async def test_a_page_that_opens_hears_them_at_once_and_a_tab_that_runs_after_another_before_its_done(
    client_factory,
):
    first_tab = await client_factory()
    await first_tab.run("x = tf.ones([4])")
    second_tab = await client_factory(first_tab.owner)  # a reload or a second tab: no run needed
    opened = await second_tab.next_message()
    assert opened["type"] == "variables" and [v["name"] for v in opened["variables"]] == ["x"]
    await first_tab.run("y = 1")  # the change goes to the tab that asked
    run = await second_tab.run("x + 1")  # changes nothing, yet this tab has not heard y
    heard = run.of("variables")
    assert len(heard) == 1 and [v["name"] for v in heard[0]["variables"]] == ["x", "y"]
    assert heard[0]["id"] == run.done["id"] and run.messages[-2:] == [heard[0], run.done]
    assert (await second_tab.run("x + 2")).of("variables") == []
