"""What the client hands out: plain dataclasses and enums, built from the API's messages once."""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, fields, is_dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from google.protobuf.timestamp_pb2 import Timestamp

from abaqueue.v1 import job_pb2, token_service_pb2

from .errors import AbaqueueError, InvalidArgument

_FINAL = {"COMPLETED", "FAILED", "MISSING", "CANCELLED", "TIMEOUT"}


class JobState(enum.Enum):
    """The life of a job, as the scheduler reports it."""

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
        """True once the job can no longer change."""
        return self.value in _FINAL

    @classmethod
    def from_proto(cls, value: int) -> JobState:
        if value == job_pb2.JOB_STATE_UNSPECIFIED or value not in job_pb2.JobState.values():
            raise ValueError(f"the scheduler sent an unknown job state {value}")
        return cls(job_pb2.JobState.Name(value).removeprefix("JOB_STATE_"))

    def to_proto(self) -> int:
        return job_pb2.JobState.Value(f"JOB_STATE_{self.value}")

    @classmethod
    def named(cls, name: str) -> JobState:
        """The state called `name`, in any case."""
        try:
            return cls[name.upper()]
        except KeyError:
            raise InvalidArgument(f"state: unknown state {name!r} (one of "
                                  f"{', '.join(s.value.lower() for s in cls)})") from None


class ErrorClass(enum.Enum):
    """Why a job failed: decides whether the scheduler retries it."""

    MODEL = "model"
    LICENSE = "license"
    SYSTEM = "system"

    @classmethod
    def from_proto(cls, value: int) -> ErrorClass | None:
        """The class, or None when the scheduler did not classify the failure."""
        if value == job_pb2.ERROR_CLASS_UNSPECIFIED or value not in job_pb2.ErrorClass.values():
            return None
        return cls(job_pb2.ErrorClass.Name(value).removeprefix("ERROR_CLASS_").lower())


@dataclass(frozen=True)
class FileInfo:
    """A file of a job: its name in the job directory, its size and its SHA-256 (hex)."""

    name: str
    size_bytes: int
    sha256: str

    @classmethod
    def from_proto(cls, msg: job_pb2.FileInfo) -> FileInfo:
        return cls(msg.name, msg.size_bytes, msg.sha256)


@dataclass(frozen=True)
class Progress:
    """Solver progress; fractions run from 0 to 1."""

    step: int
    total_steps: int
    increment: int
    step_fraction: float
    overall_fraction: float
    waiting_for_license: bool
    estimated_seconds_left: float | None
    cpu_percent: float = 0.0  # the solver's processes, in percent of one core
    memory_bytes: int = 0
    warning: str = ""  # a stall, or a run past twice its estimate

    @classmethod
    def from_proto(cls, msg: job_pb2.Progress) -> Progress:
        left = None
        if msg.HasField("estimated_time_left"):
            left = msg.estimated_time_left.ToTimedelta().total_seconds()
        return cls(msg.step, msg.total_steps, msg.increment, msg.step_fraction, msg.overall_fraction,
                   msg.waiting_for_license, left, msg.cpu_percent, msg.memory_bytes, msg.warning)


@dataclass(frozen=True)
class WaitReason:
    """Why a job is not running: a stable code and a sentence with the numbers."""

    code: str
    message: str


@dataclass(frozen=True)
class StateChange:
    """A move of a job into `state`, at `time`, in `attempt` (0 before its first run), on `node`."""

    state: JobState
    time: datetime | None
    attempt: int
    node: str

    @classmethod
    def from_proto(cls, msg: job_pb2.StateChange) -> StateChange:
        return cls(JobState.from_proto(msg.state), _utc(msg.time) if msg.HasField("time") else None,
                   msg.attempt, msg.node)


@dataclass(frozen=True)
class LogLine:
    """One line of a job's log, numbered from 1 per job."""

    seq: int
    time: datetime | None
    attempt: int
    level: str  # debug, info, warning, error
    text: str
    source: str = "solver"  # solver (what Abaqus printed), agent (what the node did), scheduler (its decisions)

    @classmethod
    def from_proto(cls, msg: job_pb2.LogLine) -> LogLine:
        return cls(msg.seq, _utc(msg.time) if msg.HasField("time") else None, msg.attempt, msg.level, msg.text,
                   msg.source or "solver")

    def __str__(self) -> str:
        """As `jobs logs` prints it: the solver's lines as they are, the others marked."""
        return self.text if self.source == "solver" else f"[{self.source}] {self.text}"


