"""One attempt of one job on this node: inputs down, solve, results up, complete.

Moving files waits for a transfer slot from the scheduler; solving does not, so several jobs
solve at once while their files move one job at a time.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

import grpc

from abaqueue.presigned_http import FileDigest
from abaqueue.v1 import execution_service_pb2 as ex
from abaqueue.v1 import job_pb2 as pb

from . import abaqus_env, archive, log_tail, results, solver
from .config import AgentConfig
from .inp import parse_steps
from .link import SchedulerLink
from .local_state import INPUTS, RESULTS, SOLVING, LocalState, RunRecord
from .metrics import AgentMetrics
from .outcome import ErrorClass, Outcome, Result, decide_outcome
from .progress import ProgressSnapshot
from .progress_reader import ProgressReader
from .transfers import Transfers, write_inline
from .watch import RunWatch, TreeUsage

log = logging.getLogger(__name__)

ERROR_CLASS_TO_PB = {ErrorClass.MODEL: pb.ERROR_CLASS_MODEL, ErrorClass.LICENSE: pb.ERROR_CLASS_LICENSE,
                     ErrorClass.SYSTEM: pb.ERROR_CLASS_SYSTEM}


class NoRoom(Exception):
    """Not enough disk for the job on this node: a system failure, for another node to retry."""


class InputRejected(Exception):
    """The job's inputs cannot be used as given (an unsafe archive, the model missing): the
    submitter's to fix, so the job fails as a model error."""


@dataclass(frozen=True)
class Finish:
    outcome: int  # ex.Outcome value
    error_class: int = 0
    error_message: str = ""


ENDED, STOPPED, TIMED_OUT = "ended", "stopped", "timed out"
USAGE_REPORT_S = 30.0  # CPU and memory go to the scheduler at least this often, even without progress


def _hours(seconds: float) -> str:
    return f"{seconds / 3600:.3g} h" if seconds >= 3600 else f"{seconds:.0f} s"


def is_stale(error: BaseException) -> bool:
    """The scheduler refused our (job, attempt): it is no longer ours."""
    return isinstance(error, grpc.aio.AioRpcError) and error.code() == grpc.StatusCode.FAILED_PRECONDITION


