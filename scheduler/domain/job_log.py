"""A job's log: what its solver printed (the launcher's stdout, as the agent forwards it), what its
node did and what the scheduler decided, line by line, numbered per job. Pure."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from .job import Job, JobState

MAX_TEXT = 2000  # characters kept of one line
MAX_LINES_PER_CALL = 1000


class Level(str, enum.Enum):
    DEBUG = "debug"
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


class Source(str, enum.Enum):
    SOLVER = "solver"  # what Abaqus printed
    STA = "sta"  # a row of the solver's status file (NAME.sta): an increment attempt, an Explicit step
    AGENT = "agent"  # what the node did: retries, transfers, what went wrong on the way
    SCHEDULER = "scheduler"  # its decisions: queued, assigned, retried, ended


@dataclass(frozen=True)
class LogLine:
    seq: int  # 1, 2, ... per job
    time: float
    attempt: int
    level: Level
    text: str
    source: Source = Source.SOLVER


def level_of(text: str) -> Level:
    """How an Abaqus log line reads: its errors and warnings as such, the rest as information."""
    upper = text.upper()
    if "***ERROR" in upper or "ABAQUS ERROR" in upper or "EXITED WITH ERRORS" in upper:
        return Level.ERROR
    if "***WARNING" in upper or upper.startswith("WARNING"):
        return Level.WARNING
    return Level.INFO


def decisions(before: Job | None, after: Job) -> list[tuple[Level, str]]:
    """What one stored write of a job says of the scheduler's decisions, for the job's log."""
    if before is None:
        batch = f", in batch {after.batch_id}" if after.batch_id else ""
        created = (Level.INFO, f"created by {after.owner}: {after.cpus} cores, {after.license_tokens} license "
                               f"tokens, priority {after.priority}{batch}")
        if after.state is JobState.WAITING:
            return [created, (Level.INFO, "queued: its inputs came inline")]
        if after.awaiting_approval:
            return [created, _held(after)]
        return [created]
    lines: list[tuple[Level, str]] = []
    if after.cancel_requested and not before.cancel_requested:
        lines.append((Level.INFO, f"cancel requested: {after.node or 'the node'} stops the solver"))
    if before.state is not after.state:
        lines.append(_moved(before, after))
    elif after.awaiting_approval and not before.awaiting_approval:
        lines.append(_held(after))
    if after.priority != before.priority:
        lines.append((Level.INFO, f"priority {before.priority} -> {after.priority}"))
    if after.collect_time is not None and before.collect_time is None:
        lines.append((Level.INFO, f"the solver ended on {after.node}: its results are moving"))
    if after.progress.warning and after.progress.warning != before.progress.warning:
        lines.append((Level.WARNING, after.progress.warning))
    return lines


def _held(job: Job) -> tuple[Level, str]:
    return Level.INFO, "; ".join(job.reasons) or "awaiting an admin's approval"


def _moved(before: Job, after: Job) -> tuple[Level, str]:
    s = after.state
    if s is JobState.WAITING and before.state.is_active:
        last = after.history[-1] if after.history else None
        why = f"{last.cause}: {last.message}" if last else after.error_message
        again = f"; tried again in {max(after.retry_at - last.end_time, 0):.0f} s" if after.retry_at and last else ""
        return Level.WARNING, f"attempt {before.attempt} on {before.node or '-'} failed ({why}){again}"
    if s is JobState.WAITING:
        return Level.INFO, "queued: its inputs are in"
    if s is JobState.STARTING:
        return Level.INFO, f"assigned to {after.node} (attempt {after.attempt}): its inputs are moving there"
    if s is JobState.RUNNING:
        return Level.INFO, f"the solver started on {after.node}"
    if s is JobState.COMPLETED:
        return Level.INFO, f"completed: {len(after.result_files)} result files collected"
    if s is JobState.CANCELLED:
        return Level.INFO, f"cancelled: {after.error_message}" if after.error_message else "cancelled"
    kind = f" ({after.error_class.value} error)" if after.error_class else ""
    return Level.ERROR, f"{s.value.lower()}{kind}: {after.error_message or 'no message'}"
