"""What the benchmarks share: a real scheduler process on loopback ports (SQLite file, SeaweedFS),
with tokens put in its store before it starts, CPU seconds, and percentiles."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from scheduler.devstack.health import wait_serving  # noqa: E402
from scheduler.devstack.ports import free_ports  # noqa: E402
from scheduler.devstack.seaweed import SeaweedS3, start_seaweed  # noqa: E402
from scheduler.domain.identity import Principal  # noqa: E402
from scheduler.tokens import create_in_store_file  # noqa: E402

BIN = Path(sys.executable).parent
# the per-user submission rate limit would measure itself, not the scheduler
UNLIMITED_SUBMITS = {"SCHEDULER_SUBMIT_RATE_PER_S": "1000000"}


@dataclass(frozen=True)
class RunningScheduler:
    submission: str
    execution: str
    tokens: list[str]  # one per principal asked for, in order
    pid: int
    s3: SeaweedS3
    started_s: float  # from the process's start until both ports served


@contextmanager
def scheduler_process(home: Path, principals: list[Principal], *args: str, env: dict[str, str] | None = None,
                      seaweed_cores: int | None = 1) -> Iterator[RunningScheduler]:
    """`abaqueue-scheduler` in `home`, serving until the block ends; its log is home/scheduler.log.
    SeaweedFS gets one core by default: it shares the machine's two with everything measured, and on
    more it spends a fifth more CPU on the same requests (its Go runtime's idle threads spinning)."""
    s3 = start_seaweed(home / "s3", cores=seaweed_cores)
    try:
        sub_port, ex_port = free_ports(2)
        tokens = create_in_store_file(home / "bench.sqlite3", principals)
        with open(home / "scheduler.log", "wb") as log:
            start = time.perf_counter()
            scheduler = subprocess.Popen(
                [str(BIN / "abaqueue-scheduler"), "--port-for-submission", str(sub_port),
                 "--port-for-execution", str(ex_port), "--database", str(home / "bench.sqlite3"),
                 "--s3-endpoint", s3.endpoint, "--bucket", s3.bucket, *args],
                env={**os.environ, **(env or {}), "AWS_ACCESS_KEY_ID": s3.access_key,
                     "AWS_SECRET_ACCESS_KEY": s3.secret_key},
                stdout=log, stderr=subprocess.STDOUT)
        spy = None
        try:
            wait_serving(sub_port, scheduler, "scheduler")
            wait_serving(ex_port, scheduler, "scheduler")
            started_s = time.perf_counter() - start
            # BENCH_PROFILE=FILE: py-spy samples the scheduler into FILE (collapsed stacks), with the
            # extra py-spy flags in BENCH_PROFILE_FLAGS ("--idle --threads")
            profile = os.environ.get("BENCH_PROFILE")
            if profile:
                flags = os.environ.get("BENCH_PROFILE_FLAGS", "").split()
                spy = subprocess.Popen([str(BIN / "py-spy"), "record", "--pid", str(scheduler.pid), "--format", "raw",
                                        "--rate", "200", "--nonblocking", *flags, "-o", profile],
                                       stdout=subprocess.DEVNULL)
            yield RunningScheduler(f"127.0.0.1:{sub_port}", f"127.0.0.1:{ex_port}", tokens, scheduler.pid, s3,
                                   started_s)
        finally:
            if spy is not None:
                spy.send_signal(signal.SIGINT)
                spy.wait(60)
            scheduler.terminate()
            scheduler.wait(20)
    finally:
        s3.stop()


def percentile(sorted_values: list[float], q: float) -> float:
    return sorted_values[min(len(sorted_values) - 1, round(q * (len(sorted_values) - 1)))]


def cpu_of(*processes: psutil.Process) -> float:
    """CPU seconds (user and system) of the processes themselves, not of their children."""
    return sum(t.user + t.system for t in (p.cpu_times() for p in processes))


def latency_figures(prefix: str, sorted_ms: list[float], with_max: bool = True) -> dict[str, float]:
    figures = {f"{prefix}_p50_ms": round(percentile(sorted_ms, 0.50), 3),
               f"{prefix}_p99_ms": round(percentile(sorted_ms, 0.99), 3)}
    if with_max:
        figures[f"{prefix}_max_ms"] = round(sorted_ms[-1], 3)
    return figures
