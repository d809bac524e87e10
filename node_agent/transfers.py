"""Moving one attempt's files through presigned URLs, in the node's turn.

A transfer slot is held as a lease, renewed while bytes move; a slot that lapses stops the
transfer at the next part or range. Inputs come down as parallel ranged GETs, results go up as
single PUTs signed with their SHA-256 or, above `multipart_threshold_bytes`, as multipart uploads
that an agent restarted mid-upload resumes. Failed requests are retried (abaqueue.transfer_retry)
and each retry is noted for the attempt's log.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import threading
import time
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

import grpc

from abaqueue import multipart
from abaqueue.http_connections import HTTP_ERRORS
from abaqueue.presigned_http import FileDigest, PresignedTarget, TransferError, file_digest, upload
from abaqueue.ranged_download import download_ranges
from abaqueue.transfer_retry import Resignable, RetryPolicy, describe
from abaqueue.v1 import execution_service_pb2 as ex
from abaqueue.v1 import job_pb2 as pb

from .config import AgentConfig
from .link import SchedulerLink
from .metrics import AgentMetrics

T = TypeVar("T")
DOWNLOAD_TRIES = 3  # a whole file that arrived other than it was stored is fetched again
# The scheduler's answers to a join that did not take: the upload starts afresh once.
UNJOINED = frozenset({grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.NOT_FOUND, grpc.StatusCode.DATA_LOSS})


class InputCorrupt(Exception):
    pass


def write_inline(dest: Path, files: Sequence[pb.FileInfo]) -> int:
    """The inputs the assignment carries (`content`) into `dest`, each checked against its size and
    SHA-256; how many bytes."""
    written = 0
    for info in files:
        if not info.HasField("content"):
            continue
        got = FileDigest(len(info.content), hashlib.sha256(info.content).hexdigest())
        if got != FileDigest(info.size_bytes, info.sha256):
            raise InputCorrupt(f"inline input {info.name} came with size {got.size_bytes} and SHA-256 {got.sha256}, "
                               f"expected {info.size_bytes} and {info.sha256}")
        (dest / info.name).write_bytes(info.content)
        written += len(info.content)
    return written


class SlotLapsed(Exception):
    """The scheduler took the transfer slot back (it was not renewed in time)."""


class Unjoinable(Exception):
    """The scheduler would not join a file's parts, even of a fresh upload."""


# A file that still fails after its retries: the store refused it, the link stayed down, or the
# file changed or vanished under the agent. (A refused attempt or a lapsed slot is not one.)
UNSENDABLE = (TransferError, *HTTP_ERRORS, multipart.FileChanged, OSError, Unjoinable)


