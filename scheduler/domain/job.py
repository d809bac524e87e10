"""The job as the scheduler's core sees it: immutable values, changed by building new ones."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field, fields


class JobState(str, enum.Enum):
    WAITING = "WAITING"
    BLOCKED = "BLOCKED"
    STARTING = "STARTING"
    RUNNING = "RUNNING"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"
    MISSING = "MISSING"
    CANCELLED = "CANCELLED"
    TIMEOUT = "TIMEOUT"

    @property
    def is_final(self) -> bool:
        return self in FINAL_STATES

    @property
    def is_active(self) -> bool:
        """Assigned to a node: it holds the node's cores."""
        return self in (JobState.STARTING, JobState.RUNNING)


FINAL_STATES = frozenset({JobState.COMPLETED, JobState.FAILED, JobState.MISSING, JobState.CANCELLED,
                          JobState.TIMEOUT})


class ErrorClass(str, enum.Enum):
    MODEL = "model"
    LICENSE = "license"
    SYSTEM = "system"


class Outcome(str, enum.Enum):
    """What the agent says the solver did."""

    SUCCEEDED = "succeeded"
    FAILED = "failed"
    STOPPED = "stopped"
    TIMED_OUT = "timed_out"


@dataclass(frozen=True)
class FileSpec:
    name: str
    size_bytes: int
    sha256: str
    unpack: bool = False  # an input .zip the agent unpacks into the job directory
    inline: bool = False  # an input sent with CreateJob: its content is in the store, not the blob store


@dataclass(frozen=True)
class PartSpec:
    """One part of a multipart upload: its number (1-based), size, CRC32 (base64) and the store's ETag."""

    number: int
    size_bytes: int
    crc32: str = ""
    etag: str = ""


@dataclass(frozen=True)
class Progress:
    step: int = 0
    total_steps: int = 0
    increment: int = 0
    step_fraction: float = 0.0
    overall_fraction: float = 0.0
    waiting_for_license: bool = False
    seconds_left: float | None = None
    cpu_percent: float = 0.0
    memory_bytes: int = 0
    warning: str = ""


@dataclass(frozen=True)
class SolverOptions:
    """How Abaqus runs a job beyond its cores (see SolverOptions in job.proto)."""

    memory: str = ""  # `memory=`, as "16gb" or "4000mb"
    double_precision: str = ""  # `double=`: explicit, both, off, constraint
    user_subroutine: str = ""  # `user=`: one of the input files
    oldjob: str = ""  # `oldjob=`: restart from this job's files among the inputs
    timeout_s: float = 0.0  # wall-clock limit of one attempt; 0: the node's default
    result_patterns: tuple[str, ...] = ()  # result globs beyond the node's defaults
    restart_files: bool = False  # bring back the restart files too


@dataclass(frozen=True)
class AttemptRecord:
    """How one attempt of a job ended, when it did not end the job: kept in the job's history."""

    attempt: int
    node: str
    start_time: float | None
    end_time: float
    cause: str  # domain.retries.Cause value
    message: str


@dataclass(frozen=True)
class StateChange:
    """A move of a job into `state`: its state history (created BLOCKED, queued, started...)."""

    state: JobState
    time: float
    attempt: int  # the job's attempt once moved
    node: str = ""  # the node it is on once moved


# A job's history keeps its first change and its latest ones: a job a license shortage requeues
# again and again (that does not use up its attempts) would otherwise grow without end.
STATES_KEPT = 64


@dataclass(frozen=True)
class Job:
    id: str
    name: str
    owner: str
    cpus: int
    input_file: str
    input_files: tuple[FileSpec, ...]
    create_time: float
    state: JobState = JobState.BLOCKED
    request_id: str = ""
    team: str = ""  # the owner's team when the job was created: whom a lead may see
    owner_role: str = ""  # the owner's role when the job was created: which limits apply
    attempt: int = 0
    node: str = ""
    progress: Progress = field(default_factory=Progress)
    queue_time: float | None = None
    start_time: float | None = None
    end_time: float | None = None
    error_message: str = ""
    error_class: ErrorClass | None = None
    result_files: tuple[FileSpec, ...] = ()
    missing_files: tuple[str, ...] = ()
    reasons: tuple[str, ...] = ()  # why a BLOCKED job is held (a WAITING job's reasons are computed)
    cancel_requested: bool = False
    # Attempts that count towards the retry limit (a license failure's requeue does not), the time
    # before which a requeued job is not started again, and how the earlier attempts ended.
    attempts_used: int = 0
    retry_at: float | None = None
    history: tuple[AttemptRecord, ...] = ()
    priority: int = 10  # base priority: 0 low, 10 normal, 20 high, 30 urgent
    license_tokens: int = 0  # Abaqus license tokens it needs while it runs
    required_labels: tuple[tuple[str, str], ...] = ()  # (key, glob) a node's labels must match, sorted
    required_node: str = ""  # the node it must run on
    abaqus_version: str = ""  # the Abaqus version it needs
    requires_approval: bool = False  # its submitter asked for an admin's approval
    awaiting_approval: bool = False  # BLOCKED with its inputs in, until an admin approves or rejects it
    solver: SolverOptions = field(default_factory=SolverOptions)
    max_attempts: int = 0  # attempts it may use; 0: the cluster's rule
    start_now: bool = False  # refused at SubmitJob, rather than queued, when it could not start at once
    batch_id: str = ""  # the batch it belongs to, if any
    batch_parallelism: int = 0  # at most this many of its batch's jobs run at once (0: no batch)
    # When the current attempt's inputs were in and its solver started (RUNNING), and when the solver
    # ended and its results began to move: the stages a batch's progress counts.
    solve_time: float | None = None
    collect_time: float | None = None
    webhook_url: str = ""  # where its end (and start, with webhook_on_start) is POSTed; "": the owner's
    webhook_on_start: bool = False
    sta_rows: tuple[int, int] = (0, 0)  # (attempt, rows of its .sta in the log): what a report adds
    states: tuple[StateChange, ...] = ()  # how its state moved, oldest first (see STATES_KEPT)
    # Optimistic-concurrency version: the store bumps it on every write.
    version: int = 0

    def evolve(self, **changes: object) -> Job:
        """A copy with `changes`: `dataclasses.replace` without re-running __init__ (a job has no
        checks of its own to run), as every write of a job makes one or more."""
        if not changes.keys() <= _JOB_FIELDS:
            raise TypeError(f"not fields of Job: {sorted(changes.keys() - _JOB_FIELDS)}")
        new = object.__new__(Job)
        new.__dict__.update(self.__dict__)
        new.__dict__.update(changes)
        return new


_JOB_FIELDS = frozenset(f.name for f in fields(Job))