@dataclass(frozen=True)
class SolverOptions:
    """How Abaqus runs a job beyond its cores: `memory` ("16gb"), `double_precision` (explicit, both,
    off, constraint), `user_subroutine` (the name of an input file such as umat.for), `oldjob` (restart
    from that job's files among the inputs), `timeout_s` (wall-clock limit; 0: the node's default),
    `result_patterns` (globs of extra result files) and `restart_files` (bring those back too)."""

    memory: str = ""
    double_precision: str = ""
    user_subroutine: str = ""
    oldjob: str = ""
    timeout_s: float = 0.0
    result_patterns: tuple[str, ...] = ()
    restart_files: bool = False

    @classmethod
    def from_proto(cls, msg: job_pb2.SolverOptions) -> SolverOptions:
        return cls(msg.memory, msg.double_precision, msg.user_subroutine, msg.oldjob,
                   msg.timeout.ToNanoseconds() / 1e9 if msg.HasField("timeout") else 0.0,
                   tuple(msg.result_patterns), msg.restart_files)

    def to_proto(self) -> job_pb2.SolverOptions:
        msg = job_pb2.SolverOptions(memory=self.memory, double_precision=self.double_precision,
                                    user_subroutine=self.user_subroutine, oldjob=self.oldjob,
                                    result_patterns=list(self.result_patterns), restart_files=self.restart_files)
        if self.timeout_s:
            msg.timeout.FromNanoseconds(round(self.timeout_s * 1e9))
        return msg


