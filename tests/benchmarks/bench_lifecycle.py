"""Full lifecycle throughput: jobs from submission to results in the engineer's folder, with a solve
that takes no time, `--agents` simulated agents (sim_agents.py: every call and transfer a real agent
makes) and engineers using the Python client (client.Client) from `--engineer-processes` processes,
`--jobs-in-flight` jobs at a time in all.

Each engineer's job is a small model with one include file (`--include-kb`, 16 by default: both
together under the inline limit, so the client sends them inside CreateJob, as it does for every
job that small; `--include-kb 100` sends them to the blob store through presigned PUTs and
SubmitJob instead), followed with job.wait(), its four result files (sim_agents.RESULTS) up
through presigned PUTs that the scheduler checks, then down with job.download_results(). A job
counts when its results are downloaded and checked, within `--seconds` after a warm-up.

    .venv/bin/python tests/benchmarks/bench_lifecycle.py [--agents 20] [--seconds 20]

The last line printed is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import tempfile
import threading
import time
from pathlib import Path

import psutil
from harness import UNLIMITED_SUBMITS, cpu_of, percentile, scheduler_process
from load import small_model
from sim_agents import RESULTS, AgentProcesses

from client import Client
from scheduler.domain.identity import Principal, Role


def write_model(folder: Path, include_kb: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    mesh = b"".join(f"{i + 1}, {i % 100:.3f}, {i // 100:.3f}, 0.000\n".encode() for i in range(include_kb * 1024 // 28))
    (folder / "mesh.inp").write_bytes(mesh)
    model = small_model(nodes=0).replace(b"*Node\n", b"*Node\n*Include, input=mesh.inp\n")
    (folder / "plate.inp").write_bytes(model)
    return folder / "plate.inp"


def _engineers(address: str, token: str, model: Path, threads: int, warmup: float, seconds: float,
               ready: mp.Barrier, results: mp.Queue) -> None:
    """`threads` engineers sharing one client, each submitting, waiting for and collecting one job
    after another; (when each job's results were in, its seconds from submission) in the window."""
    done: list[tuple[float, float]] = []
    failed: list[str] = []
    finished = [0]  # every job collected, the warm-up's too
    cpu = time.process_time()
    with Client(address, token=token) as client, tempfile.TemporaryDirectory(prefix="bench-results-") as out:
        ready.wait()
        start_at = time.monotonic() + warmup
        end_at = start_at + seconds

        def engineer(n: int) -> None:
            k = 0
            while time.monotonic() < end_at:
                k += 1
                began = time.monotonic()
                job = client.submit(model, cpus=1, name=f"plate-{n}-{k}")
                ended = job.wait()
                if ended.state.name != "COMPLETED":
                    failed.append(f"{ended.id}: {ended.state.name} {ended.error_message}")
                    continue
                got = job.download_results(Path(out) / job.id)
                assert len(got) == len(RESULTS), got
                finished[0] += 1
                now = time.monotonic()
                if start_at <= now <= end_at:
                    done.append((now, now - began))

        workers = [threading.Thread(target=engineer, args=(n,)) for n in range(threads)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
    results.put((done, failed, finished[0], time.process_time() - cpu))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--agents", type=int, default=20)
    p.add_argument("--engineer-processes", type=int, default=2)
    p.add_argument("--jobs-in-flight", type=int, default=32, help="engineers (threads) in all")
    p.add_argument("--include-kb", type=int, default=16)
    p.add_argument("--seconds", type=float, default=20.0)
    p.add_argument("--warmup", type=float, default=5.0)
    a = p.parse_args()

    nodes = [f"sim-{i:03d}" for i in range(a.agents)]
    engineers = [Principal(f"engineer{i}", Role.DEVELOPER, team="cae") for i in range(a.engineer_processes)]
    with tempfile.TemporaryDirectory(prefix="abaqueue-bench-") as tmp:
        home = Path(tmp)
        model = write_model(home / "model", a.include_kb)
        input_bytes = sum(f.stat().st_size for f in model.parent.iterdir())
        principals = [*engineers, Principal("root", Role.ADMIN), *(Principal(n, Role.NODE) for n in nodes)]
        # each engineer keeps 16 jobs going: above the default limits of jobs running at once
        with scheduler_process(home, principals, env={**UNLIMITED_SUBMITS,
                                                      "SCHEDULER_MAX_CONCURRENT_JOBS_DEVELOPER": "1000"}) as scheduler:
            with Client(scheduler.submission, token=scheduler.tokens[len(engineers)]) as admin:
                admin.update_queue_settings(max_concurrent=10_000, user_max_concurrent=10_000,
                                            team_max_concurrent=10_000)
            agents = AgentProcesses(scheduler.execution, list(zip(nodes, scheduler.tokens[len(engineers) + 1:])))
            watched = {"scheduler": [psutil.Process(scheduler.pid)], "s3": [psutil.Process(scheduler.s3.process.pid)],
                       "agents": [psutil.Process(p.pid) for p in agents.processes]}
            cpu_before = {name: cpu_of(*ps) for name, ps in watched.items()}
            began = time.monotonic()
            try:
                ctx = mp.get_context("spawn")
                ready, results = ctx.Barrier(len(engineers)), ctx.Queue()
                per = a.jobs_in_flight // len(engineers)
                procs = [ctx.Process(target=_engineers, args=(scheduler.submission, token, model, per, a.warmup,
                                                              a.seconds, ready, results))
                         for token in scheduler.tokens[:len(engineers)]]
                for proc in procs:
                    proc.start()
                outcomes = [results.get(timeout=a.warmup + a.seconds + 300) for _ in procs]
                for proc in procs:
                    proc.join(30)
            finally:
                cpu_used = {name: cpu_of(*ps) - cpu_before[name] for name, ps in watched.items()}
                elapsed = time.monotonic() - began
                agents.stop()

    done = [d for o in outcomes for d in o[0]]
    failed = [f for o in outcomes for f in o[1]]
    collected = sum(o[2] for o in outcomes)
    cpu_used["engineers"] = sum(o[3] for o in outcomes)
    turnaround = sorted(t for _, t in done)
    print(json.dumps({
        "scenario": "lifecycle", "agents": a.agents, "jobs_in_flight": a.jobs_in_flight,
        "input_bytes": input_bytes,
        "result_files": len(RESULTS), "seconds": a.seconds, "completed": len(done), "not_completed": len(failed),
        "lifecycle_jobs_per_s": round(len(done) / a.seconds, 1),
        "turnaround_p50_ms": round(percentile(turnaround, 0.5) * 1000, 1) if turnaround else None,
        "turnaround_p99_ms": round(percentile(turnaround, 0.99) * 1000, 1) if turnaround else None,
        "scheduler_cpu_percent": round(100 * cpu_used["scheduler"] / elapsed, 1),
        # where the machine's CPU went, per job collected (the warm-up's included)
        "cpu_ms_per_job": {name: round(1000 * used / max(collected, 1), 1) for name, used in cpu_used.items()},
    }))


if __name__ == "__main__":
    main()
