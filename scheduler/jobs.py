"""The one place where jobs are read, changed and written back: a conditional update, retried
on a lost race, and announced to watchers."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from .domain import job_log
from .domain.errors import Conflict, NotFound
from .domain.job import Job
from .domain.job_log import LogLine
from .events import EventJournal
from .store import JobStore

MAX_RACES = 8


class JobBook:
    def __init__(self, store: JobStore, events: EventJournal, clock: Callable[[], float]) -> None:
        self.store = store
        self.events = events
        self.clock = clock

    def get(self, job_id: str) -> Job:
        job = self.store.get(job_id) if job_id else None
        if job is None:
            raise NotFound(f"job {job_id!r} not found")
        return job

    def create(self, job: Job) -> Job:
        """Store a new job; a repeated request id returns the job created the first time."""
        earlier = self.store.insert(job)
        if earlier is not None:
            return earlier
        job = job.evolve(version=1)
        self.events.job_written(None, job)
        return job

    def change(self, job_id: str, change: Callable[[Job], Job]) -> Job:
        """Apply `change` (a pure function, may raise a domain error) and write the result
        conditionally on the version read."""
        for _ in range(MAX_RACES):
            current = self.get(job_id)
            changed = change(current)
            if changed == current:
                return current
            stored = self.store.update(changed)
            if stored is not None:
                self.events.job_written(current, stored)
                return stored
        raise Conflict(f"job {job_id} is changing too fast; try again")

    def append_log(self, job: Job, attempt: int, texts: Sequence[str], now: float) -> None:
        """Append the lines of `attempt` to the job's log, classified by level, and announce them."""
        if not texts:
            return
        rows = [(now, attempt, job_log.level_of(t), t[:job_log.MAX_TEXT]) for t in texts]
        last = self.store.append_log(job.id, rows)
        self.events.logged(job, [LogLine(last - len(rows) + 1 + i, *row) for i, row in enumerate(rows)])
