"""The node agent: registers, keeps one long-poll open for work, heartbeats in its own task,
and runs each job it is given as a JobRun.

Its loops (acquiring work, heartbeats, clean-up, license usage) are supervised: a transient error
(an OSError from a disk check or the state file, a scheduler error worth another try) is retried
with backoff inside the loop; any other error ends the agent with AgentFailed, so that its service
manager restarts it rather than leaving it up and doing nothing.
"""

from __future__ import annotations

import asyncio
import logging
import random
import re
import shutil
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import grpc
from google.protobuf.message import DecodeError

from abaqueue import log_format
from abaqueue.protocol import PROTOCOL_VERSION, package_version
from abaqueue.retry import NEVER_RETRIED, backoff
from abaqueue.v1 import execution_service_pb2 as ex

from . import licensing
from .config import AgentConfig
from .job_run import JobRun
from .link import SchedulerLink
from .local_state import LocalState
from .metrics import AgentMetrics

log = logging.getLogger(__name__)

# The directory of one attempt: `<job id>-<attempt>`, job ids 32 lower-case hex digits.
ATTEMPT_DIR = re.compile(r"[0-9a-f]{32}-[1-9][0-9]{0,9}")
LOOP_BACKOFF_CAP_S = 60.0


class AgentFailed(Exception):
    """A loop of the agent met an error it cannot get past; the agent has stopped."""


def is_transient(error: BaseException) -> bool:
    """Worth another try in a loop: a file or disk error, or a scheduler answer other than the
    never-retried codes (bad token, no permission, a request the scheduler cannot take)."""
    if isinstance(error, grpc.aio.AioRpcError):
        return error.code() not in NEVER_RETRIED
    return isinstance(error, OSError)


def describe(error: BaseException) -> str:
    if isinstance(error, grpc.aio.AioRpcError):
        return f"{error.code().name}: {error.details()}"
    return f"{type(error).__name__}: {error}"


def remove_old_dirs(work_dir: Path, in_use: set[str], keep_s: float, now: float) -> list[Path]:
    """Remove the attempt directories (`<job id>-<attempt>`) in `work_dir` not `in_use` and
    untouched for `keep_s`; those removed. Nothing else there is touched: an operator's files stay."""
    removed = []
    for path in work_dir.iterdir():
        if not ATTEMPT_DIR.fullmatch(path.name) or path.name in in_use:
            continue
        try:
            if path.is_dir() and not path.is_symlink() and now - path.stat().st_mtime > keep_s:
                shutil.rmtree(path)
                removed.append(path)
        except OSError as e:  # a file still open (a solver, an antivirus): next time
            log.warning("could not remove %s: %s", path, e)
    return removed


