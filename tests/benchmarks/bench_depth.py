"""Queue depth: `--jobs` waiting jobs submitted through the API (load.py: inline models, 8
connections), then the scheduler's resident memory, and dispatch decisions at that depth: `--nodes`
agents take jobs and fail them at once (a model error, final) until `--decisions` were made, while
8 users' limit of 2 running jobs each holds the rest of their jobs back. Decision times are the
scheduler's own `abaqueue_dispatch_decision_seconds` histogram over that window, its quantiles read
as Prometheus' histogram_quantile reads them (linear within a bucket). The pure policy's decision
time at the same depth (bench_scheduler.py) is given beside it.

    .venv/bin/python tests/benchmarks/bench_depth.py [--jobs 100000] [--decisions 2000]

The last line printed is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import grpc
import psutil
from bench_scheduler import measure
from harness import UNLIMITED_SUBMITS, scheduler_process
from load import Load, submit
from prometheus_client.parser import text_string_to_metric_families
from sim_agents import fail_unsolved

from abaqueue.protocol import PROTOCOL_VERSION
from abaqueue.v1 import execution_service_pb2 as ex
from abaqueue.v1 import execution_service_pb2_grpc as ex_grpc
from client import Client
from scheduler.devstack.ports import free_port
from scheduler.domain.identity import Principal, Role

DECISION = "abaqueue_dispatch_decision_seconds"


def decision_buckets(metrics_port: int) -> list[tuple[float, float]]:
    """(upper bound, cumulative count) of the decision histogram, lowest bound first."""
    text = urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics", timeout=10).read().decode()
    for family in text_string_to_metric_families(text):
        if family.name == DECISION:
            return sorted((float(s.labels["le"]), s.value) for s in family.samples if s.name == DECISION + "_bucket")
    raise RuntimeError(f"{DECISION} is not served")


def quantile(q: float, before: list[tuple[float, float]], after: list[tuple[float, float]]) -> float:
    """histogram_quantile over the observations made between two scrapes."""
    counts = [(bound, a - b) for (bound, a), (_, b) in zip(after, before)]
    rank = q * counts[-1][1]
    lower, below = 0.0, 0.0
    for bound, count in counts:
        if count >= rank:
            if bound == float("inf"):
                return lower
            return lower + (bound - lower) * (rank - below) / max(count - below, 1e-12)
        lower, below = bound, count
    return lower


def _decide(address: str, nodes: list[tuple[str, str]], decisions: int, results: mp.Queue) -> None:
    """Agents that take a job and fail it at once, until `decisions` assignments in all."""
    made = [0]
    lock = threading.Lock()
    with grpc.insecure_channel(address) as channel:
        stub = ex_grpc.ExecutionServiceStub(channel)

        def agent(name: str, token: str) -> None:
            auth = (("authorization", f"Bearer {token}"),)
            stub.RegisterNode(ex.RegisterNodeRequest(node_name=name, cpus=1, protocol_version=PROTOCOL_VERSION),
                              metadata=auth, timeout=30)
            while True:
                with lock:
                    if made[0] >= decisions:
                        return
                    made[0] += 1
                answer = stub.AcquireJob(ex.AcquireJobRequest(node_name=name), metadata=auth, timeout=60)
                if answer.HasField("assignment"):
                    fail_unsolved(stub, answer.assignment.job_attempt, auth, timeout=30)

        threads = [threading.Thread(target=agent, args=node) for node in nodes]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    results.put(made[0])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--jobs", type=int, default=100_000)
    p.add_argument("--connections", type=int, default=8)
    p.add_argument("--nodes", type=int, default=20)
    p.add_argument("--decisions", type=int, default=2000)
    a = p.parse_args()

    users = [Principal(f"engineer{i}", Role.DEVELOPER, team="cae") for i in range(a.connections)]
    nodes = [f"node-{i:03d}" for i in range(a.nodes)]
    principals = [*users, Principal("root", Role.ADMIN), *(Principal(n, Role.NODE) for n in nodes)]
    metrics_port = free_port()
    with tempfile.TemporaryDirectory(prefix="abaqueue-bench-") as tmp, \
            scheduler_process(Path(tmp), principals, "--metrics-port", str(metrics_port),
                              env=UNLIMITED_SUBMITS) as scheduler:
        with Client(scheduler.submission, token=scheduler.tokens[len(users)]) as admin:
            admin.update_queue_settings(max_concurrent=1000, team_max_concurrent=1000)  # users keep their 2
        began = time.monotonic()
        acked, refused, _, _ = submit(Load(scheduler.submission, 8, 0.0, None, -(-a.jobs // a.connections)),
                                   scheduler.tokens[:len(users)])
        submit_s = time.monotonic() - began
        server = psutil.Process(scheduler.pid)
        rss = server.memory_info().rss
        before = decision_buckets(metrics_port)
        ctx = mp.get_context("spawn")
        results = ctx.Queue()
        deciders = ctx.Process(target=_decide, args=(scheduler.execution, list(zip(nodes, scheduler.tokens[-a.nodes:])),
                                                     a.decisions, results))
        deciders.start()
        made = results.get(timeout=600)
        deciders.join(30)
        after = decision_buckets(metrics_port)
        with Client(scheduler.submission, token=scheduler.tokens[len(users)]) as admin:
            waiting = admin.queue_stats().queue_depth
        rss_after = server.memory_info().rss
        peak = next(int(line.split()[1]) * 1024 for line in Path(f"/proc/{scheduler.pid}/status").read_text()
                    .splitlines() if line.startswith("VmHWM:"))
    pure = measure(a.jobs, a.decisions, 7)
    print(json.dumps({
        "scenario": "depth", "submitted": acked, "refused": refused, "submit_s": round(submit_s, 1),
        "waiting_at_decisions": waiting, "decisions": made,
        "rss_mb_100k": round(rss / 2**20, 1), "rss_mb_after_decisions": round(rss_after / 2**20, 1),
        "rss_peak_mb": round(peak / 2**20, 1),
        "decision_p50_ms_100k": round(quantile(0.50, before, after) * 1000, 4),
        "decision_p99_ms_100k": round(quantile(0.99, before, after) * 1000, 4),
        "policy_decision_p99_ms_100k": pure["p99_ms"],
    }))


if __name__ == "__main__":
    main()
