"""What the scheduler's in-memory indexes keep of an unfinished job. A store writes it beside each
job, so a start-up rebuilds the indexes from these few fields without decoding whole jobs. Pure."""

from __future__ import annotations

from typing import NamedTuple

from .job import Job, JobState
from .limits import queued_bytes
from .waiting import Entry

_STATES = {s.value: s for s in JobState}
WAITS = (JobState.WAITING, JobState.BLOCKED)


class Brief(NamedTuple):
    """A tuple, not a dataclass: a start-up makes one per unfinished job, and tuples are made fast."""

    id: str
    state: JobState
    owner: str
    role: str
    team: str
    priority: int
    queue_time: float  # when it joined the queue (its creation before that)
    cpus: int
    license_tokens: int
    required_labels: tuple[tuple[str, str], ...]
    required_node: str
    abaqus_version: str
    node: str  # where it runs, when started
    attempt: int
    retry_at: float | None
    start_time: float | None
    seconds_left: float | None
    queued_bytes: int  # what it costs the queue's memory while it waits (0 otherwise)
    batch_id: str = ""
    batch_parallelism: int = 0

    @classmethod
    def of(cls, job: Job) -> Brief:
        return cls(job.id, job.state, job.owner, job.owner_role, job.team, job.priority,
                   job.queue_time or job.create_time, job.cpus, job.license_tokens, job.required_labels,
                   job.required_node, job.abaqus_version, job.node, job.attempt, job.retry_at, job.start_time,
                   job.progress.seconds_left, queued_bytes(job) if job.state in WAITS else 0, job.batch_id,
                   job.batch_parallelism)

    @property
    def entry(self) -> Entry:
        return Entry(self.id, self.owner, self.role, self.team, self.priority, self.queue_time, self.cpus,
                     self.license_tokens, self.required_labels, self.required_node, self.abaqus_version,
                     self.batch_id, self.batch_parallelism)

    def to_list(self) -> list:
        """As JSON-able values, in field order (what the stores write)."""
        values = list(self)
        values[1] = self.state.value
        return values

    @classmethod
    def from_list(cls, values: list) -> Brief | str:
        """From what `to_list` gave, after a JSON round trip (the list is taken over); the job id
        alone when the brief was written in another format (its job must be read instead)."""
        if len(values) != len(cls._fields) or values[1] not in _STATES:
            return values[0]
        values[1] = _STATES[values[1]]
        values[9] = tuple(map(tuple, values[9])) if values[9] else ()
        return cls._make(values)
