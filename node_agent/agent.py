"""The node agent: registers, keeps one long-poll open for work, heartbeats in its own task,
and runs each job it is given as a JobRun."""

from __future__ import annotations

import asyncio
import logging
import random
import shutil
import time
from pathlib import Path

import grpc

from abaqueue.v1 import execution_service_pb2 as ex

from . import licensing
from .config import AgentConfig
from .job_run import JobRun
from .link import SchedulerLink
from .local_state import LocalState

log = logging.getLogger(__name__)


def remove_old_dirs(work_dir: Path, in_use: set[str], keep_s: float, now: float) -> list[Path]:
    """Remove the job directories in `work_dir` not `in_use` and untouched for `keep_s`; those removed."""
    removed = []
    for path in work_dir.iterdir():
        try:
            if path.is_dir() and path.name not in in_use and now - path.stat().st_mtime > keep_s:
                shutil.rmtree(path)
                removed.append(path)
        except OSError as e:  # a file still open (a solver, an antivirus): next time
            log.warning("could not remove %s: %s", path, e)
    return removed


class Agent:
    def __init__(self, config: AgentConfig, link: SchedulerLink | None = None) -> None:
        self.config = config
        self.link = link or SchedulerLink(config.scheduler, token=config.token(), credentials=config.credentials())
        self.runs: dict[tuple[str, int], JobRun] = {}
        self._tasks: set[asyncio.Task] = set()
        self.heartbeat_interval_s = 5.0
        self.long_poll_timeout_s = 30.0
        self.registered = asyncio.Event()
        self.license_usage: tuple[int, int, float] | None = None  # issued, in use, when (monotonic)
        self.state = LocalState(config.work_dir)

    async def register(self) -> None:
        resp = await self.link.call("RegisterNode", ex.RegisterNodeRequest(
            node_name=self.config.node_name, cpus=self.config.cpus, labels=self.config.labels,
            abaqus_versions=list(self.config.abaqus_versions), max_jobs=self.config.max_jobs,
            running=[ex.JobAttempt(job_id=j, attempt=a) for j, a in self.runs]))
        self.heartbeat_interval_s = resp.heartbeat_interval.ToNanoseconds() / 1e9
        self.long_poll_timeout_s = resp.long_poll_timeout.ToNanoseconds() / 1e9
        self.registered.set()
        log.info("registered as %s with %d cores at %s", self.config.node_name, self.config.cpus,
                 self.config.scheduler)

    async def run(self, stopping: asyncio.Event) -> None:
        self.config.work_dir.mkdir(parents=True, exist_ok=True)
        resumed = [JobRun.resume(self.link, self.config, self.state, r) for r in self.state.load()]
        for run in resumed:
            self.runs[run.key] = run  # named at registration: the scheduler keeps them ours
        await self.register()
        for run in resumed:
            self._launch(run)
        loops = [asyncio.create_task(self._acquire_loop()), asyncio.create_task(self._heartbeat_loop()),
                 asyncio.create_task(self._cleanup_loop())]
        if self.config.license_command:
            loops.append(asyncio.create_task(self._license_loop()))
        try:
            await stopping.wait()
        finally:
            for task in loops + list(self._tasks):
                task.cancel()
            await asyncio.gather(*loops, *self._tasks, return_exceptions=True)
            await self.link.close()

    async def _acquire_loop(self) -> None:
        while True:
            if not await asyncio.to_thread(self._disk_ok):
                await asyncio.sleep(self.heartbeat_interval_s * 6)
                continue
            try:
                resp = await self.link.call("AcquireJob", ex.AcquireJobRequest(node_name=self.config.node_name),
                                            timeout=self.long_poll_timeout_s + 30)
            except grpc.aio.AioRpcError as e:
                await self._recover(e)
                continue
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

    async def _cleanup_loop(self) -> None:
        """Remove the directories of ended attempts kept longer than keep_failed_days."""
        while True:
            await asyncio.to_thread(remove_old_dirs, self.config.work_dir, set(self._dir_names()),
                                    self.config.keep_failed_days * 86400, time.time())
            await asyncio.sleep(3600)

    def _dir_names(self):
        return (f"{job_id}-{attempt}" for job_id, attempt in self.runs)

    def _start(self, assignment: ex.Assignment) -> None:
        run = JobRun(self.link, self.config, assignment, self.state)
        run.log.info("assigned %s (%d cores)", run.name, assignment.cpus)
        self._launch(run)

    def _launch(self, run: JobRun) -> None:
        self.runs[run.key] = run
        task = asyncio.create_task(run.run())
        self._tasks.add(task)
        task.add_done_callback(lambda t: (self._tasks.discard(t), self.runs.pop(run.key, None)))

    async def _license_loop(self) -> None:
        while True:
            usage = await licensing.observe(self.config.license_command)
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

    async def _heartbeat_loop(self) -> None:
        while True:
            await asyncio.sleep(self.heartbeat_interval_s * random.uniform(0.9, 1.1))
            try:
                resp = await self.link.call("Heartbeat", ex.HeartbeatRequest(
                    node_name=self.config.node_name,
                    running=[ex.JobAttempt(job_id=j, attempt=a) for j, a in self.runs],
                    license_usage=self._license_usage()))
            except grpc.aio.AioRpcError as e:
                await self._recover(e)
                continue
            for stop in resp.stop:
                run = self.runs.get((stop.job_id, stop.attempt))
                if run is not None:
                    run.log.info("the scheduler asks to stop this attempt")
                    run.stop()

    async def _recover(self, error: grpc.aio.AioRpcError) -> None:
        """NOT_FOUND: the scheduler forgot this node (it restarted): register again."""
        if error.code() == grpc.StatusCode.NOT_FOUND:
            log.warning("scheduler does not know this node (%s): registering again", error.details())
            await self.register()
        else:
            log.error("scheduler refused: %s %s", error.code().name, error.details())
            await asyncio.sleep(self.heartbeat_interval_s)