class Transfers:
    def __init__(self, link: SchedulerLink, config: AgentConfig, attempt: ex.JobAttempt,
                 log: logging.LoggerAdapter, note: Callable[[str], None], retry: RetryPolicy | None = None,
                 metrics: AgentMetrics | None = None) -> None:
        """`note` hears each retry and what went wrong, for the attempt's log."""
        self.metrics = metrics or AgentMetrics()
        self.link = link
        self.config = config
        self.attempt = attempt
        self.log = log
        self.note = note
        self.retry = retry or RetryPolicy(attempts=config.transfer_attempts)
        self._lapsed = threading.Event()
        # What is done already, kept across turns: a transfer begun again after a lapse goes on.
        self._fetched: set[str] = set()
        self._sent: dict[str, FileDigest] = {}

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Hold the node's transfer slot for the block, renewing its lease meanwhile."""
        node = self.config.node_name
        while True:  # an empty answer is a long-poll that timed out: ask again
            resp = await self.link.call("AcquireTransferSlot",
                                        ex.AcquireTransferSlotRequest(node_name=node, job_attempt=self.attempt),
                                        timeout=3600)
            if resp.slot_id:
                break
        self._lapsed.clear()
        renewing = asyncio.ensure_future(self._renew(resp.slot_id, resp.lease.ToNanoseconds() / 1e9 or 60.0))
        try:
            yield
        finally:
            renewing.cancel()
            await asyncio.gather(renewing, return_exceptions=True)
            await self.link.call("ReleaseTransferSlot", ex.ReleaseTransferSlotRequest(node_name=node,
                                                                                      slot_id=resp.slot_id))

    async def in_turn(self, move: Callable[[], Coroutine[Any, Any, T]]) -> T:
        """`move()` while holding the node's slot; begun again, in line for a new slot, if the slot
        lapses on the way (an upload goes on from the parts the store has)."""
        while True:
            async with self.slot():
                try:
                    return await move()
                except SlotLapsed:
                    self.note("the transfer slot lapsed mid-transfer: waiting for the node's turn again")

    async def _renew(self, slot_id: str, lease_s: float) -> None:
        while True:
            await asyncio.sleep(lease_s / 3)
            try:
                await self.link.call("RenewTransferSlot", ex.RenewTransferSlotRequest(
                    node_name=self.config.node_name, slot_id=slot_id), timeout=max(lease_s / 3, 1.0))
            except grpc.aio.AioRpcError as e:  # lapsed (NOT_FOUND), or refused: either way it is not ours
                self.note(f"transfer slot {slot_id} could not be renewed ({e.code().name}): stopping this transfer")
                self._lapsed.set()
                return

    def _check_slot(self) -> None:
        if self._lapsed.is_set():
            raise SlotLapsed("the transfer slot lapsed")

    def _blocking(self, loop: asyncio.AbstractEventLoop) -> Callable[[Coroutine[Any, Any, T]], T]:
        """Run a link call from a transfer thread on the agent's loop. The link retries through a
        scheduler outage for as long as it lasts; a NOT_FOUND about the slot is a lapsed slot."""
        def call(coro: Coroutine[Any, Any, T]) -> T:
            if self._lapsed.is_set():
                coro.close()
            self._check_slot()
            try:
                return asyncio.run_coroutine_threadsafe(coro, loop).result()
            except grpc.aio.AioRpcError as e:
                if e.code() == grpc.StatusCode.NOT_FOUND and e.details().startswith("transfer slot"):
                    self._lapsed.set()
                    raise SlotLapsed(e.details()) from e
                raise
        return call

    async def download_inputs(self, dest: Path, files: Sequence[pb.FileInfo]) -> None:
        """Every input into `dest`, each checked against its size and SHA-256."""
        call = self._blocking(asyncio.get_running_loop())

        def fresh(name: str) -> PresignedTarget:
            resp = call(self.link.call("GetInputDownloads", ex.GetInputDownloadsRequest(job_attempt=self.attempt)))
            return next(PresignedTarget.of(r) for r in resp.download_requests if r.file_name == name)

        for info in files:
            if info.name in self._fetched:
                continue
            for attempt in range(DOWNLOAD_TRIES):
                began = time.monotonic()
                got = await asyncio.to_thread(
                    download_ranges, lambda name=info.name: fresh(name), dest / info.name, info.size_bytes,
                    parallel=self.config.transfer_parallelism, retry=self.retry, on_retry=self.note,
                    go_on=self._check_slot)
                if got == FileDigest(info.size_bytes, info.sha256):
                    self._fetched.add(info.name)
                    self.metrics.moved("download", info.size_bytes, time.monotonic() - began)
                    break
                problem = (f"input {info.name} arrived with size {got.size_bytes} and SHA-256 {got.sha256}, "
                           f"expected {info.size_bytes} and {info.sha256}")
                if attempt + 1 == DOWNLOAD_TRIES:
                    raise InputCorrupt(problem)
                self.note(f"{problem}: fetching it again")

    async def upload_results(self, paths: Sequence[Path]) -> tuple[dict[str, FileDigest], list[str]]:
        """Every file up: the size and SHA-256 of each as sent, and the names of those that could
        not be sent even with retries (noted; the others still go, to stay downloadable)."""
        threshold = self.config.multipart_threshold_bytes
        failed: list[str] = []
        for path in paths:
            if path.name in self._sent:
                continue
            try:
                size = path.stat().st_size
                began = time.monotonic()
                if size > threshold:
                    self._sent[path.name] = await self._multipart(path, size)
                else:
                    self._sent[path.name] = await self._single(path)
                self.metrics.moved("upload", size, time.monotonic() - began)
            except UNSENDABLE as e:
                self.note(f"{path.name} could not be uploaded: {describe(e)}")
                failed.append(path.name)
        return {p.name: self._sent[p.name] for p in paths if p.name in self._sent}, failed

    async def _multipart(self, path: Path, size: int) -> FileDigest:
        """A fresh upload once if the scheduler would not join the parts of the one in progress
        (say, begun by another version of the agent); a second refusal is the file's failure."""
        try:
            return await self._multipart_once(path, size, fresh=False)
        except grpc.aio.AioRpcError as e:
            if e.code() not in UNJOINED:
                raise
            self.note(f"{path.name}: the parts were not joined ({e.code().name}: {e.details()}): uploading afresh")
        try:
            return await self._multipart_once(path, size, fresh=True)
        except grpc.aio.AioRpcError as e:
            if e.code() not in UNJOINED:
                raise
            raise Unjoinable(f"the parts were not joined ({e.code().name}: {e.details()})") from e

    async def _single(self, path: Path) -> FileDigest:
        digest = await asyncio.to_thread(file_digest, path)
        call = self._blocking(asyncio.get_running_loop())
        info = pb.FileInfo(name=path.name, size_bytes=digest.size_bytes, sha256=digest.sha256)

        def sign() -> PresignedTarget:
            resp = call(self.link.call("GetResultUploads",
                                       ex.GetResultUploadsRequest(job_attempt=self.attempt, files=[info])))
            return PresignedTarget.of(resp.upload_requests[0])

        target = await asyncio.to_thread(Resignable, sign)

        def send() -> FileDigest:
            self._check_slot()
            sent = upload(target.current, path)
            if sent != digest:
                raise multipart.FileChanged(f"{path.name} changed while it was uploaded")
            return sent

        return await asyncio.to_thread(self.retry.run, path.name, send, refresh=target.refresh, on_retry=self.note)

    async def _multipart_once(self, path: Path, size: int, fresh: bool) -> FileDigest:
        call = self._blocking(asyncio.get_running_loop())
        started = await self.link.call("StartResultUpload", ex.StartResultUploadRequest(
            job_attempt=self.attempt, file_name=path.name, fresh=fresh))
        stored = {p.part_number: (p.size_bytes, p.etag) for p in started.stored_parts}
        if stored:
            self.log.info("resuming the upload of %s: the store holds %d parts already", path.name, len(stored))
        parts = multipart.plan(size, multipart.part_size_for(size, self.config.multipart_part_bytes))

        def sign(part: multipart.Part, crc32: str) -> PresignedTarget:
            resp = call(self.link.call("GetUploadPartUrls", ex.GetUploadPartUrlsRequest(
                job_attempt=self.attempt, file_name=path.name, upload_id=started.upload_id,
                parts=[pb.UploadPart(part_number=part.number, size_bytes=part.size, crc32=crc32)])))
            return PresignedTarget.of(resp.upload_requests[0])

        whole, sent = await asyncio.to_thread(
            multipart.upload_parts, path, parts, sign, stored=stored, parallel=self.config.transfer_parallelism,
            retry=self.retry, on_retry=self.note)
        joined = await self.link.call("CompleteResultUpload", ex.CompleteResultUploadRequest(
            job_attempt=self.attempt, file_name=path.name, upload_id=started.upload_id,
            parts=[pb.UploadPart(part_number=p.number, size_bytes=p.size, crc32=p.crc32, etag=p.etag)
                   for p in sent]))
        if joined.size_bytes != size:
            raise multipart.FileChanged(f"{path.name}: the store joined {joined.size_bytes} bytes, {size} were sent")
        return FileDigest(size, whole)
