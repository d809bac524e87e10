"""Heartbeats while agents hold long-polls: does an open AcquireJob delay anyone's heartbeat?

A real scheduler process with SCHEDULER_EXECUTION_MAX_WORKERS at `--workers` (default 10) serves `--long-polls`
registered nodes, each holding an AcquireJob long-poll open (no job is queued, so none returns) for
the whole measurement. Meanwhile `--senders` other nodes each send a Heartbeat every
`--interval` seconds, concurrently, until `--heartbeats` were sent; each heartbeat's round trip is
measured. The same is measured first with no long-poll open, as the baseline. The figures only
count if every long-poll was still open at the end (`long_polls_open_throughout`).

    .venv/bin/python tests/benchmarks/bench_heartbeat.py [--long-polls 50] [--senders 10]

The last line printed is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import threading
import time
from pathlib import Path

import grpc
from harness import percentile, scheduler_process

from abaqueue.protocol import PROTOCOL_VERSION
from abaqueue.v1 import execution_service_pb2 as ex
from abaqueue.v1 import execution_service_pb2_grpc as ex_grpc
from scheduler.domain.identity import Principal, Role


def _auth(token: str) -> tuple[tuple[str, str]]:
    return (("authorization", f"Bearer {token}"),)


def heartbeat_round_trips(address: str, nodes: list[tuple[str, str]], count: int, interval: float) -> list[float]:
    """Milliseconds of each Heartbeat, `nodes` (name, token) sending concurrently every `interval` s."""
    times: list[float] = []
    lock = threading.Lock()
    per_node = count // len(nodes)
    with grpc.insecure_channel(address) as channel:
        stub = ex_grpc.ExecutionServiceStub(channel)

        def send(name: str, token: str) -> None:
            request = ex.HeartbeatRequest(node_name=name)
            start = time.monotonic()
            for i in range(per_node):
                time.sleep(max(0.0, start + i * interval - time.monotonic()))
                began = time.perf_counter()
                stub.Heartbeat(request, timeout=10, metadata=_auth(token))
                took = (time.perf_counter() - began) * 1000
                with lock:
                    times.append(took)

        threads = [threading.Thread(target=send, args=node) for node in nodes]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    return sorted(times)


def figures(prefix: str, times: list[float]) -> dict[str, float]:
    return {f"{prefix}_p50_ms": round(percentile(times, 0.50), 3),
            f"{prefix}_p99_ms": round(percentile(times, 0.99), 3),
            f"{prefix}_max_ms": round(times[-1], 3)}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--long-polls", type=int, default=50)
    p.add_argument("--senders", type=int, default=10)
    p.add_argument("--heartbeats", type=int, default=1000)
    p.add_argument("--interval", type=float, default=0.05)
    p.add_argument("--workers", type=int, default=10, help="SCHEDULER_EXECUTION_MAX_WORKERS (its default: 10)")
    a = p.parse_args()

    pollers = [f"poll-{i:03d}" for i in range(a.long_polls)]
    senders = [f"beat-{i:03d}" for i in range(a.senders)]
    principals = [Principal(n, Role.NODE) for n in (*pollers, *senders)]
    with tempfile.TemporaryDirectory(prefix="abaqueue-bench-") as tmp, \
            scheduler_process(Path(tmp), principals, "--long-poll-timeout", "600",
                              env={"SCHEDULER_EXECUTION_MAX_WORKERS": str(a.workers)}) as scheduler:
        tokens = dict(zip((*pollers, *senders), scheduler.tokens))
        with grpc.insecure_channel(scheduler.execution) as channel:
            stub = ex_grpc.ExecutionServiceStub(channel)
            for name, token in tokens.items():
                stub.RegisterNode(ex.RegisterNodeRequest(
                        protocol_version=PROTOCOL_VERSION, node_name=name, cpus=1), timeout=10, metadata=_auth(token))
        beaters = [(n, tokens[n]) for n in senders]
        heartbeat_round_trips(scheduler.execution, beaters, 100, 0.0)  # warm-up
        baseline = heartbeat_round_trips(scheduler.execution, beaters, a.heartbeats, a.interval)
        with grpc.insecure_channel(scheduler.execution) as channel:
            stub = ex_grpc.ExecutionServiceStub(channel)
            polls = [stub.AcquireJob.future(ex.AcquireJobRequest(node_name=n), timeout=900,
                                            metadata=_auth(tokens[n])) for n in pollers]
            time.sleep(1.0)  # let every long-poll reach the scheduler
            loaded = heartbeat_round_trips(scheduler.execution, beaters, a.heartbeats, a.interval)
            open_throughout = not any(f.done() for f in polls)
            for f in polls:
                f.cancel()

    print(json.dumps({
        "scenario": "heartbeat_under_long_polls", "long_polls": a.long_polls, "senders": a.senders,
        "heartbeats": len(loaded), "execution_max_workers": a.workers,
        **figures("baseline_heartbeat", baseline), **figures("heartbeat", loaded),
        "long_polls_open_throughout": open_throughout,
    }))


if __name__ == "__main__":
    main()
