"""Start-up with a full store: a real `abaqueue-scheduler` process started on a SQLite file that
holds `--jobs` jobs (by default 100,000: 60 % finished, 30 % waiting, 10 % running on 100 nodes),
timed from the process's start to both ports answering health checks, its indexes rebuilt.

    .venv/bin/python tests/benchmarks/bench_restart.py [--jobs 100000]

The last line printed is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import uuid
from pathlib import Path

from harness import scheduler_process

from scheduler.domain.job import FileSpec, Job, JobState
from scheduler.store import SqliteStore

STATES = [JobState.COMPLETED] * 6 + [JobState.WAITING] * 3 + [JobState.RUNNING]


def fill(database: Path, n: int) -> dict[str, int]:
    store = SqliteStore(database)
    counts: dict[str, int] = {}
    try:
        for i in range(n):
            state = STATES[i % len(STATES)]
            job = Job(id=uuid.uuid4().hex, name=f"job{i}", owner=f"user{i % 200}", cpus=1 + i % 16,
                      input_file="m.inp", input_files=(FileSpec("m.inp", 1000, "a" * 64),), create_time=1e9 + i,
                      state=state, owner_role="developer", team=f"team{i % 12}", priority=(i % 4) * 10,
                      queue_time=1e9 + i, license_tokens=5,
                      attempt=1 if state is not JobState.WAITING else 0,
                      node=f"node-{i % 100:03d}" if state is JobState.RUNNING else "",
                      end_time=1e9 + i + 60 if state.is_final else None)
            store.insert(job)
            counts[state.value] = counts.get(state.value, 0) + 1
    finally:
        store.close()
    return counts


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--jobs", type=int, default=100_000)
    a = p.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-restart-") as tmp:
        home = Path(tmp)
        counts = fill(home / "bench.sqlite3", a.jobs)
        with scheduler_process(home, []) as scheduler:
            restart_s = scheduler.started_s
        restored = [line for line in (home / "scheduler.log").read_text().splitlines() if "restored" in line]
    print(restored[-1] if restored else "no start-up line in the scheduler's log")
    print(json.dumps({"jobs": a.jobs, "by_state": counts, "restart_s": round(restart_s, 3)}))


if __name__ == "__main__":
    main()
