"""bench.compare's table: each figure for the playground and Jupyter, their ratio, the target.

Made from the report's raw timings and load levels, so a saved report can be tabled again.
"""

from __future__ import annotations

import statistics

from .stats import ratio, summary_ms

Number = int | float | None


def table(report: dict) -> list[dict]:
    """The printed table's rows, in the order docs/benchmarks.md lists them."""
    raw = report["raw"]
    return [
        *question_rows(report.get("questions")),
        *new_session_rows(raw),
        *round_trip_rows(raw),
        fit_row(raw),
        *load_rows(report["pg_load"], report["jup_load"] or {}),
    ]


def row(
    figure: str,
    ours: Number,
    theirs: Number,
    unit: str,
    target: str | None = None,
    met: bool | None = None,
    lower_is_better: bool = True,
) -> dict:
    """One figure each way; the ratio is always written so that above 1 the playground is better."""
    r = ratio(theirs, ours) if lower_is_better else ratio(ours, theirs)
    return {
        "figure": figure,
        "playground": ours,
        "jupyter": theirs,
        "unit": unit,
        "ratio": r,
        "target": target,
        "met": met,
    }


def question_rows(questions: dict | None) -> list[dict]:
    rows = []
    for when, target in (("idle", 50), ("during_fit", 100)) if questions else ():
        ours, theirs = questions[when]["p95_ms"], questions[f"jupyter_{when}"]["p95_ms"]
        label = f"completion/inspection, p95 ({when.replace('_', ' ')})"
        rows.append(row(label, ours, theirs, "ms", f"<= {target} ms", ours <= target))
    return rows


def new_session_rows(raw: dict) -> list[dict]:
    pg_new, jup_new = summary_ms(raw["pg_new"]), summary_ms(raw["jup_new"])
    pg_b, jup_b = summary_ms(raw["pg_burst"]), summary_ms(raw["jup_burst"])
    burst = len(raw["pg_burst"])
    rows = [
        row(
            "new session -> first tensor, p50 (pool warm)",
            pg_new["p50_ms"],
            jup_new["p50_ms"],
            "ms",
            "<= 100 ms",
            pg_new["p50_ms"] <= 100,
        ),
        row("new session -> first tensor, p95 (pool warm)", pg_new["p95_ms"], jup_new["p95_ms"], "ms"),
        row(f"burst of {burst} new visitors, p50", pg_b["p50_ms"], jup_b["p50_ms"], "ms"),
        row(
            f"burst of {burst} new visitors, p95",
            pg_b["p95_ms"],
            jup_b["p95_ms"],
            "ms",
            "<= 1000 ms",
            pg_b["p95_ms"] <= 1000,
        ),
    ]
    if raw.get("pg_burst_pool"):
        pooled = summary_ms(raw["pg_burst_pool"])
        rows.append(
            row(f"  same burst, PLAYGROUND_POOL_SIZE={len(raw['pg_burst_pool'])}, p95", pooled["p95_ms"], None, "ms")
        )
    return rows


def round_trip_rows(raw: dict) -> list[dict]:
    pg_rt, jup_rt = summary_ms(raw["pg_rt"]["done"]), summary_ms(raw["jup_rt"]["done"])
    pg_res, jup_res = summary_ms(raw["pg_rt"]["result"]), summary_ms(raw["jup_rt"]["result"])
    rows = [
        row(
            "round trip of t + 10 to done/execute_reply, p50",
            pg_rt["p50_ms"],
            jup_rt["p50_ms"],
            "ms",
            "<= 3 ms",
            pg_rt["p50_ms"] <= 3,
        ),
        row("round trip of t + 10 to done/execute_reply, p95", pg_rt["p95_ms"], jup_rt["p95_ms"], "ms"),
        row("  of which the kernel's own elapsed_ms, p50", summary_ms(raw["pg_rt"]["kernel"])["p50_ms"], None, "ms"),
        row("round trip of t + 10 to result/execute_result, p50", pg_res["p50_ms"], jup_res["p50_ms"], "ms"),
    ]
    nodelay = raw.get("jup_nodelay_rt")
    if nodelay:
        rows.append(
            row(
                "  Jupyter with TCP_NODELAY on its websocket, p50",
                pg_rt["p50_ms"],
                summary_ms(nodelay["done"])["p50_ms"],
                "ms",
            )
        )
    return rows


def fit_row(raw: dict) -> dict:
    plain = statistics.median(raw["plain_fit"])
    pg_fit = statistics.median(s for s, _ in raw["pg_fit"]) / plain
    jup_fit = statistics.median(s for s, _ in raw["jup_fit"]) / plain
    return row(
        "5-epoch fit with progress / plain process",
        round(pg_fit, 3),
        round(jup_fit, 3),
        "x",
        "<= 1.03x",
        pg_fit <= 1.03,
    )


def load_rows(pg_load: dict, jup_load: dict) -> list[dict]:
    pss_pg, pss_jup = pg_load.get("pss_per_session_mb"), jup_load.get("pss_per_session_mb")
    fit_pg = pg_load.get("fit_in_available_memory")
    return [
        row(
            "memory per idle session holding a tensor (PSS)",
            pss_pg,
            pss_jup,
            "MB",
            "<= 60 MB",
            pss_pg is not None and pss_pg <= 60,
        ),
        row(
            "  drop in MemAvailable per session",
            pg_load.get("available_drop_per_session_mb"),
            jup_load.get("available_drop_per_session_mb"),
            "MB",
        ),
        row(
            "idle sessions that fit in available memory (by PSS)",
            fit_pg,
            jup_load.get("fit_in_available_memory"),
            "sessions",
            ">= 200",
            (fit_pg or 0) >= 200,
            lower_is_better=False,
        ),
        row(
            "concurrent active sessions answering with p95 < 1 s",
            pg_load.get("capacity"),
            jup_load.get("capacity"),
            "sessions",
            lower_is_better=False,
        ),
    ]


def print_table(rows: list[dict]) -> None:
    print()
    print(f"{'figure':<54} {'playground':>12} {'jupyter':>12} {'ratio':>8}  target")
    for row in rows:
        ours, theirs = fmt(row["playground"], row["unit"]), fmt(row["jupyter"], row["unit"])
        r = f"{row['ratio']:.1f}x" if row["ratio"] is not None else "-"
        target = row["target"] or ""
        if row["met"] is not None:
            target += " met" if row["met"] else " MISSED"
        print(f"{row['figure']:<54} {ours:>12} {theirs:>12} {r:>8}  {target}")


def fmt(value: Number, unit: str) -> str:
    if value is None:
        return "-"
    number = f"{value:.3g}" if isinstance(value, float) and value < 10 else f"{value:.0f}"
    return f"{number} {unit}"