class Agent:
    def __init__(self, config: AgentConfig, link: SchedulerLink | None = None,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self.config = config
        self.link = link or SchedulerLink(config.scheduler, token=config.token(), credentials=config.credentials())
        self.sleep = sleep  # the waits between retries of a loop
        self.runs: dict[tuple[str, int], JobRun] = {}
        self._tasks: set[asyncio.Task] = set()
        self.heartbeat_interval_s = 5.0
        self.long_poll_timeout_s = 30.0
        self.registered = asyncio.Event()
        self.license_usage: tuple[int, int, float] | None = None  # issued, in use, when (monotonic)
        self.state = LocalState(config.work_dir)
        self.metrics = AgentMetrics()
        self.metrics_port = 0

    async def register(self) -> None:
        resp = await self.link.call("RegisterNode", ex.RegisterNodeRequest(
            node_name=self.config.node_name, cpus=self.config.cpus, labels=self.config.labels,
            abaqus_versions=list(self.config.abaqus_versions), max_jobs=self.config.max_jobs,
            running=[ex.JobAttempt(job_id=j, attempt=a) for j, a in self.runs],
            protocol_version=PROTOCOL_VERSION, agent_version=package_version()))
        self.heartbeat_interval_s = resp.heartbeat_interval.ToNanoseconds() / 1e9
        self.long_poll_timeout_s = resp.long_poll_timeout.ToNanoseconds() / 1e9
        self.registered.set()
        log.info("registered as %s with %d cores at %s", self.config.node_name, self.config.cpus,
                 self.config.scheduler)

    async def run(self, stopping: asyncio.Event) -> None:
        """Until `stopping` is set; AgentFailed when a loop fails for good (the runs are left as a
        stop leaves them: solvers run on, the state file keeps them)."""
        self.config.work_dir.mkdir(parents=True, exist_ok=True)
        log_format.set_context(node=self.config.node_name)  # every line of this agent's tasks names it
        if self.config.metrics_port is not None:
            self.metrics_port = self.metrics.serve(self.config.metrics_host, self.config.metrics_port)
            log.info("metrics on http://%s:%d/metrics", self.config.metrics_host, self.metrics_port)
        resumed = self._resume()
        for run in resumed:
            self.runs[run.key] = run  # named at registration: the scheduler keeps them ours
        await self.register()
        for run in resumed:
            self._launch(run)
        steps = {"acquiring work": self._acquire_once, "heartbeat": self._heartbeat_once,
                 "clean-up": self._cleanup_once}
        if self.config.license_command:
            steps["license usage"] = self._license_once
        loops = {asyncio.create_task(self._supervised(name, step)): name for name, step in steps.items()}
        stop = asyncio.ensure_future(stopping.wait())
        try:
            done, _ = await asyncio.wait([stop, *loops], return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in [stop, *loops, *self._tasks]:
                task.cancel()
            await asyncio.gather(stop, *loops, *self._tasks, return_exceptions=True)
            await self.link.close()
            self.metrics.close()
        for task, name in loops.items():
            if task in done:
                error = task.exception() or RuntimeError("the loop returned")
                log.error("the %s loop failed (%s): the agent stops", name, describe(error), exc_info=error)
                raise AgentFailed(f"{name}: {describe(error)}") from error

    def _resume(self) -> list[JobRun]:
        """The runs of the state file; one whose assignment no longer decodes is set aside."""
        resumed = []
        for record in self.state.load():
            try:
                resumed.append(JobRun.resume(self.link, self.config, self.state, record, self.metrics))
            except DecodeError as e:
                self.state.set_aside(record, f"its assignment does not decode: {e}")
        return resumed

    async def _supervised(self, name: str, step: Callable[[], Awaitable[None]]) -> None:
        """`step` again and again; after a transient error, a backoff; any other error ends the loop."""
        failures = 0
        while True:
            try:
                await step()
            except Exception as e:
                if not is_transient(e):
                    raise
                delay = backoff(failures, cap=LOOP_BACKOFF_CAP_S)
                failures += 1
                log.warning("%s: %s; trying again in %.1f s", name, describe(e), delay)
                await self.sleep(delay)
            else:
                failures = 0

    async def _acquire_once(self) -> None:
        if not await asyncio.to_thread(self._disk_ok):
            await asyncio.sleep(self.heartbeat_interval_s * 6)
            return
        try:
            resp = await self.link.call("AcquireJob", ex.AcquireJobRequest(node_name=self.config.node_name),
                                        timeout=self.long_poll_timeout_s + 30)
        except grpc.aio.AioRpcError as e:
            self.metrics.heartbeat_failures.inc()
            await self._register_if_forgotten(e)
            return
        if resp.HasField("assignment"):
            self._start(resp.assignment)

    def _disk_ok(self) -> bool:
        """Whether work_dir has its minimum free space; work is not asked for while it has not."""
        free = shutil.disk_usage(self.config.work_dir).free
        if free >= self.config.min_free_disk_bytes:
            return True
        log.warning("only %.1f GB free in %s (min_free_disk_bytes %.1f GB): not taking work", free / 1e9,
                    self.config.work_dir, self.config.min_free_disk_bytes / 1e9)
        return False

    async def _cleanup_once(self) -> None:
        """Remove the directories of ended attempts kept longer than keep_failed_days."""
        await asyncio.to_thread(remove_old_dirs, self.config.work_dir, set(self._dir_names()),
                                self.config.keep_failed_days * 86400, time.time())
        await asyncio.sleep(3600)

    def _dir_names(self):
        return (f"{job_id}-{attempt}" for job_id, attempt in self.runs)

    def _start(self, assignment: ex.Assignment) -> None:
        run = JobRun(self.link, self.config, assignment, self.state, metrics=self.metrics)
        run.log.info("assigned %s (%d cores)", run.name, assignment.cpus)
        self._launch(run)

    def _launch(self, run: JobRun) -> None:
        self.runs[run.key] = run
        task = asyncio.create_task(run.run())
        self._tasks.add(task)
        task.add_done_callback(lambda t: self._ended(run, t))

    def _ended(self, run: JobRun, task: asyncio.Task) -> None:
        self._tasks.discard(task)
        self.runs.pop(run.key, None)
        if not task.cancelled() and task.exception() is not None:
            run.log.error("the run ended on an unexpected error: %s", describe(task.exception()),
                          exc_info=task.exception())

    async def _license_once(self) -> None:
        usage = await licensing.observe(self.config)
        if usage is not None:
            self.license_usage = (*usage, time.monotonic())
        await asyncio.sleep(self.config.license_check_interval_s)

    def _license_usage(self) -> ex.LicenseUsage | None:
        """The last report, while it is fresher than two check intervals."""
        if self.license_usage is None:
            return None
        issued, in_use, at = self.license_usage
        if time.monotonic() - at > 2 * self.config.license_check_interval_s:
            return None
        return ex.LicenseUsage(issued=issued, in_use=in_use)

    async def _heartbeat_once(self) -> None:
        await asyncio.sleep(self.heartbeat_interval_s * random.uniform(0.9, 1.1))
        try:
            resp = await self.link.call("Heartbeat", ex.HeartbeatRequest(
                node_name=self.config.node_name,
                running=[ex.JobAttempt(job_id=j, attempt=a) for j, a in self.runs],
                license_usage=self._license_usage()))
        except grpc.aio.AioRpcError as e:
            await self._register_if_forgotten(e)
            return
        for stop in resp.stop:
            run = self.runs.get((stop.job_id, stop.attempt))
            if run is not None:
                run.log.info("the scheduler asks to stop this attempt")
                run.stop()

    async def _register_if_forgotten(self, error: grpc.aio.AioRpcError) -> None:
        """NOT_FOUND: the scheduler forgot this node (it restarted): register again. Any other
        error is the supervisor's to judge."""
        if error.code() != grpc.StatusCode.NOT_FOUND:
            raise error
        log.warning("scheduler does not know this node (%s): registering again", error.details())
        await self.register()
