"""How fast a shared link answers: GET /s/<id> with 100,000 snippets stored, on the real site.

    python -m bench.snippets [--snippets 100000] [--requests 1000]

Seeds a fresh database (SQLite in a temporary folder; or the database DATABASE_URL names, which
must be a throwaway one) with realistic snippets, starts the real site (`make serve`'s uvicorn
with the embedded kernel host) on it, and times HTTP requests for random snippets over one
keep-alive loopback connection, from sending the request to reading the whole body. Prints a
table and writes bench/results/snippets-<timestamp>.json. Figures go in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import http.client
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from urllib.parse import urlsplit

from .report import save_report
from .site import running_site
from .stats import percentile

BATCH = 5000

CODE = """import numpy as np
# Snippet {n}: a small regression, as people share them
x = np.linspace(-1, 1, {size}).astype("float32")
y = {a} * x + {b}
w = tf.Variable(0.0)
loss = tf.reduce_mean(tf.square(w * x - y))
loss
"""


def outputs_for(n: int) -> list[dict]:
    """A result card, printed text and, for one snippet in ten, a 5-epoch training summary."""
    value = {
        "kind": "tensor", "type": "EagerTensor", "shape": [2, 3], "dtype": "float32", "device": "CPU:0",
        "size": 6, "nbytes": 24, "values": [[1.0, 2.0, 3.0], [4.0, 5.0, float(n % 97)]], "truncated": False,
        "stats": {"min": 1.0, "max": 96.0, "mean": 3.5, "nan": 0, "inf": 0},
        "repr": "<tf.Tensor: shape=(2, 3), dtype=float32, numpy=array([[1., 2., 3.], [4., 5., 6.]])>",
    }  # fmt: skip
    outputs = [
        {"type": "stream", "name": "stdout", "text": f"snippet {n}\n"},
        {"type": "result", "lineno": 7, "end_lineno": 7, "value": value},
    ]
    if n % 10 == 0:
        for epoch in range(1, 6):
            logs = {"loss": 1.0 / epoch, "mae": 0.5 / epoch}
            outputs.append({"type": "progress", "phase": "fit", "event": "epoch", "epoch": epoch, "epochs": 5,
                            "step": 32, "steps": 32, "logs": logs, "epoch_time_s": 0.08})  # fmt: skip
    outputs.append({"type": "done", "ok": True, "cancelled": False, "elapsed_ms": 3.2})
    return outputs


def seed(count: int) -> list[str]:
    """Migrate the database and store `count` snippets; returns their ids."""
    import django
    from django.core.management import call_command

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from sharing.models import Snippet, tensorflow_version
    from sharing.submission import candidate_ids, content_digest

    call_command("migrate", verbosity=0)
    ids: list[str] = []
    for start in range(0, count, BATCH):
        batch = []
        for n in range(start, min(count, start + BATCH)):
            code = CODE.format(n=n, size=10 + n % 50, a=n % 7, b=n % 11)
            snippet_id = next(candidate_ids(content_digest(code, "", None)))
            batch.append(Snippet(id=snippet_id, code=code, outputs=outputs_for(n), tf_version=tensorflow_version()))
            ids.append(snippet_id)
        Snippet.objects.bulk_create(batch, ignore_conflicts=True)
    return ids


def timed_gets(base: str, paths: list[str], cookie: str | None) -> list[float]:
    """Milliseconds per GET, one keep-alive connection; every answer must be 200."""
    parts = urlsplit(base)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    headers = {"Cookie": cookie} if cookie else {}
    times = []
    for path in paths:
        start = time.perf_counter()
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        response.read()
        times.append((time.perf_counter() - start) * 1000)
        if response.status != 200:
            raise RuntimeError(f"GET {path} answered {response.status}")
    connection.close()
    return times


def session_cookie_for(base: str, path: str) -> str:
    parts = urlsplit(base)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    connection.request("GET", path)
    response = connection.getresponse()
    response.read()
    cookies = [c.split(";")[0] for c in response.headers.get_all("Set-Cookie") or []]
    return "; ".join(c for c in cookies if c.startswith("sessionid="))


def summary(times: list[float]) -> dict:
    return {
        "n": len(times),
        "p50_ms": round(statistics.median(times), 2),
        "p95_ms": round(percentile(times, 95), 2),
        "min_ms": round(min(times), 2),
    }


def measure(base: str, ids: list[str], requests: int) -> dict:
    rng = random.Random(1)
    pick = lambda n: [rng.choice(ids) for _ in range(n)]  # noqa: E731
    cookie = session_cookie_for(base, "/")
    timed_gets(base, [f"/s/{i}" for i in pick(100)], cookie)  # warm-up: connections, templates, caches
    return {
        "GET /s/<id>, returning visitor": summary(timed_gets(base, [f"/s/{i}" for i in pick(requests)], cookie)),
        "GET /s/<id>, new visitor (session created)": summary(
            timed_gets(base, [f"/s/{i}" for i in pick(requests // 5)], None)
        ),
        "GET /e/<id> (embed)": summary(timed_gets(base, [f"/e/{i}" for i in pick(requests)], None)),
        "GET /api/snippets/<id>": summary(timed_gets(base, [f"/api/snippets/{i}" for i in pick(requests)], None)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--snippets", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=1000)
    args = parser.parse_args()
    database = "postgresql" if os.environ.get("DATABASE_URL") else "sqlite"
    with tempfile.TemporaryDirectory(prefix="playground-bench-snippets-") as data_dir:
        os.environ["PLAYGROUND_DATA_DIR"] = data_dir
        started = time.perf_counter()
        ids = seed(args.snippets)
        print(f"seeded {len(ids):,} snippets into {database} in {time.perf_counter() - started:.1f} s", flush=True)
        with running_site({"PLAYGROUND_DATA_DIR": data_dir}, quiet=True) as base:
            figures = measure(base, ids, args.requests)
    print(f"\n{'request':46} {'p50':>9} {'p95':>9} {'min':>9}")
    for name, row in figures.items():
        print(f"{name:46} {row['p50_ms']:>6.2f} ms {row['p95_ms']:>6.2f} ms {row['min_ms']:>6.2f} ms")
    meta = {"snippets": len(ids), "database": database, "python": sys.version.split()[0], "machine": platform.node()}
    print()
    save_report({"meta": meta, "figures": figures}, "snippets")


if __name__ == "__main__":
    main()
