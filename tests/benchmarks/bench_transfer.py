"""Moving a large result: in one run on local SeaweedFS, a 1 GiB file is uploaded three ways —
boto3 `upload_file` with credentials (the ceiling), the agent's presigned multipart path
(node_agent.transfers as a running agent uses it, every part signed by a real scheduler process,
the file's SHA-256 computed on the way), and one presigned PUT — then downloaded with the client
library (parallel ranged GETs, checked against its SHA-256). The scheduler's CPU time is read from
its process around the agent's upload. MB are 10^6 bytes.

    .venv/bin/python tests/benchmarks/bench_transfer.py [--mib 1024]

The last line printed is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import tempfile
import time
from pathlib import Path

import boto3
import psutil
from botocore.config import Config
from harness import cpu_of, scheduler_process

from abaqueue.presigned_http import file_digest, upload
from abaqueue.protocol import PROTOCOL_VERSION
from abaqueue.v1 import execution_service_pb2 as ex
from abaqueue.v1 import execution_service_pb2_grpc as ex_grpc
from abaqueue.v1 import job_pb2
from client import Client
from client.api import open_channel
from node_agent.config import AgentConfig
from node_agent.link import SchedulerLink
from node_agent.transfers import Transfers
from scheduler.blobs import S3Blobs, S3Settings
from scheduler.domain.identity import Principal, Role

NODE = "bench-node"
MODEL = "*Heading\n** abaqus-sim: seconds=0\n*Step\n*Static\n1., 1.\n*End Step\n"


def make_file(path: Path, size: int) -> None:
    chunk = 64 * 1024 * 1024
    with open(path, "wb") as f:
        for offset in range(0, size, chunk):
            f.write(os.urandom(min(chunk, size - offset)))


def mb_s(size: int, seconds: float) -> float:
    return round(size / 1e6 / seconds, 1)


def timed(fn, *args):
    start = time.perf_counter()
    result = fn(*args)
    return result, time.perf_counter() - start


def cpu_s(pid: int) -> float:
    return cpu_of(psutil.Process(pid))


async def agent_upload(execution: str, token: str, attempt: ex.JobAttempt, path: Path, config: AgentConfig):
    link = SchedulerLink(execution, token=token)
    try:
        transfers = Transfers(link, config, attempt, logging.LoggerAdapter(logging.getLogger("bench"), {}),
                              note=lambda text: print("note:", text))
        async with transfers.slot():
            return await transfers.upload_results([path])
    finally:
        await link.close()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--mib", type=int, default=1024, help="file size in MiB")
    p.add_argument("--parallel", type=int, default=AgentConfig.transfer_parallelism, help="parts at once")
    p.add_argument("--part-mib", type=int, default=AgentConfig.multipart_part_bytes // 2**20, help="part size")
    a = p.parse_args()
    size = a.mib * 1024 * 1024
    with tempfile.TemporaryDirectory(prefix="bench-transfer-") as tmp:
        home = Path(tmp)
        # SeaweedFS on every core: what is measured is how fast bytes move
        with scheduler_process(home, [Principal("bench", Role.ADMIN), Principal(NODE, Role.NODE)],
                               seaweed_cores=None) as sched:
            s3 = sched.s3
            big = home / "big.odb"
            make_file(big, size)
            digest = file_digest(big)  # also brings the file into the page cache for every way alike

            boto = boto3.client("s3", endpoint_url=s3.endpoint, aws_access_key_id=s3.access_key,
                                aws_secret_access_key=s3.secret_key, region_name="us-east-1",
                                config=Config(s3={"addressing_style": "path"}))
            store, me = psutil.Process(s3.process.pid), psutil.Process()
            store_before, me_before = cpu_of(store), cpu_of(me)
            _, boto_s = timed(boto.upload_file, str(big), s3.bucket, "bench/boto3/big.odb")
            boto_cpu = (cpu_of(me) - me_before, cpu_of(store) - store_before)

            model = home / "m.inp"
            model.write_text(MODEL)
            with Client(sched.submission, token=sched.tokens[0]) as client, \
                    open_channel(sched.execution, sched.tokens[1]) as channel:
                job = client.submit(model, cpus=1)
                stub = ex_grpc.ExecutionServiceStub(channel)
                stub.RegisterNode(ex.RegisterNodeRequest(protocol_version=PROTOCOL_VERSION, node_name=NODE, cpus=1))
                attempt = stub.AcquireJob(ex.AcquireJobRequest(node_name=NODE), timeout=30).assignment.job_attempt
                assert attempt.job_id == job.id
                config = AgentConfig(node_name=NODE, work_dir=home / "work", transfer_parallelism=a.parallel,
                                     multipart_part_bytes=a.part_mib * 2**20)

                cpu_before, store_before, me_before = cpu_s(sched.pid), cpu_of(store), cpu_of(me)
                (digests, failed), agent_s = timed(asyncio.run, agent_upload(sched.execution, sched.tokens[1],
                                                                             attempt, big, config))
                scheduler_cpu = cpu_s(sched.pid) - cpu_before
                agent_cpu = (cpu_of(me) - me_before, cpu_of(store) - store_before)
                assert not failed and digests[big.name] == digest, "the agent's upload failed or hashed other bytes"

                blobs = S3Blobs(S3Settings(bucket=s3.bucket, endpoint_url=s3.endpoint,
                                           access_key_id=s3.access_key, secret_access_key=s3.secret_key))
                put = blobs.presign_put("bench/single/big.odb", big.name, digest.sha256)
                _, single_s = timed(upload, put, big)

                done = stub.CompleteJob(ex.CompleteJobRequest(
                    job_attempt=attempt, outcome=ex.OUTCOME_SUCCEEDED,
                    result_files=[job_pb2.FileInfo(name=big.name, size_bytes=size, sha256=digest.sha256)]))
                assert done.job.state == job_pb2.JOB_STATE_COMPLETED, done.job
                _, download_s = timed(client.download_results, job.id, home / "down")
    agent_mb_s, boto3_mb_s = mb_s(size, agent_s), mb_s(size, boto_s)
    print(json.dumps({
        "file_mib": a.mib, "parts": -(-size // config.multipart_part_bytes), "parallel": config.transfer_parallelism,
        "boto3_mb_s": boto3_mb_s, "agent_mb_s": agent_mb_s, "single_put_mb_s": mb_s(size, single_s),
        "download_mb_s": mb_s(size, download_s), "ratio_agent_boto3": round(agent_mb_s / boto3_mb_s, 3),
        "scheduler_cpu_s": round(scheduler_cpu, 3),
        "uploader_cpu_s": {"boto3": round(boto_cpu[0], 2), "agent": round(agent_cpu[0], 2)},
        "store_cpu_s": {"boto3": round(boto_cpu[1], 2), "agent": round(agent_cpu[1], 2)},
    }))


if __name__ == "__main__":
    main()