@dataclass(frozen=True)
class Job:
    """An Abaqus analysis job as the scheduler last reported it. Times are UTC-aware."""

    id: str
    name: str
    cpus: int
    input_file: str
    input_files: tuple[FileInfo, ...]
    state: JobState
    owner: str
    team: str
    attempt: int
    node: str
    progress: Progress | None
    create_time: datetime | None
    start_time: datetime | None
    end_time: datetime | None
    error_message: str
    error_class: ErrorClass | None
    result_files: tuple[FileInfo, ...]
    reasons: tuple[WaitReason, ...]  # everything that holds a WAITING or BLOCKED job now
    missing_files: tuple[str, ...]
    priority: int = 10
    effective_priority: int = 10
    license_tokens: int = 0
    required_labels: dict[str, str] = field(default_factory=dict)
    required_node: str = ""
    abaqus_version: str = ""
    requires_approval: bool = False
    queue_position: int | None = None  # WAITING jobs: 1 when first in line
    estimated_start_time: datetime | None = None
    queue_time: datetime | None = None
    solver: SolverOptions = field(default_factory=SolverOptions)
    max_attempts: int = 0  # 0: the cluster's rule
    batch_id: str = ""
    state_history: tuple[StateChange, ...] = ()  # how its state moved, oldest first
    # The client that fetched it, for job.wait(), job.watch(), job.cancel(), job.download_results().
    client: Any = field(default=None, compare=False, repr=False)

    # --- what can be done with it, through the client that fetched it

    def _bound(self) -> Any:
        if self.client is None:
            raise AbaqueueError("this Job was not fetched through a Client: use client.get(job.id)")
        return self.client

    def refresh(self) -> Job:
        """The job as the scheduler has it now."""
        return self._bound().get(self.id)

    def wait(self, progress: bool = False, on_update: Callable[[Job], None] | None = None) -> Job:
        """Block until the job ends and return it; `progress` shows a bar on the terminal."""
        return self._bound().wait(self.id, on_update=on_update, progress=progress)

    def watch(self, after: str = "") -> Iterator[JobEvent]:
        """Its events (changes, progress, warnings, log lines) until it ends, resumed after
        reconnects without a gap or a repeat; from the event whose cursor is `after`."""
        return self._bound().job_events(self.id, after=after)

    def cancel(self) -> Job:
        return self._bound().cancel(self.id)

    def download_results(self, dest: Path | str, only: Sequence[str] = ()) -> list[Path]:
        return self._bound().download_results(self.id, Path(dest), only=only)

    def logs(self) -> list[LogLine]:
        return self._bound().job_log(self.id)

    @classmethod
    def from_proto(cls, msg: job_pb2.Job, client: Any = None) -> Job:
        def when(field: str) -> datetime | None:
            return _utc(getattr(msg, field)) if msg.HasField(field) else None

        return cls(
            id=msg.id, name=msg.name, cpus=msg.cpus, input_file=msg.input_file,
            input_files=tuple(FileInfo.from_proto(f) for f in msg.input_files),
            state=JobState.from_proto(msg.state), owner=msg.owner, team=msg.team, attempt=msg.attempt, node=msg.node,
            progress=Progress.from_proto(msg.progress) if msg.HasField("progress") else None,
            create_time=when("create_time"), start_time=when("start_time"), end_time=when("end_time"),
            error_message=msg.error_message, error_class=ErrorClass.from_proto(msg.error_class),
            result_files=tuple(FileInfo.from_proto(f) for f in msg.result_files),
            reasons=tuple(WaitReason(r.code, r.message) for r in msg.wait_reasons),
            missing_files=tuple(msg.missing_files), priority=msg.priority,
            effective_priority=msg.effective_priority, license_tokens=msg.license_tokens,
            required_labels=dict(msg.required_labels), required_node=msg.required_node,
            abaqus_version=msg.abaqus_version, requires_approval=msg.requires_approval,
            queue_position=msg.queue_position or None, estimated_start_time=when("estimated_start_time"),
            queue_time=when("queue_time"), solver=SolverOptions.from_proto(msg.solver),
            max_attempts=msg.max_attempts, batch_id=msg.batch_id,
            state_history=tuple(StateChange.from_proto(c) for c in msg.state_history), client=client,
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: enums as their values, times as ISO 8601 strings (not its client)."""
        return plain(self)


class Role(enum.Enum):
    ADMIN = "admin"
    LEAD = "lead"
    DEVELOPER = "developer"
    GUEST = "guest"
    NODE = "node"

    def to_proto(self) -> int:
        return token_service_pb2.Role.Value(f"ROLE_{self.name}")

    @classmethod
    def from_proto(cls, value: int) -> Role | None:
        name = token_service_pb2.Role.Name(value).removeprefix("ROLE_") if value else ""
        return cls[name] if name in cls.__members__ else None


@dataclass(frozen=True)
class TokenInfo:
    """A token as the scheduler describes it; the secret itself is never part of it."""

    token_id: str
    user: str
    role: Role | None
    team: str
    description: str
    create_time: datetime | None
    expire_time: datetime | None
    revoked: bool

    @classmethod
    def from_proto(cls, msg: token_service_pb2.TokenInfo) -> TokenInfo:
        return cls(token_id=msg.token_id, user=msg.user, role=Role.from_proto(msg.role), team=msg.team,
                   description=msg.description,
                   create_time=_utc(msg.create_time) if msg.HasField("create_time") else None,
                   expire_time=_utc(msg.expire_time) if msg.HasField("expire_time") else None,
                   revoked=msg.revoked)

    def to_dict(self) -> dict[str, Any]:
        return plain(self)


def _utc(ts: Timestamp) -> datetime:
    return ts.ToDatetime(tzinfo=timezone.utc)


def plain(value: Any) -> Any:
    """A dataclass as JSON-ready values, all the way down: enums as their values, times as ISO 8601
    strings, nested dataclasses as dicts (a Job's client left out)."""
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in fields(value) if f.name != "client"}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (tuple, list)):
        return type(value)(plain(v) for v in value)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


PRIORITIES = {"low": 0, "normal": 10, "high": 20, "urgent": 30}


def priority_value(priority: int | str | None) -> int | None:
    """0..30 from a number or a name (low, normal, high, urgent); None stays None (your role's)."""
    if priority is None or isinstance(priority, int):
        return priority
    if priority.lower() in PRIORITIES:
        return PRIORITIES[priority.lower()]
    raise InvalidArgument(f"priority: unknown priority {priority!r} (low, normal, high or urgent)")


