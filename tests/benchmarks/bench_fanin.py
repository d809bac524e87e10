"""Agent fan-in: `--agents` idle agents, light simulated clients spread over `--channels` channels
in `--processes` processes, each holding an AcquireJob long-poll open (asking again when the
scheduler answers empty after its long-poll timeout) and sending a Heartbeat every `--interval`
seconds, the agents' beats spread evenly. Every heartbeat's round trip is measured for `--seconds`
after a warm-up, with the scheduler's CPU time and resident memory over the same window.

    .venv/bin/python tests/benchmarks/bench_fanin.py [--agents 1000] [--channels 10] [--seconds 30]

The last line printed is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import random
import tempfile
import time
from pathlib import Path

import grpc
import psutil
from harness import cpu_of, latency_figures, scheduler_process

from abaqueue.protocol import PROTOCOL_VERSION
from abaqueue.v1 import execution_service_pb2 as ex
from abaqueue.v1 import execution_service_pb2_grpc as ex_grpc
from scheduler.domain.identity import Principal, Role


async def _agent(stub, name: str, token: str, interval: float, start_at: float, end_at: float,
                 times: list[float], polls: list[int]) -> None:
    auth = (("authorization", f"Bearer {token}"),)
    await stub.RegisterNode(ex.RegisterNodeRequest(node_name=name, cpus=4, protocol_version=PROTOCOL_VERSION),
                            metadata=auth, timeout=60)

    async def poll() -> None:
        while time.monotonic() < end_at:
            await stub.AcquireJob(ex.AcquireJobRequest(node_name=name), metadata=auth, timeout=120)
            polls[0] += 1  # answered empty: nothing is queued

    polling = asyncio.ensure_future(poll())
    request = ex.HeartbeatRequest(node_name=name)
    beat = time.monotonic() + random.uniform(0, interval)
    try:
        while beat < end_at:
            await asyncio.sleep(max(0.0, beat - time.monotonic()))
            began = time.monotonic()
            await stub.Heartbeat(request, metadata=auth, timeout=30)
            if began >= start_at:
                times.append((time.monotonic() - began) * 1000)
            beat += interval
    finally:
        polling.cancel()


def _agents(address: str, nodes: list[tuple[str, str]], channels: int, interval: float, warmup: float,
            seconds: float, ready: mp.Barrier, results: mp.Queue) -> None:
    async def main() -> tuple[list[float], int]:
        opened = [grpc.aio.insecure_channel(address) for _ in range(channels)]
        stubs = [ex_grpc.ExecutionServiceStub(c) for c in opened]
        await asyncio.to_thread(ready.wait)
        start_at = time.monotonic() + warmup
        end_at = start_at + seconds
        times: list[float] = []
        polls = [0]
        await asyncio.gather(*(_agent(stubs[i % channels], name, token, interval, start_at, end_at, times, polls)
                               for i, (name, token) in enumerate(nodes)))
        for c in opened:
            await c.close()
        return times, polls[0]

    results.put(asyncio.run(main()))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--agents", type=int, default=1000)
    p.add_argument("--channels", type=int, default=10)
    p.add_argument("--processes", type=int, default=2)
    p.add_argument("--interval", type=float, default=5.0)
    p.add_argument("--seconds", type=float, default=30.0)
    p.add_argument("--warmup", type=float, default=10.0)
    p.add_argument("--long-poll-timeout", type=float, default=30.0, help="the scheduler's (its default: 30)")
    a = p.parse_args()

    nodes = [f"node-{i:04d}" for i in range(a.agents)]
    with tempfile.TemporaryDirectory(prefix="abaqueue-bench-") as tmp, \
            scheduler_process(Path(tmp), [Principal(n, Role.NODE) for n in nodes],
                              "--long-poll-timeout", str(a.long_poll_timeout),
                              "--heartbeat-interval", str(a.interval)) as scheduler:
        ctx = mp.get_context("spawn")
        ready, results = ctx.Barrier(a.processes + 1), ctx.Queue()
        pairs = list(zip(nodes, scheduler.tokens))
        procs = [ctx.Process(target=_agents, args=(scheduler.execution, pairs[i::a.processes],
                                                   a.channels // a.processes, a.interval, a.warmup, a.seconds,
                                                   ready, results))
                 for i in range(a.processes)]
        for proc in procs:
            proc.start()
        server = psutil.Process(scheduler.pid)
        ready.wait(120)
        time.sleep(a.warmup)
        cpu_before, began = cpu_of(server), time.monotonic()
        time.sleep(a.seconds)
        used, elapsed = cpu_of(server) - cpu_before, time.monotonic() - began
        rss = server.memory_info().rss
        outcomes = [results.get(timeout=a.long_poll_timeout + 120) for _ in procs]
        for proc in procs:
            proc.join(30)

    times = sorted(t for o in outcomes for t in o[0])
    print(json.dumps({
        "scenario": "fan_in", "agents": a.agents, "channels": a.channels, "interval_s": a.interval,
        "heartbeats": len(times), "long_polls_answered": sum(o[1] for o in outcomes),
        **latency_figures("heartbeat", times),
        "scheduler_cpu_percent": round(100 * used / elapsed, 1), "scheduler_rss_mb": round(rss / 2**20, 1),
    }))


if __name__ == "__main__":
    main()
