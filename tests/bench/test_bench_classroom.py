"""bench/classroom.py's pure helpers: matching the teacher's updates to the students' runs, the
runs' schedule, and what the bench reads from the pages. No server, no timing thresholds."""

import pytest

from bench.classes import form_token, page_class_token, taught_code
from bench.classroom import Run, Update, fails, match_updates, reflects, schedule


def run(name="ana", number=2, sent=10.0, done=10.02, ok=True):
    return Run(name, number, sent, done, ok)


def test_an_update_reflects_a_run_once_its_count_is_reached_and_it_is_no_longer_running():
    assert reflects(Update(1.0, "ana", 2, "idle"), run())
    assert reflects(Update(1.0, "ana", 2, "error"), run())
    assert not reflects(Update(1.0, "ana", 2, "running"), run())
    assert not reflects(Update(1.0, "ana", 1, "idle"), run())  # the run before
    assert reflects(Update(1.0, "ana", 3, "running"), run())  # a later run already counted
    assert not reflects(Update(1.0, "bo", 2, "idle"), run())


def test_each_run_is_matched_to_the_first_update_after_its_send_that_reflects_it():
    runs = [run(number=2, sent=10.0, done=10.02), run(name="bo", number=5, sent=11.0, done=11.1, ok=False)]
    updates = [
        Update(9.0, "ana", 1, "idle"),  # before: the run before
        Update(10.1, "ana", 2, "running"),  # the run begun, not over
        Update(10.17, "ana", 2, "idle"),
        Update(10.5, "ana", 2, "idle"),  # a later one of the same: not the first
        Update(11.25, "bo", 5, "error"),
    ]
    matched = match_updates(runs, reversed(updates))  # arrival order is not assumed
    assert matched.from_done == pytest.approx([0.15, 0.15])
    assert matched.from_send == pytest.approx([0.17, 0.25])
    assert not matched.missed and not matched.wrong_state


def test_a_run_no_update_reflects_is_missed_and_one_shown_in_the_wrong_state_is_counted():
    runs = [run(number=2), run(name="bo", number=3, ok=False), run(name="cy", number=2)]
    updates = [Update(10.2, "ana", 1, "idle"), Update(10.2, "bo", 3, "idle"), Update(9.0, "cy", 2, "idle")]
    matched = match_updates(runs, updates)
    assert [r.name for r in matched.missed] == ["ana", "cy"]  # cy's update came before its run was sent
    assert [(r.name, u.state) for r, u in matched.wrong_state] == [("bo", "idle")]
    assert len(matched.from_done) == 1


def test_an_update_before_the_student_got_done_gives_a_negative_latency():
    matched = match_updates([run(sent=10.0, done=10.3)], [Update(10.2, "ana", 2, "idle")])
    assert matched.from_done == pytest.approx([-0.1])


def test_students_run_every_period_their_first_runs_staggered_over_the_first():
    assert schedule(0, 4, 5.0, 20.0) == [0.0, 5.0, 10.0, 15.0]
    assert schedule(2, 4, 5.0, 20.0) == [2.5, 7.5, 12.5, 17.5]
    assert schedule(3, 4, 5.0, 6.0) == [3.75]
    starts = [schedule(i, 60, 5.0, 60.0)[0] for i in range(60)]
    assert starts == sorted(starts) and starts[-1] < 5.0
    assert all(len(schedule(i, 60, 5.0, 60.0)) == 12 for i in range(60))


def test_one_run_in_n_fails_staggered_across_students():
    failing = [fails(index, run, 4) for index in range(60) for run in range(1, 13)]
    assert sum(failing) == 60 * 12 // 4
    assert [fails(index, 1, 4) for index in range(4)] == [False, False, False, True]
    assert not any(fails(index, run, 0) for index in range(10) for run in range(10))


def test_what_the_bench_reads_from_the_pages():
    form = '<form><input type="hidden" name="csrfmiddlewaretoken" value="abc123XYZ"></form>'
    assert form_token(form) == "abc123XYZ"
    assert form_token("<p>no form</p>") is None
    assert page_class_token('<main id="playground" data-class-token="K7:tok-en_1" data-x="y">') == "K7:tok-en_1"
    with pytest.raises(ValueError):
        page_class_token("<main>")
    assert taught_code("http://127.0.0.1:8000/class/K7M4QX/teach") == "K7M4QX"
    with pytest.raises(ValueError):
        taught_code("http://127.0.0.1:8000/class/new")


def test_a_burst_is_reported_whole_and_in_parts_and_strangers_have_no_join():
    from bench.classburst import Arrival, burst_row
    from bench.classroom import table

    warm = burst_row([Arrival(0.05, 0.02, 0.01), Arrival(0.1, 0.03, 0.02)], web_s=0.04, kernels_s=0.004, client_s=0.01)
    assert warm["link_to_first_tensor"]["max_ms"] == pytest.approx(150.0)
    assert warm["join_post"]["n"] == 2 and warm["web_cpu_per_newcomer_ms"] == 20.0
    cold = burst_row([Arrival(0.0, 0.2, 1.0)], web_s=0.014, kernels_s=0.03, client_s=0.0)
    assert cold["join_post"] == {"n": 0} and cold["link_to_first_tensor"]["p95_ms"] == pytest.approx(1200.0)
    lines = table({"warm_class": warm | {"kernels_before": 54, "fill_s": 9.7}, "cold_strangers": cold})
    assert "goal p95 <= 300" in lines[0] and "join POST -" in lines[3]