@dataclass(frozen=True)
class QueueStats:
    queue_depth: int
    running: int
    blocked: int
    max_concurrent: int
    user_max_concurrent: int
    team_max_concurrent: int
    enable_fair_share: bool
    average_wait_seconds: float
    by_state: dict[str, int]
    by_user: dict[str, int]  # admins only; empty for others
    cores_in_use: int
    cores_total: int
    license_tokens_in_use: int
    license_tokens_total: int  # 0: not counted

    @classmethod
    def from_proto(cls, msg) -> QueueStats:
        return cls(**{f: (dict(getattr(msg, f)) if f.startswith("by_") else getattr(msg, f))
                      for f in cls.__dataclass_fields__})

    def to_dict(self) -> dict[str, Any]:
        return plain(self)


@dataclass(frozen=True)
class MyQueue:
    pending: tuple[Job, ...]
    running: tuple[Job, ...]
    blocked: tuple[Job, ...]
    best_position: int | None  # None when none of your jobs waits

    @classmethod
    def from_proto(cls, msg) -> MyQueue:
        return cls(tuple(Job.from_proto(j) for j in msg.pending_jobs),
                   tuple(Job.from_proto(j) for j in msg.running_jobs),
                   tuple(Job.from_proto(j) for j in msg.blocked_jobs), msg.best_position or None)

    def to_dict(self) -> dict[str, Any]:
        return {"pending_count": len(self.pending), "running_count": len(self.running),
                "blocked_count": len(self.blocked), "best_position": self.best_position,
                "pending_jobs": [j.to_dict() for j in self.pending],
                "running_jobs": [j.to_dict() for j in self.running],
                "blocked_jobs": [j.to_dict() for j in self.blocked]}


@dataclass(frozen=True)
class TransferSlotStats:
    """A node's transfer slots since the scheduler started: grants, transfers waiting and slots
    held now, leases that lapsed, and how long transfers waited for and held their slot (s)."""

    grants: int = 0
    waiting: int = 0
    held: int = 0
    lapsed: int = 0
    wait_total_seconds: float = 0.0
    wait_max_seconds: float = 0.0
    hold_total_seconds: float = 0.0
    hold_max_seconds: float = 0.0

    @classmethod
    def from_proto(cls, msg) -> TransferSlotStats:
        return cls(**{f.name: getattr(msg, f.name) for f in fields(cls)})

    @property
    def mean_wait_seconds(self) -> float:
        return self.wait_total_seconds / self.grants if self.grants else 0.0


@dataclass(frozen=True)
class NodeInfo:
    name: str
    cpus: int
    free_cpus: int
    max_jobs: int
    labels: dict[str, str]
    abaqus_versions: tuple[str, ...]
    drained: bool
    job_ids: tuple[str, ...]
    last_seen_time: datetime | None
    transfer_slots: TransferSlotStats = TransferSlotStats()
    state: str = ""  # ready, busy, draining, lost
    license_tokens_in_use: int = 0
    agent_version: str = ""
    protocol_version: int = 0

    @classmethod
    def from_proto(cls, msg) -> NodeInfo:
        seen = _utc(msg.last_seen_time) if msg.HasField("last_seen_time") else None
        return cls(msg.name, msg.cpus, msg.free_cpus, msg.max_jobs, dict(msg.labels), tuple(msg.abaqus_versions),
                   msg.drained, tuple(msg.job_ids), seen, TransferSlotStats.from_proto(msg.transfer_slots),
                   msg.state, msg.license_tokens_in_use, msg.agent_version, msg.protocol_version)

    def to_dict(self) -> dict[str, Any]:
        return plain(self)


class EventKind(enum.Enum):
    JOB = "job"  # the job changed: state, node, attempt, error...; `job` holds it
    PROGRESS = "progress"  # `progress` holds the solver's progress
    WARNING = "warning"  # `warning` holds the text: a stall, a run past twice its estimate
    LOG = "log"  # `log_line` holds a line of the job's log


