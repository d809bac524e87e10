"""Dispatch latency: how long an idle agent waits for a job that was just queued.

A real scheduler process (SQLite file, SeaweedFS) serves `--agents` idle agents that long-poll from a
separate process. This process creates jobs and uploads their inputs beforehand, then calls SubmitJob
at `--rate` per second. Latency is the time from SubmitJob returning to an agent holding the job
(both processes read the same CLOCK_MONOTONIC). A job that reaches an agent before the submitter has
its answer counts as 0 ms; how often that happened is reported as `dispatched_before_ack`.
Each agent fails its job at once (CompleteJob, a model error: final, not retried), which frees its core
for the next one.

    .venv/bin/python tests/benchmarks/bench_dispatch.py [--jobs 500] [--agents 20] [--rate 100]

The last line printed is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing as mp
import tempfile
import threading
import time
import uuid
from pathlib import Path

import grpc
from harness import UNLIMITED_SUBMITS, latency_figures, scheduler_process
from sim_agents import fail_unsolved

from abaqueue import presigned_http
from abaqueue.protocol import PROTOCOL_VERSION
from abaqueue.v1 import execution_service_pb2 as ex
from abaqueue.v1 import execution_service_pb2_grpc as ex_grpc
from abaqueue.v1 import job_pb2
from abaqueue.v1 import submission_service_pb2 as sub
from abaqueue.v1 import submission_service_pb2_grpc as sub_grpc
from client.api import open_channel
from scheduler.domain.identity import Principal, Role

MODEL = b"*Heading\n** abaqus-sim: seconds=0\n*Step\n*Static\n1., 1.\n*End Step\n"


def node_name(i: int) -> str:
    return f"bench-{i:03d}"


def agents(address: str, tokens: list[str], ready: mp.Barrier, stop: mp.Event, received: mp.Queue) -> None:
    """One agent per token in this process, each a thread holding a long-poll on a shared channel."""
    channel = grpc.insecure_channel(address)
    stub = ex_grpc.ExecutionServiceStub(channel)

    def agent(i: int) -> None:
        name = node_name(i)
        auth = (("authorization", f"Bearer {tokens[i]}"),)
        stub.RegisterNode(ex.RegisterNodeRequest(
                protocol_version=PROTOCOL_VERSION, node_name=name, cpus=1), metadata=auth)
        ready.wait()
        while not stop.is_set():
            try:
                answer = stub.AcquireJob(ex.AcquireJobRequest(node_name=name), timeout=60, metadata=auth)
                if not answer.HasField("assignment"):
                    continue
                received.put((answer.assignment.job_attempt.job_id, time.monotonic_ns()))
                fail_unsolved(stub, answer.assignment.job_attempt, auth)
            except grpc.RpcError:
                if stop.is_set():  # the channel closes under the long-poll at the end
                    return
                raise

    threads = [threading.Thread(target=agent, args=(i,), daemon=True) for i in range(len(tokens))]
    for t in threads:
        t.start()
    stop.wait()
    channel.close()


def prepare(stub: sub_grpc.SubmissionServiceStub, count: int) -> list[str]:
    """Create `count` jobs and upload their input: everything up to, not including, SubmitJob."""
    digest = hashlib.sha256(MODEL).hexdigest()
    job_ids = []
    with tempfile.NamedTemporaryFile(suffix=".inp") as f:
        f.write(MODEL)
        f.flush()
        for _ in range(count):
            created = stub.CreateJob(sub.CreateJobRequest(
                request_id=str(uuid.uuid4()), name="bench", cpus=1, input_file="bench.inp",
                input_files=[job_pb2.FileInfo(name="bench.inp", size_bytes=len(MODEL), sha256=digest)]))
            for request in created.upload_requests:
                presigned_http.upload(presigned_http.PresignedTarget.of(request), Path(f.name))
            job_ids.append(created.job.id)
    return job_ids


def submit_paced(stub: sub_grpc.SubmissionServiceStub, job_ids: list[str], rate: float) -> dict[str, int]:
    """SubmitJob for each job at `rate` per second; when each call returned."""
    acked: dict[str, int] = {}
    start = time.monotonic()
    for i, job_id in enumerate(job_ids):
        delay = start + i / rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        stub.SubmitJob(sub.SubmitJobRequest(job_id=job_id))
        acked[job_id] = time.monotonic_ns()
    return acked


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--jobs", type=int, default=500)
    p.add_argument("--warmup", type=int, default=50)
    p.add_argument("--agents", type=int, default=20)
    p.add_argument("--rate", type=float, default=100.0)
    a = p.parse_args()

    principals = [Principal("bench", Role.ADMIN), *(Principal(node_name(i), Role.NODE) for i in range(a.agents))]
    with tempfile.TemporaryDirectory(prefix="abaqueue-bench-") as tmp, \
            scheduler_process(Path(tmp), principals, env=UNLIMITED_SUBMITS) as scheduler:
        admin_token, *node_tokens = scheduler.tokens
        ctx = mp.get_context("spawn")
        stop, received, ready = ctx.Event(), ctx.Queue(), ctx.Barrier(a.agents + 1)
        agent_process = ctx.Process(target=agents, args=(scheduler.execution, node_tokens, ready, stop, received))
        agent_process.start()
        try:
            ready.wait(60)
            time.sleep(0.5)  # let every agent's first long-poll reach the scheduler
            with open_channel(scheduler.submission, admin_token) as channel:
                stub = sub_grpc.SubmissionServiceStub(channel)
                job_ids = prepare(stub, a.warmup + a.jobs)
                acked = submit_paced(stub, job_ids, a.rate)
            got = dict(received.get(timeout=60) for _ in job_ids)
        finally:
            stop.set()
            agent_process.join(10)
            if agent_process.is_alive():
                agent_process.kill()

    measured = job_ids[a.warmup:]
    raw_ms = [(got[j] - acked[j]) / 1e6 for j in measured]
    latencies = sorted(max(0.0, ms) for ms in raw_ms)
    figures = {
        "scenario": "dispatch", "agents": a.agents, "jobs": len(measured), "rate_per_s": a.rate,
        **latency_figures("dispatch", latencies),
        "dispatched_before_ack": sum(ms < 0 for ms in raw_ms),
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
