"""Light simulated agents: the calls a real agent makes for a job, in its order, with a solve that
takes no time, so what is measured is the scheduler and the blob store, not Abaqus.

For each job: AcquireJob; the inline inputs written; the others in a transfer slot
(AcquireTransferSlot, GetInputDownloads, presigned GETs checked against their SHA-256,
ReleaseTransferSlot); ReportProgress as the solver starts (RUNNING) and as it ends; the result
files up in a slot (GetResultUploads, presigned PUTs); CompleteJob. A heartbeat every
`heartbeat_s`, as the agent's own loop sends it.
"""

from __future__ import annotations

import asyncio
import multiprocessing as mp
import os
import tempfile
from pathlib import Path

import grpc

from abaqueue import presigned_http
from abaqueue.presigned_http import PresignedTarget
from abaqueue.protocol import PROTOCOL_VERSION
from abaqueue.v1 import execution_service_pb2 as ex
from abaqueue.v1 import execution_service_pb2_grpc as ex_grpc
from abaqueue.v1 import job_pb2 as pb
from node_agent.transfers import write_inline

# What a small analysis leaves behind: the output database and the text files beside it.
RESULTS = {".odb": 48 * 1024, ".dat": 6 * 1024, ".msg": 3 * 1024, ".sta": 512}


def fail_unsolved(stub: ex_grpc.ExecutionServiceStub, attempt: ex.JobAttempt, auth, timeout: float | None = None):
    """End an assignment at once, failed (a synchronous stub): for scenarios about dispatch only."""
    return stub.CompleteJob(ex.CompleteJobRequest(
        job_attempt=attempt, outcome=ex.OUTCOME_FAILED, error_class=pb.ERROR_CLASS_MODEL,
        error_message="benchmark: not solved"), metadata=auth, timeout=timeout)


class SimAgent:
    def __init__(self, address: str, name: str, token: str, work: Path, heartbeat_s: float) -> None:
        self.address, self.name, self.work, self.heartbeat_s = address, name, work, heartbeat_s
        self.auth = (("authorization", f"Bearer {token}"),)

    async def _call(self, method: str, request):
        return await getattr(self.stub, method)(request, metadata=self.auth, timeout=60)

    async def run(self, stop: asyncio.Event) -> None:
        async with grpc.aio.insecure_channel(self.address) as channel:
            self.stub = ex_grpc.ExecutionServiceStub(channel)
            await self._call("RegisterNode", ex.RegisterNodeRequest(
                node_name=self.name, cpus=1, protocol_version=PROTOCOL_VERSION, agent_version="bench"))
            beats = asyncio.ensure_future(self._heartbeats(stop))
            try:
                while not stop.is_set():
                    poll = asyncio.ensure_future(self._call("AcquireJob", ex.AcquireJobRequest(node_name=self.name)))
                    stopped = asyncio.ensure_future(stop.wait())
                    await asyncio.wait({poll, stopped}, return_when=asyncio.FIRST_COMPLETED)
                    stopped.cancel()
                    if not poll.done():
                        poll.cancel()
                        break
                    answer = poll.result()
                    if answer.HasField("assignment"):
                        await self._run_job(answer.assignment)
            finally:
                beats.cancel()

    async def _heartbeats(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            await asyncio.sleep(self.heartbeat_s)
            await self._call("Heartbeat", ex.HeartbeatRequest(node_name=self.name))

    async def _slot(self, attempt: ex.JobAttempt) -> str:
        return (await self._call("AcquireTransferSlot", ex.AcquireTransferSlotRequest(
            node_name=self.name, job_attempt=attempt))).slot_id

    async def _release(self, slot_id: str) -> None:
        await self._call("ReleaseTransferSlot", ex.ReleaseTransferSlotRequest(node_name=self.name, slot_id=slot_id))

    async def _run_job(self, job: ex.Assignment) -> None:
        attempt = job.job_attempt
        folder = self.work / f"{attempt.job_id}-{attempt.attempt}"
        folder.mkdir()
        write_inline(folder, job.input_files)
        if any(not f.HasField("content") for f in job.input_files):
            slot = await self._slot(attempt)
            downloads = await self._call("GetInputDownloads", ex.GetInputDownloadsRequest(job_attempt=attempt))
            for info, request in zip(downloads.files, downloads.download_requests):
                got = await asyncio.to_thread(presigned_http.download, PresignedTarget.of(request),
                                              folder / info.name)
                assert got.sha256 == info.sha256, info.name
            await self._release(slot)
        steps = pb.Progress(step=0, total_steps=1)
        await self._call("ReportProgress", ex.ReportProgressRequest(
            job_attempt=attempt, progress=steps, agent_lines=[f"inputs in: {len(job.input_files)} file(s)"]))
        results = {}
        for ext, size in RESULTS.items():  # the solve: no time at all
            path = folder / f"{job.name}{ext}"
            path.write_bytes(os.urandom(size))
            results[path] = presigned_http.file_digest(path)
        await self._call("ReportProgress", ex.ReportProgressRequest(
            job_attempt=attempt, progress=pb.Progress(step=1, total_steps=1, step_fraction=1, overall_fraction=1),
            log_lines=["THE ANALYSIS HAS COMPLETED SUCCESSFULLY"]))
        slot = await self._slot(attempt)
        infos = [pb.FileInfo(name=p.name, size_bytes=d.size_bytes, sha256=d.sha256) for p, d in results.items()]
        uploads = await self._call("GetResultUploads", ex.GetResultUploadsRequest(job_attempt=attempt, files=infos))
        for path, request in zip(results, uploads.upload_requests):
            await asyncio.to_thread(presigned_http.upload, PresignedTarget.of(request), path)
        await self._release(slot)
        await self._call("CompleteJob", ex.CompleteJobRequest(
            job_attempt=attempt, outcome=ex.OUTCOME_SUCCEEDED, result_files=infos))


def _agents_process(address: str, nodes: list[tuple[str, str]], heartbeat_s: float, ready: mp.Barrier,
                    stop: mp.Event, results: mp.Queue) -> None:
    async def main() -> None:
        with tempfile.TemporaryDirectory(prefix="bench-agents-") as work:
            agents = [SimAgent(address, name, token, Path(work), heartbeat_s) for name, token in nodes]
            stopping = asyncio.Event()
            tasks = [asyncio.ensure_future(a.run(stopping)) for a in agents]
            await asyncio.to_thread(ready.wait)
            await asyncio.to_thread(stop.wait)
            stopping.set()
            failed = [r for r in await asyncio.gather(*tasks, return_exceptions=True) if r is not None]
            if failed:
                raise failed[0]

    asyncio.run(main())
    results.put("stopped")


class AgentProcesses:
    """`nodes` (name, token) as simulated agents over `processes` processes, running until stop()."""

    def __init__(self, address: str, nodes: list[tuple[str, str]], processes: int = 2,
                 heartbeat_s: float = 5.0) -> None:
        ctx = mp.get_context("spawn")
        self.ready, self.stop_event, self.results = ctx.Barrier(processes + 1), ctx.Event(), ctx.Queue()
        shares = [nodes[i::processes] for i in range(processes)]
        self.processes = [ctx.Process(target=_agents_process, args=(address, share, heartbeat_s, self.ready,
                                                                     self.stop_event, self.results))
                          for share in shares]
        for p in self.processes:
            p.start()
        self.ready.wait(120)

    def stop(self) -> None:
        self.stop_event.set()
        for _ in self.processes:
            self.results.get(timeout=60)
        for p in self.processes:
            p.join(30)