@dataclass(frozen=True)
class JobEvent:
    """Something that happened to a job. `cursor` resumes a stream just after it; `resync` marks
    an event that restates a job in place of changes the scheduler no longer held."""

    cursor: str
    job_id: str
    time: datetime | None
    kind: EventKind
    job: Job | None = None
    progress: Progress | None = None
    log_line: LogLine | None = None
    warning: str = ""
    resync: bool = False

    @classmethod
    def from_proto(cls, msg: job_pb2.JobEvent, client: Any = None) -> JobEvent | None:
        """The event; None for a kind this client does not know (a newer scheduler's), to be skipped."""
        which = msg.WhichOneof("event")
        common = {"cursor": msg.cursor, "job_id": msg.job_id, "resync": msg.resync,
                  "time": _utc(msg.time) if msg.HasField("time") else None}
        if which == "job":
            return cls(kind=EventKind.JOB, job=Job.from_proto(msg.job, client), **common)
        if which == "progress":
            return cls(kind=EventKind.PROGRESS, progress=Progress.from_proto(msg.progress), **common)
        if which == "log_line":
            return cls(kind=EventKind.LOG, log_line=LogLine.from_proto(msg.log_line), **common)
        if which == "warning":
            return cls(kind=EventKind.WARNING, warning=msg.warning, **common)
        return None


@dataclass(frozen=True)
class Preview:
    """What a job would meet, were it submitted now: the job as it would be (its `reasons`,
    `queue_position` and `estimated_start_time`), the nodes that could run it, and the input files
    that would go with it."""

    job: Job
    nodes: tuple[str, ...]
    files: tuple[str, ...]

    @property
    def starts_now(self) -> bool:
        return [r.code for r in self.job.reasons] == ["ready"] and not self.job.requires_approval


@dataclass(frozen=True)
class BatchRunningJob:
    job_id: str
    name: str
    node: str
    stage: int  # 1 inputs moving, 2 solving, 3 results moving
    stage_start_time: datetime | None


@dataclass(frozen=True)
class BatchProgress:
    """Stage-level progress: each job has three stages (inputs moved, solved, results collected)."""

    total_jobs: int
    total_stages: int
    completed_stages: int
    completed: int
    failed: int
    cancelled: int
    waiting: int
    running: tuple[BatchRunningJob, ...]
    estimated_finish_time: datetime | None
    removed: int = 0  # deleted by the clean-up (they had ended)

    @property
    def fraction(self) -> float:
        return self.completed_stages / self.total_stages if self.total_stages else 0.0

    @property
    def finished(self) -> bool:
        return self.completed + self.failed + self.cancelled + self.removed >= self.total_jobs


@dataclass(frozen=True)
class Batch:
    id: str
    name: str
    owner: str
    team: str
    parallelism: int
    expected_jobs: int
    create_time: datetime | None
    job_ids: tuple[str, ...]
    cancelled: bool
    progress: BatchProgress

    @classmethod
    def from_proto(cls, msg) -> Batch:
        p = msg.progress
        running = tuple(BatchRunningJob(r.job_id, r.name, r.node, r.stage,
                                        _utc(r.stage_start_time) if r.HasField("stage_start_time") else None)
                        for r in p.running)
        progress = BatchProgress(p.total_jobs, p.total_stages, p.completed_stages, p.completed, p.failed,
                                 p.cancelled, p.waiting, running,
                                 _utc(p.estimated_finish_time) if p.HasField("estimated_finish_time") else None,
                                 p.removed)
        return cls(msg.id, msg.name, msg.owner, msg.team, msg.parallelism, msg.expected_jobs,
                   _utc(msg.create_time) if msg.HasField("create_time") else None, tuple(msg.job_ids),
                   msg.cancelled, progress)

    def to_dict(self) -> dict[str, Any]:
        return plain(self)


@dataclass(frozen=True)
class BackendState:
    name: str  # an Abaqus version or a node pool; "default" when the backends are unified
    availability: str  # available, unavailable, maintenance
    description: str


@dataclass(frozen=True)
class ServiceStatus:
    backends: tuple[BackendState, ...]  # those the document names; any other is available
    unified: bool
    source: str  # where the document is read from; empty when there is none
    read_time: datetime | None
    problem: str  # why the last reading was not taken, if it was not

    @classmethod
    def from_proto(cls, msg) -> ServiceStatus:
        names = {v.number: v.name.removeprefix("BACKEND_AVAILABILITY_").lower()
                 for v in msg.DESCRIPTOR.fields_by_name["backends"].message_type.fields_by_name["availability"]
                 .enum_type.values}
        return cls(tuple(BackendState(b.name, names.get(b.availability, "unknown"), b.description)
                         for b in msg.backends), msg.unified, msg.source,
                   _utc(msg.read_time) if msg.HasField("read_time") else None, msg.problem)

    def to_dict(self) -> dict[str, Any]:
        return plain(self)