class JobRun:
    def __init__(self, link: SchedulerLink, config: AgentConfig, assignment: ex.Assignment, state: LocalState,
                 record: RunRecord | None = None, metrics: AgentMetrics | None = None) -> None:
        """A new run of `assignment`, or (`record`) one this agent had in hand before it restarted."""
        self.link = link
        self.config = config
        self.assignment = assignment
        self.attempt = ex.JobAttempt(job_id=assignment.job_attempt.job_id,
                                     attempt=assignment.job_attempt.attempt)
        self.name = assignment.name
        self.dir = config.work_dir / f"{self.attempt.job_id}-{self.attempt.attempt}"
        self.stop_requested = asyncio.Event()
        self.log = logging.LoggerAdapter(log, {"job": self.attempt.job_id, "attempt": self.attempt.attempt})
        self.state = state
        self.notes: list[str] = []  # for the attempt's log: what the agent did and what went wrong
        self._notes_sent = 0  # how many of them the scheduler has
        self.metrics = metrics or AgentMetrics()
        self.transfers = Transfers(link, config, self.attempt, self.log, self.note, metrics=self.metrics)
        self.resumed = record is not None
        self.record = record or RunRecord(self.attempt.job_id, self.attempt.attempt, assignment.SerializeToString())
        if not self.resumed:
            state.save(self.record)

    @classmethod
    def resume(cls, link: SchedulerLink, config: AgentConfig, state: LocalState, record: RunRecord,
               metrics: AgentMetrics | None = None) -> JobRun:
        return cls(link, config, ex.Assignment.FromString(record.assignment), state, record, metrics)

    def note(self, text: str) -> None:
        """A warning for the agent's log and the attempt's (sent with the next report)."""
        self.log.warning("%s", text)
        self.notes.append(f"WARNING (abaqueue agent): {text}")

    def event(self, text: str) -> None:
        """Something the agent did, for its log and the attempt's (sent with the next report)."""
        self.log.info("%s", text)
        self.notes.append(text)

    def _unsent_notes(self) -> list[str]:
        return self.notes[self._notes_sent:][-1000:]

    def _enter(self, phase: str, **changes) -> None:
        """Record where the attempt is. A state file that cannot be written is logged, never a reason
        to stop a healthy solver: only a restart of the agent would miss the change."""
        self.record = self.record.at(phase, **changes)
        try:
            self.state.save(self.record)
        except OSError as e:
            self.log.error("could not write the agent's state file: %s", e)

    @property
    def key(self) -> tuple[str, int]:
        return self.attempt.job_id, self.attempt.attempt

    def stop(self) -> None:
        self.stop_requested.set()

    def _too_long_path(self) -> Path | None:
        """A file path of this job that Abaqus would refuse (over 256 characters), if any."""
        names = [f.name for f in self.assignment.input_files]
        names += [f"{self.name}{ext}" for ext in (*self.config.result_extensions, ".com", ".lck", ".msg")]
        longest = max((self.dir.resolve() / n for n in names), key=lambda p: len(str(p)))
        return longest if len(str(longest)) > solver.MAX_PATH else None

    async def run(self) -> None:
        """The whole attempt, from where the record says it was. The record is forgotten once the
        scheduler has heard how it ended; a cancelled task (the agent stopping) keeps it."""
        too_long = self._too_long_path()
        if too_long is not None:
            self.log.error("path too long for Abaqus: %s", too_long)
            await self._complete_quietly(Finish(
                ex.OUTCOME_FAILED, pb.ERROR_CLASS_SYSTEM,
                f"the job's path {str(too_long)[:80]}... has {len(str(too_long))} characters; Abaqus allows "
                f"{solver.MAX_PATH}: shorten the node's work_dir or the file names"))
            self.state.forget(self.key)
            return
        try:
            phase = self.record.phase
            if self.resumed:
                self.log.info("taking this attempt up again after a restart (it was at: %s)", phase)
            if phase == INPUTS:
                self.dir.mkdir(parents=True, exist_ok=True)
                self._check_disk()
                await asyncio.to_thread(write_inline, self.dir, self.assignment.input_files)
                stored = [f for f in self.assignment.input_files if not f.HasField("content")]
                if stored:  # only these move, in the node's turn
                    await self.transfers.in_turn(lambda: self.transfers.download_inputs(self.dir, stored))
                await asyncio.to_thread(self._unpack_archives)
                size = sum(f.size_bytes for f in self.assignment.input_files)
                self.event(f"inputs in: {len(self.assignment.input_files)} file(s), {size:,} bytes, in {self.dir}")
            if phase == INPUTS and self.stop_requested.is_set():  # cancelled while its inputs came
                finish = Finish(ex.OUTCOME_STOPPED, 0, "stopped on request before the solver started")
            elif phase in (INPUTS, SOLVING):
                finish = await self._solve()
            else:
                finish = await self._finish_from_files(None)
            self._enter(RESULTS)
            results, missing = self._result_files(finish)
            digests: dict[str, FileDigest] = {}
            if results:
                digests, failed = await self.transfers.in_turn(lambda: self.transfers.upload_results(results))
                missing += [name for name in failed if finish.outcome == ex.OUTCOME_SUCCEEDED]
            state = await self._complete(finish, digests, missing)
            if state == pb.JOB_STATE_COMPLETED and not self.config.keep_succeeded:
                await asyncio.to_thread(shutil.rmtree, self.dir, True)  # everything is in the store
        except NoRoom as e:
            self.log.error("%s", e)
            await self._complete_quietly(Finish(ex.OUTCOME_FAILED, pb.ERROR_CLASS_SYSTEM, str(e)))
        except InputRejected as e:
            self.log.error("inputs rejected: %s", e)
            await self._complete_quietly(Finish(ex.OUTCOME_FAILED, pb.ERROR_CLASS_MODEL, f"inputs: {e}"))
        except Exception as e:
            if is_stale(e):
                self.log.warning("attempt no longer current (%s): discarding its files", e.details())
                shutil.rmtree(self.dir, ignore_errors=True)
            else:
                self.log.exception("job failed on this node")
                await self._complete_quietly(Finish(ex.OUTCOME_FAILED, pb.ERROR_CLASS_SYSTEM, f"agent: {e}"))
        self.state.forget(self.key)

    def _check_disk(self) -> None:
        """Room for the job: `disk_multiple` times its inputs (Abaqus writes far more than it reads)."""
        need = self.config.disk_multiple * sum(f.size_bytes for f in self.assignment.input_files)
        free = shutil.disk_usage(self.dir).free
        if free < need:
            raise NoRoom(f"node {self.config.node_name} has {free / 1e9:.1f} GB free in its work directory; this "
                         f"job needs {need / 1e9:.1f} GB ({self.config.disk_multiple:g} x its inputs)")

    def _unpack_archives(self) -> None:
        """Unpack each input marked `unpack` into the job directory (then drop the archive), within
        the node's and the owner's bound for all of them; the model must be there afterwards."""
        own = self.config.max_unpacked_bytes
        budget = min(own, self.assignment.max_unpacked_bytes or own)
        for spec in self.assignment.input_files:
            if not spec.unpack:
                continue
            path = self.dir / spec.name
            try:
                written = archive.safe_extract(path, self.dir, max_total_bytes=budget)
            except (archive.UnsafeArchive, zipfile.BadZipFile) as e:
                raise InputRejected(f"{spec.name}: {e}") from e
            budget -= sum(p.stat().st_size for p in written)
            path.unlink()
            self.log.info("unpacked %s: %d files", spec.name, len(written))
        if not (self.dir / self.assignment.input_file).is_file():
            raise InputRejected(f"{self.assignment.input_file} is neither an input file nor at the top of an "
                                "unpacked archive")

    async def _report(self, snapshot: ProgressSnapshot, left: float | None = None, usage: tuple[float, int] = (0, 0),
                      warning: str = "", log_lines: tuple[list[str], int] = ([], 0),
                      reader: ProgressReader | None = None) -> bool:
        """Send progress (and new log lines with the offset after them, the .sta rows `reader` has
        not reported); True means stop."""
        progress = pb.Progress(step=snapshot.step, total_steps=snapshot.total_steps, increment=snapshot.increment,
                               step_fraction=snapshot.step_fraction, overall_fraction=snapshot.overall_fraction,
                               waiting_for_license=snapshot.waiting_for_license, cpu_percent=usage[0],
                               memory_bytes=usage[1], warning=warning)
        if left is not None:
            progress.estimated_time_left.FromNanoseconds(round(left * 1e9))
        lines, offset = log_lines
        notes, count = self._unsent_notes(), len(self.notes)
        before, rows = reader.unreported_rows() if reader is not None else (0, [])
        resp = await self.link.call("ReportProgress", ex.ReportProgressRequest(
            job_attempt=self.attempt, progress=progress, log_lines=lines, agent_lines=notes, sta_lines=rows,
            sta_lines_before=before))
        self._notes_sent = count
        if reader is not None:
            reader.reported(len(rows))
        if lines:
            self._enter(self.record.phase, log_offset=offset)
        return resp.stop

    async def _solve(self) -> Finish:
        steps = await asyncio.to_thread(parse_steps, self.dir / self.assignment.input_file)
        names = self.config.solver_process_names
        if self.record.phase == SOLVING:  # started before a restart: follow it if it still runs
            analysis = solver.Analysis(self.dir, self.name, names, self.record.launcher_pid,
                                       self.record.launcher_started)
            self.log.info("following the solver again (launcher pid %s)", self.record.launcher_pid)
        else:
            analysis = await self._start_solver(names)
        try:
            if not self.resumed and await self._report(ProgressSnapshot(0, len(steps), 0, 0.0, 0.0, False)):
                self.stop()
            how = await self._follow(analysis, steps)
        except asyncio.CancelledError:
            self.log.info("agent stopping: the solver runs on, to be followed again when the agent starts")
            raise
        except BaseException:
            if await asyncio.to_thread(analysis.running):
                await analysis.stop(self.config.abaqus_command, self.config.stop_grace_s)
            raise
        if how == STOPPED:
            return Finish(ex.OUTCOME_STOPPED, 0, "stopped on request")
        if how == TIMED_OUT:
            return Finish(ex.OUTCOME_TIMED_OUT, 0, f"stopped at its wall-clock limit of {_hours(self.time_limit_s())}")
        return await self._finish_from_files(analysis.exit_code)

    async def _start_solver(self, names: tuple[str, ...]) -> solver.Analysis:
        leftover = solver.Analysis(self.dir, self.name, names)
        if await asyncio.to_thread(leftover.running):  # started by an earlier life of this agent
            self.log.warning("stopping a solver left running in the job directory before starting afresh")
            await leftover.stop(self.config.abaqus_command, self.config.stop_grace_s)
        options = self.assignment.solver
        try:
            args = solver.command_line(self.config.abaqus_command, self.name, self.assignment.input_file,
                                       self.assignment.cpus, memory=options.memory,
                                       double=options.double_precision, user=options.user_subroutine,
                                       oldjob=options.oldjob, scratch=self.config.scratch_dir)
        except ValueError as e:  # a name cmd.exe would misread: the submitter's to change
            raise InputRejected(str(e)) from e
        await asyncio.to_thread(abaqus_env.write, self.config, self.dir)
        # from here a restart looks for the solver rather than fetching inputs
        self._enter(SOLVING, solve_started=time.time())
        analysis = await solver.Analysis.start(args, self.dir, self.name, names, self.config.kill_solvers_with_agent)
        self._enter(SOLVING, launcher_pid=analysis.launcher_pid, launcher_started=analysis.launcher_started)
        self.event(f"solver started on {self.config.node_name} (pid {analysis.launcher_pid}): {' '.join(args)}")
        return analysis

    async def _finish_from_files(self, exit_code: int | None) -> Finish:
        """How the ended analysis went, from its files (`exit_code`: the launcher's, when known)."""
        decided: Outcome = await asyncio.to_thread(decide_outcome, self.dir, self.name, exit_code, True)
        for warning in decided.warnings:
            self.note(warning)
        if decided.result is Result.COMPLETED:
            return Finish(ex.OUTCOME_SUCCEEDED)
        return Finish(ex.OUTCOME_FAILED, ERROR_CLASS_TO_PB.get(decided.error_class, pb.ERROR_CLASS_SYSTEM),
                      decided.error_message or f"solver exited with code {exit_code}")

    def time_limit_s(self) -> float:
        """The job's wall-clock limit, else the node's; 0: none."""
        return self.assignment.solver.timeout.ToNanoseconds() / 1e9 or self.config.default_time_limit_s

    async def _follow(self, analysis: solver.Analysis, steps) -> str:
        """Report progress while the analysis runs; ENDED once it ended by itself, STOPPED once it
        was told to stop, TIMED_OUT past its wall-clock limit (both stopped for good by then). A
        solver that outlives its launcher is followed until it ends too."""
        limit = self.time_limit_s()
        deadline = self.record.solve_started + limit if limit and self.record.solve_started else None
        last, said, reported = None, "", 0.0
        watch, usage = RunWatch(self.config.stall_after_s), TreeUsage()
        reader = ProgressReader(self.dir, self.name, steps)  # reads only what the solver added
        exited = asyncio.ensure_future(analysis.launcher_exited())
        stop = asyncio.ensure_future(self.stop_requested.wait())
        warned = False
        try:
            while True:
                await asyncio.wait({exited, stop}, timeout=self.config.progress_interval_s,
                                   return_when=asyncio.FIRST_COMPLETED)
                if stop.done():
                    await analysis.stop(self.config.abaqus_command, self.config.stop_grace_s)
                    await self._last_lines(last)
                    return STOPPED
                if deadline is not None and time.time() >= deadline and await asyncio.to_thread(analysis.running):
                    self.log.warning("wall-clock limit of %s reached: stopping the solver", _hours(limit))
                    await analysis.stop(self.config.abaqus_command, self.config.stop_grace_s)
                    await self._last_lines(last)
                    return TIMED_OUT
                ended = exited.done() and not await asyncio.to_thread(analysis.running)
                if exited.done() and not ended and not warned:
                    warned = True
                    self.log.warning("the launcher exited but a solver process still works in the job "
                                     "directory: following it until it ends")
                # read once more after the end: the final .sta is where the analysis really ended
                snapshot = await asyncio.to_thread(reader.read)
                lines = await asyncio.to_thread(log_tail.new_lines, self.dir / f"{self.name}.log",
                                                self.record.log_offset)
                left, warning = watch.update(snapshot)
                news = warning != said
                if warning and news:
                    self.log.warning("%s", warning)
                said = warning
                now = time.monotonic()
                rows = bool(reader.sta_rows)  # a cut-back changes no progress, but goes on the chart
                if snapshot != last or news or lines[0] or rows or now - reported >= USAGE_REPORT_S or ended:
                    last, reported = snapshot, now
                    used = usage.sample(await asyncio.to_thread(analysis.processes))
                    if await self._report(snapshot, left, used, warning, lines, reader):
                        self.stop()
                if ended:
                    return ENDED
        finally:
            stop.cancel()
            exited.cancel()

    async def _last_lines(self, snapshot: ProgressSnapshot | None) -> None:
        """What the solver printed while it was being stopped."""
        lines = await asyncio.to_thread(log_tail.new_lines, self.dir / f"{self.name}.log", self.record.log_offset)
        if lines[0] and snapshot is not None:
            await self._report(snapshot, log_lines=lines)

    def _result_files(self, finish: Finish) -> tuple[list[Path], list[str]]:
        """The files to bring back, and (after a success) the expected ones that are not there."""
        if finish.outcome == ex.OUTCOME_STOPPED:
            return [], []
        options = self.assignment.solver
        wanted = results.Wanted(self.name, self.config.result_extensions, tuple(options.result_patterns),
                                options.restart_files)
        present, missing = results.select(self.dir, wanted)
        return present, missing if finish.outcome == ex.OUTCOME_SUCCEEDED else []

    async def _complete(self, finish: Finish, digests: dict[str, FileDigest], missing: list[str]) -> int:
        resp = await self.link.call("CompleteJob", ex.CompleteJobRequest(
            job_attempt=self.attempt, outcome=finish.outcome, error_class=finish.error_class,
            error_message=finish.error_message, missing_files=missing, log_lines=self._unsent_notes(),
            result_files=[pb.FileInfo(name=n, size_bytes=d.size_bytes, sha256=d.sha256)
                          for n, d in digests.items()]))
        self.log.info("completed: %s", pb.JobState.Name(resp.job.state))
        self.metrics.solver_runs.labels(ex.Outcome.Name(finish.outcome).removeprefix("OUTCOME_").lower()).inc()
        return resp.job.state

    async def _complete_quietly(self, finish: Finish) -> None:
        try:
            await self._complete(finish, {}, [])
        except Exception as e:  # the attempt may be stale, or the scheduler gone: nothing to add
            self.log.warning("could not report the failure: %s", e)
