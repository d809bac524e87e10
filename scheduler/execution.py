"""What node agents do: register, take jobs, move files in turn, report, complete.

Every call about a job names (job, attempt); a call for an attempt that is no longer current is
refused, so a node presumed lost cannot overwrite anything.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Sequence
from dataclasses import replace

from abaqueue import protocol
from abaqueue.presigned_http import PresignedTarget
from abaqueue.protocol import UNSTATED, package_version

from . import stored_files
from .blobs import S3Blobs, StoredPart, input_key, result_key
from .config import SchedulerConfig
from .dispatch import JobQueue, wait_for_change
from .domain import job_log, retries, states, validation
from .domain.brief import Brief
from .domain.errors import FailedPrecondition, IllegalTransition, InvalidArgument, NotFound, StaleAttempt
from .domain.job import ErrorClass, FileSpec, Job, JobState, Outcome, PartSpec, Progress
from .domain.job_log import Level, Source
from .jobs import JobBook
from .multipart import MultipartUploads
from .nodes import Node, NodeRegistry
from .transfer_slots import TransferSlots

log = logging.getLogger(__name__)
JobAttempt = tuple[str, int]
LONG_POLL_SPREAD = (0.5, 1.0)  # the share of the long-poll timeout an empty AcquireJob waits


class ExecutionApp:
    def __init__(
        self, book: JobBook, blobs: S3Blobs, queue: JobQueue, nodes: NodeRegistry,
        slots: TransferSlots, config: SchedulerConfig,
    ) -> None:
        self.book = book
        self.blobs = blobs
        self.queue = queue
        self.nodes = nodes
        self.slots = slots
        self._inline_put: set[str] = set()  # jobs whose inline inputs older agents download: in the store already
        self.config = config
        self.multipart = MultipartUploads(blobs)
        self.rand = random.Random()
        self.started_at = book.clock()  # leases in flight are honoured for a grace from here

    def register(self, node: Node) -> Node:
        validation.job_name(node.name, "node_name")
        validation.cpus(node.cpus)
        validation.labels(node.labels)
        if not 0 <= node.max_jobs <= validation.MAX_CPUS:
            raise InvalidArgument("max_jobs", f"{node.max_jobs} is out of range 0..{validation.MAX_CPUS}")
        for i, version in enumerate(node.abaqus_versions):
            validation.abaqus_version(version, f"abaqus_versions[{i}]")
        if not node.protocol_version:
            log.warning("the agent on %s sends no protocol version (a release before %s): taken as protocol %d; "
                        "update it", node.name, package_version(), UNSTATED)
            node.protocol_version = UNSTATED
        if node.protocol_version < protocol.MIN_AGENT_PROTOCOL:
            raise FailedPrecondition(
                f"protocol_version: the agent on {node.name} (release {node.agent_version or 'unknown'}) speaks "
                f"protocol {node.protocol_version}; this scheduler needs {protocol.MIN_AGENT_PROTOCOL} or newer: "
                f"update the "
                f"agent (abaqueue nodes install --host {node.name} --wheel abaqueue-{package_version()}-...whl)")
        node.agent_version = node.agent_version[:64]
        node.last_seen = self.book.clock()
        self.nodes.register(node)
        self.queue.wake()
        return node

    def _node(self, name: str) -> Node:
        node = self.nodes.get(name)
        if node is None:
            raise NotFound(f"node {name!r} is not registered: call RegisterNode")
        node.last_seen = self.book.clock()
        return node

    def current(self, node: str, job_id: str, attempt: int) -> Job:
        """The job, if (job, attempt) is still the current assignment, and it is `node`'s: the
        fencing check. Another node's job does not exist for this one."""
        if not job_id:
            raise InvalidArgument("job_attempt.job_id", "is required")
        return _fence(self.book.get(job_id), node, attempt)

    async def acquire_job(self, node_name: str) -> tuple[Job, dict[str, bytes]] | None:
        """Long-poll: the first waiting job that fits the node, as soon as there is one, with the
        content of its inline inputs (read before it is assigned: a failed read assigns nothing).
        Each poll waits a random LONG_POLL_SPREAD share of the timeout: agents that came up together
        (after a restart of the scheduler or of the site) do not all ask again in the same instant."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.config.long_poll_timeout_s * self.rand.uniform(*LONG_POLL_SPREAD)
        while True:
            node = self._node(node_name)
            changed = self.queue.changed.current()
            candidate = self.queue.decide(node.name, self.book.clock())
            if candidate is not None:
                inline = self._inline_inputs(candidate)
                job = self._assign(candidate, node)
                if job is not None:
                    return job, inline
                continue
            if not await wait_for_change(changed, deadline - loop.time()):
                return None

    def _inline_inputs(self, job_id: str) -> dict[str, bytes]:
        """The content of the job's inline inputs: read only for a job that has some."""
        try:
            job = self.book.get(job_id)  # kept: the assignment's write reads it again
        except NotFound:
            return {}  # gone meanwhile: it will not be assigned either
        return self.book.store.inline_inputs(job_id) if any(f.inline for f in job.input_files) else {}

    def _assign(self, job_id: str, node: Node) -> Job | None:
        self.queue.discard(job_id)
        now = self.book.clock()
        try:
            job = self.book.change(job_id, lambda j: states.assign(j, node.name, now))
        except (IllegalTransition, NotFound):
            return None  # it left the queue meanwhile (cancelled): the index was behind
        self.nodes.hold(node.name, job.id, job.cpus)
        self.queue.started(Brief.of(job))
        return job

    def heartbeat(self, node_name: str, running: Sequence[JobAttempt],
                  licenses: tuple[int, int] | None = None) -> list[JobAttempt]:
        """The attempts the node must stop: cancelled, or no longer current. `licenses` is the
        license server's (issued, in use), from a node that runs the license tools."""
        self._node(node_name)
        if licenses is not None:
            issued, in_use = licenses
            for field, value in (("license_usage.issued", issued), ("license_usage.in_use", in_use)):
                if not 0 <= value <= validation.MAX_LICENSE_TOKENS:
                    raise InvalidArgument(field, f"{value} is out of range 0..{validation.MAX_LICENSE_TOKENS}")
            self.queue.observe_licenses(issued, in_use, self.book.clock())
        stop = []
        for job_id, attempt in running:
            job = self.book.store.get(job_id)
            if job is None or job.attempt != attempt or not job.state.is_active or job.cancel_requested:
                stop.append((job_id, attempt))
        return stop

    async def acquire_slot(self, node_name: str, job_id: str, attempt: int) -> str | None:
        self._node(node_name)
        self.current(node_name, job_id, attempt)
        slot = await self.slots.acquire(node_name, (job_id, attempt), self.config.long_poll_timeout_s)
        if slot is not None and not self._still_current(node_name, job_id, attempt):
            self.slots.release(node_name, slot)  # the job ended while it waited
            self.current(node_name, job_id, attempt)
        return slot

    def _still_current(self, node: str, job_id: str, attempt: int) -> bool:
        try:
            self.current(node, job_id, attempt)
        except StaleAttempt:
            return False
        return True

    def _slot_call(self, node_name: str, slot_id: str) -> None:
        self._node(node_name)
        if not slot_id:
            raise InvalidArgument("slot_id", "is required")

    def renew_slot(self, node_name: str, slot_id: str) -> None:
        self._slot_call(node_name, slot_id)
        if not self.slots.renew(node_name, slot_id):
            raise NotFound(f"slot_id: {slot_id[:80]!r} is not held by node {node_name} (its lease lapsed, or it "
                           "was released): ask for a slot again")

    def release_slot(self, node_name: str, slot_id: str) -> None:
        self._slot_call(node_name, slot_id)
        self.slots.release(node_name, slot_id)

    def _moving(self, node: str, job_id: str, attempt: int) -> Job:
        """The current job, if its attempt holds the node's transfer slot: files move only in turn."""
        job = self.current(node, job_id, attempt)
        if not self.slots.holds(node, (job_id, attempt)):
            raise NotFound(f"transfer slot: attempt {attempt} of job {job_id} holds none (its lease lapsed?): "
                           "ask for one with AcquireTransferSlot")
        return job

    async def input_downloads(
        self, node: str, job_id: str, attempt: int,
    ) -> tuple[tuple[FileSpec, ...], list[PresignedTarget]]:
        """The inputs in the blob store (not those the assignment carried inline) and their downloads.
        An agent from before inline inputs downloads them too: they are put in the blob store first."""
        job = self._moving(node, job_id, attempt)
        files = tuple(f for f in job.input_files if not f.inline)
        if len(files) < len(job.input_files) and self._node(node).protocol_version < protocol.INLINE_INPUTS:
            if job.id not in self._inline_put:  # once: the agent asks again for each file, and for fresh URLs
                await self._put_inline(job)
                self._inline_put.add(job.id)
            files = job.input_files
        return files, [self.blobs.presign_get(input_key(job.id, f.name), f.name) for f in files]

    async def _put_inline(self, job: Job) -> None:
        inline = self.book.store.inline_inputs(job.id)
        missing = [f.name for f in job.input_files if f.inline and f.name not in inline]
        if missing:
            raise FailedPrecondition(f"job {job.id}: the store holds no content of its inline input {missing[0]}")
        await asyncio.gather(*(asyncio.to_thread(self.blobs.put, input_key(job.id, f.name), inline[f.name], f.sha256)
                               for f in job.input_files if f.inline))

    def result_uploads(
        self, node: str, job_id: str, attempt: int, files: Sequence[FileSpec],
    ) -> list[PresignedTarget]:
        """Single PUTs, each signed with the file's SHA-256."""
        job = self._collecting(node, job_id, attempt)
        validation.file_specs(files, "files")
        return [self.blobs.presign_put(result_key(job.id, attempt, f.name), f.name, f.sha256) for f in files]

    def _collecting(self, node: str, job_id: str, attempt: int) -> Job:
        """The job whose attempt moves its results: its solver has ended (the first time, stamped)."""
        job = self._moving(node, job_id, attempt)
        if job.collect_time is None:
            now = self.book.clock()

            def stamp(j: Job) -> Job:
                j = _fence(j, node, attempt)
                return j if j.collect_time else j.evolve(collect_time=now)

            job = self.book.change(job_id, stamp)
        return job

    def _result_key(self, node: str, job_id: str, attempt: int, file_name: str) -> str:
        job = self._collecting(node, job_id, attempt)
        validation.file_name(file_name, "file_name")
        return result_key(job.id, attempt, file_name)

    async def start_result_upload(self, node: str, job_id: str, attempt: int, file_name: str,
                                  fresh: bool = False) -> tuple[str, list[StoredPart]]:
        return await self.multipart.open(self._result_key(node, job_id, attempt, file_name), fresh=fresh)

    def result_part_urls(self, node: str, job_id: str, attempt: int, file_name: str, upload_id: str,
                         parts: Sequence[PartSpec]) -> list[PresignedTarget]:
        key = self._result_key(node, job_id, attempt, file_name)
        return self.multipart.sign(key, file_name, upload_id, parts)

    async def complete_result_upload(self, node: str, job_id: str, attempt: int, file_name: str, upload_id: str,
                                     parts: Sequence[PartSpec]) -> int:
        return await self.multipart.join(self._result_key(node, job_id, attempt, file_name), upload_id, parts)

    def report_progress(self, node: str, job_id: str, attempt: int, progress: Progress,
                        log_lines: Sequence[str] = (), agent_lines: Sequence[str] = (),
                        sta_lines: Sequence[str] = (), sta_lines_before: int = 0) -> bool:
        """Record progress (the first report marks the solver as running), the solver's new log
        lines, the agent's, and the .sta rows the log lacks; True means stop."""
        job = self.current(node, job_id, attempt)
        _check_log(log_lines)
        _check_log(agent_lines, "agent_lines")
        _check_log(sta_lines, "sta_lines")
        if sta_lines_before < 0:
            raise InvalidArgument("sta_lines_before", f"{sta_lines_before} is negative")
        held = job.sta_rows[1] if job.sta_rows[0] == attempt else 0
        new_rows = sta_lines[max(0, held - sta_lines_before):]
        rows = (attempt, max(held, sta_lines_before + len(sta_lines)))
        now = self.book.clock()
        self.book.append_log(job, attempt, agent_lines, now, Source.AGENT)
        self.book.append_log(job, attempt, log_lines, now)
        self.book.append_log(job, attempt, new_rows, now, Source.STA, Level.INFO)

        def apply(job: Job) -> Job:
            job = job.evolve(sta_rows=rows) if rows != job.sta_rows else job
            if job.state is JobState.STARTING:
                return states.transition(job, JobState.RUNNING, now, progress=progress)
            return job.evolve(progress=progress)

        job = self.book.change(job_id, lambda j: apply(_fence(j, node, attempt)))
        self.queue.progressed(job)
        return job.cancel_requested

    async def complete(
        self, node: str, job_id: str, attempt: int, outcome: Outcome, error_class: ErrorClass | None,
        error_message: str, files: Sequence[FileSpec], missing: Sequence[str], log_lines: Sequence[str] = (),
    ) -> Job:
        job = self.current(node, job_id, attempt)
        files = validation.file_specs(files, "result_files")
        _check_log(log_lines)
        arrived, not_arrived = await self._check_results(job, files)
        missing = tuple(dict.fromkeys([*missing, *not_arrived]))
        now = self.book.clock()

        def finish(j: Job) -> Job:
            if outcome is Outcome.STOPPED:
                to = JobState.CANCELLED if j.cancel_requested else JobState.FAILED
                message = error_message or ("cancelled" if j.cancel_requested else "stopped by the node")
                return states.transition(j, to, now, error_message=message, result_files=arrived)
            if outcome is Outcome.TIMED_OUT:
                return states.transition(j, JobState.TIMEOUT, now, result_files=arrived, error_message=error_message
                                         or "stopped at its wall-clock limit")
            if outcome is Outcome.FAILED and not j.cancel_requested:
                cause = retries.CAUSE_OF_CLASS.get(error_class, retries.Cause.SYSTEM)
                failed = retries.after_failure(j, cause, error_message or "the attempt failed", now,
                                               self.config.retry_rules, self.rand)
                return failed if failed.state is JobState.WAITING else failed.evolve(result_files=arrived)
            if outcome is Outcome.FAILED:
                return states.transition(j, JobState.FAILED, now, error_class=error_class,
                                         error_message=error_message, result_files=arrived)
            if missing:
                return states.transition(j, JobState.MISSING, now, result_files=arrived,
                                         missing_files=missing,
                                         error_message="result files missing: " + ", ".join(missing))
            return states.transition(j, JobState.COMPLETED, now, result_files=arrived,
                                     progress=replace(j.progress, overall_fraction=1.0))

        job = self.current(node, job_id, attempt)  # fence again: the checks above awaited
        self.book.append_log(job, attempt, log_lines, now, Source.AGENT)
        # fenced inside the write too: what is re-read on a lost race may be another attempt
        job = self.book.change(job_id, lambda j: finish(_fence(j, node, attempt)))
        self._free(job, node)
        return job

    def sweep_lost(self, now: float) -> list[Job]:
        """Nodes silent for a heartbeat interval and the grace are lost: their jobs' attempts end,
        each job waiting again after its backoff, or failed once its attempts are used. A node
        not heard from since the scheduler started counts from the start: its leases are honoured
        for that long, so running agents re-attach."""
        lost_after = self.config.heartbeat_interval_s + self.config.node_silent_grace_s
        settled = []
        for name in self.nodes.holding():
            node = self.nodes.get(name)
            last = max(node.last_seen if node is not None else 0.0, self.started_at)
            if now - last <= lost_after:
                continue
            message = f"node {name} lost: not heard from for {now - last:.0f} s"
            for job_id in self.nodes.jobs_on(name):
                job = self._settle_lost(job_id, name, message, now)
                if job is not None:
                    settled.append(job)
        return settled

    def _settle_lost(self, job_id: str, node: str, message: str, now: float) -> Job | None:
        def lose(j: Job) -> Job:
            if not j.state.is_active or j.node != node:
                raise IllegalTransition(f"job {j.id} is no longer {node}'s")
            if j.cancel_requested:
                return states.transition(j, JobState.CANCELLED, now, error_message=f"cancelled; {message}")
            return retries.after_failure(j, retries.Cause.NODE_LOST, message, now, self.config.retry_rules,
                                         self.rand)

        try:
            job = self.book.change(job_id, lose)
        except (IllegalTransition, NotFound):
            self.nodes.release(node, job_id)  # the index was behind the store
            return None
        self._free(job, node)
        return job

    async def _check_results(
        self, job: Job, files: tuple[FileSpec, ...]
    ) -> tuple[tuple[FileSpec, ...], list[str]]:
        """Which reported files really are in the store with the reported size and SHA-256."""
        stored = await asyncio.gather(*(
            self.blobs.stat(result_key(job.id, job.attempt, f.name)) for f in files
        ))
        problems = [stored_files.problem(f, s) for f, s in zip(files, stored)]
        arrived = tuple(f for f, wrong in zip(files, problems) if wrong is None)
        return arrived, [f.name for f, wrong in zip(files, problems) if wrong is not None]

    def _free(self, job: Job, node: str) -> None:
        """The attempt on `node` ended: its cores and slot are free; a requeued job waits again."""
        self.nodes.release(node, job.id)
        self.slots.release_job(node, job.id)
        self._inline_put.discard(job.id)
        self.queue.ended(job)
        if job.state is JobState.WAITING:
            self.queue.add(job)


def _fence(job: Job, node: str, attempt: int) -> Job:
    """`job` if (job, attempt) is its current assignment on `node`; else StaleAttempt (another
    node's job does not exist for this one)."""
    if job.attempt != attempt or not job.state.is_active:
        raise StaleAttempt(f"attempt {attempt} of job {job.id} is not current (job is {job.state.value}, "
                           f"attempt {job.attempt})")
    if job.node != node:
        raise NotFound(f"job {job.id!r} not found")
    return job


def _check_log(lines: Sequence[str], field: str = "log_lines") -> None:
    if len(lines) > job_log.MAX_LINES_PER_CALL:
        raise InvalidArgument(field, f"{len(lines)} lines; at most {job_log.MAX_LINES_PER_CALL} a call")
