"""Submission throughput: small jobs, each with its model (about 4 KB) inline, from `--connections`
client processes (one connection each, `--in-flight` calls outstanding on it) for `--seconds`
after a warm-up. A job counts once CreateJob answered for it: the store has committed it, queued.
Afterwards the SQLite file is counted: it must hold at least every acknowledged job.

    .venv/bin/python tests/benchmarks/bench_submit.py [--connections 8] [--seconds 20]

The last line printed is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import tempfile
import time
from pathlib import Path

import psutil
from harness import UNLIMITED_SUBMITS, cpu_of, latency_figures, scheduler_process
from load import MODEL, Load, submit

from scheduler.domain.identity import Principal, Role


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--connections", type=int, default=8)
    p.add_argument("--in-flight", type=int, default=8, help="calls outstanding on each connection")
    p.add_argument("--seconds", type=float, default=20.0)
    p.add_argument("--warmup", type=float, default=3.0)
    a = p.parse_args()

    users = [Principal(f"engineer{i}", Role.DEVELOPER, team="cae") for i in range(a.connections)]
    with tempfile.TemporaryDirectory(prefix="abaqueue-bench-") as tmp:
        home = Path(tmp)
        with scheduler_process(home, users, env=UNLIMITED_SUBMITS) as scheduler:
            server = psutil.Process(scheduler.pid)
            began, cpu_before = time.monotonic(), cpu_of(server)
            acked, refused, times, client_cpu = submit(Load(scheduler.submission, a.in_flight, a.warmup, a.seconds),
                                                       scheduler.tokens)
            cpu_used, elapsed = cpu_of(server) - cpu_before, time.monotonic() - began
        with sqlite3.connect(home / "bench.sqlite3") as db:
            stored = db.execute("SELECT COUNT(*) FROM jobs WHERE state = 'WAITING'").fetchone()[0]

    print(json.dumps({
        "scenario": "submit", "connections": a.connections, "in_flight": a.in_flight, "seconds": a.seconds,
        "model_bytes": len(MODEL), "acknowledged": acked, "refused": refused, "stored_waiting": stored,
        "submit_jobs_per_s": round(acked / a.seconds, 1),
        **latency_figures("create", times, with_max=False),
        "all_acknowledged_stored": stored >= acked,
        # over the whole run, warm-up included: where the machine's two cores went
        "scheduler_cpu_percent": round(100 * cpu_used / elapsed, 1),
        "clients_cpu_percent": round(100 * client_cpu / elapsed, 1),
    }))


if __name__ == "__main__":
    main()
