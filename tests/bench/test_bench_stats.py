"""The comparison harness's pure helpers (bench/stats.py): no server, no timing."""

from bench.stats import (
    capacity,
    descendants,
    parse_meminfo,
    parse_smaps_rollup,
    parse_stat_cpu_ticks,
    parse_stat_ppid,
    percentile,
    ratio,
    summary_ms,
)


def test_percentile_is_nearest_rank():
    values = list(range(1, 101))
    assert percentile(values, 50) == 51  # round(0.5 * 99) = 50 -> the 51st value
    assert percentile(values, 95) == 95
    assert percentile([7.0], 95) == 7.0
    assert percentile([3, 1, 2], 0) == 1


def test_summary_is_in_milliseconds():
    row = summary_ms([0.001, 0.002, 0.003])
    assert row["n"] == 3
    assert row["p50_ms"] == 2.0
    assert row["min_ms"] == 1.0 and row["max_ms"] == 3.0
    assert summary_ms([]) == {"n": 0}


def test_ratio_says_how_many_times_better_and_tolerates_missing_figures():
    assert ratio(48.0, 1.6) == 30.0
    assert ratio(None, 1.0) is None
    assert ratio(1.0, 0) is None


def test_smaps_rollup_is_parsed_in_kilobytes():
    text = (
        "55d0c0000000-7ffd1e1f0000 ---p 00000000 00:00 0                          [rollup]\n"
        "Rss:              548120 kB\nPss:               35211 kB\nPss_Anon:          20100 kB\n"
    )
    fields = parse_smaps_rollup(text)
    assert fields["Pss"] == 35211 and fields["Rss"] == 548120
    assert parse_meminfo("MemTotal:       24563680 kB\nMemAvailable:   21000000 kB\n")["MemAvailable"] == 21000000


def test_parent_pid_survives_a_command_name_with_spaces_and_parentheses():
    assert parse_stat_ppid("4242 (python (x) y) S 17 4242 4242 0 -1") == 17


def test_descendants_walk_the_whole_tree_and_nothing_else():
    ppids = {1: 0, 10: 1, 11: 10, 12: 11, 13: 11, 20: 1, 21: 20}
    assert sorted(descendants(10, ppids)) == [10, 11, 12, 13]


def test_capacity_is_the_last_level_before_the_first_failure():
    levels = [
        {"sessions": 25, "p95_ms": 20, "errors": 0},
        {"sessions": 50, "p95_ms": 900, "errors": 0},
        {"sessions": 100, "p95_ms": 1500, "errors": 0},
        {"sessions": 200, "p95_ms": 100, "errors": 0},  # after a failure: not counted
    ]
    assert capacity(levels) == 50
    assert capacity([{"sessions": 25, "p95_ms": 20, "errors": 1}]) == 0


def test_cpu_ticks_are_user_plus_system_time():
    stat = "4242 (py thon) S 17 4242 4242 0 -1 4194560 100 0 0 0 250 40 0 0 20 0 3 0 1000"
    assert parse_stat_cpu_ticks(stat) == 290
