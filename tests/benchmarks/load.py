"""Small jobs submitted as fast as a scheduler takes them: client processes, one connection each,
each with a few CreateJob calls in flight. Every job sends its model (a few KB) inline, so CreateJob
alone queues it: its answer means the store has committed the job.
"""

from __future__ import annotations

import asyncio
import multiprocessing as mp
import time
import uuid
from dataclasses import dataclass

import grpc

from abaqueue.v1 import job_pb2
from abaqueue.v1 import submission_service_pb2 as sub
from abaqueue.v1 import submission_service_pb2_grpc as sub_grpc


def small_model(nodes: int = 120) -> bytes:
    """A plate of shell elements, one static step: about 4 KB, as a small test model is."""
    lines = ["*Heading", "** abaqus-sim: seconds=0", "*Node"]
    lines += [f"{i + 1}, {i % 12:.1f}, {i // 12:.1f}, 0." for i in range(nodes)]
    lines += ["*Element, type=S4R, elset=PLATE"]
    lines += [f"{e + 1}, {e + 1}, {e + 2}, {e + 14}, {e + 13}" for e in range(0, nodes - 13, 2)]
    lines += ["*Step", "*Static", "1., 1.", "*End Step", ""]
    return "\n".join(lines).encode()


MODEL = small_model()


def create_request() -> sub.CreateJobRequest:
    return sub.CreateJobRequest(
        request_id=uuid.uuid4().hex, name="plate", cpus=1, input_file="plate.inp",
        input_files=[job_pb2.FileInfo(name="plate.inp", content=MODEL)])


@dataclass(frozen=True)
class Load:
    address: str
    in_flight: int  # calls outstanding on each connection
    warmup_s: float  # from the moment every connection is up: acknowledgements after it count
    duration_s: float | None  # for this long (None: until `jobs` were sent)
    jobs: int | None = None  # per connection


async def _connection(load: Load, token: str, ready: mp.Barrier) -> tuple[int, int, list[float], float]:
    """(jobs acknowledged in the window, refused, round trips in ms of those in the window, CPU
    seconds this client used)."""
    auth = (("authorization", f"Bearer {token}"),)
    counted, refused, times = 0, 0, []
    sent = 0
    async with grpc.aio.insecure_channel(load.address) as channel:
        await channel.channel_ready()
        ready.wait()
        start_at = time.monotonic() + load.warmup_s
        end_at = None if load.duration_s is None else start_at + load.duration_s
        stub = sub_grpc.SubmissionServiceStub(channel)

        async def loop() -> None:
            nonlocal counted, refused, sent
            while (load.jobs is None or sent < load.jobs) and (end_at is None or time.monotonic() < end_at):
                sent += 1
                began = time.monotonic()
                try:
                    await stub.CreateJob(create_request(), metadata=auth, timeout=30)
                except grpc.aio.AioRpcError:
                    refused += 1
                    continue
                acked = time.monotonic()
                if acked >= start_at and (end_at is None or acked <= end_at):
                    counted += 1
                    times.append((acked - began) * 1000)

        cpu = time.process_time()
        await asyncio.gather(*(loop() for _ in range(load.in_flight)))
        cpu = time.process_time() - cpu
    return counted, refused, times, cpu


def _submitter(load: Load, token: str, ready: mp.Barrier, results: mp.Queue) -> None:
    results.put(asyncio.run(_connection(load, token, ready)))


def submit(load: Load, tokens: list[str]) -> tuple[int, int, list[float], float]:
    """One process per token, each with one connection, all starting at once; their totals once
    every one has ended: acknowledged in the window, refused, round trips, client CPU seconds."""
    ctx = mp.get_context("spawn")
    results, ready = ctx.Queue(), ctx.Barrier(len(tokens))
    workers = [ctx.Process(target=_submitter, args=(load, token, ready, results)) for token in tokens]
    for w in workers:
        w.start()
    outcomes = [results.get() for _ in workers]
    for w in workers:
        w.join(30)
    return (sum(o[0] for o in outcomes), sum(o[1] for o in outcomes),
            sorted(t for o in outcomes for t in o[2]), sum(o[3] for o in outcomes))
