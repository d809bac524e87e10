"""The one place where jobs are read, changed and written back: a conditional update, retried
on a lost race, and announced to watchers."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence

from .domain import job_log
from .domain.errors import NotFound
from .domain.job import Job
from .domain.job_log import Level, LogLine, Source
from .events import EventJournal
from .races import change_stored
from .store import JobStore, LogRow, StoreError

log = logging.getLogger(__name__)

# The jobs last read or written, kept decoded for KEPT_S: a job is read on every call about it (an
# agent's report reads it twice), and decoding it from the store costs more than the call's own
# work. What this scheduler writes it keeps; a write that loses its race (the store holds a newer
# version, from another scheduler on the store) drops it, and a read trusts a kept job for
# KEPT_S only, so what another scheduler wrote is seen within that time.
KEPT_JOBS = 4096
KEPT_S = 1.0


class JobBook:
    def __init__(self, store: JobStore, events: EventJournal, clock: Callable[[], float]) -> None:
        self.store = store
        self.events = events
        self.clock = clock
        # Told of every stored write (before: None for a new job), after the journal: metrics.
        self.on_write: list[Callable[[Job | None, Job], None]] = []
        self._kept: dict[str, tuple[Job, float]] = {}  # by id: (the job, when read or written), the latest last

    def _decisions(self, before: Job | None, after: Job) -> list[LogRow]:
        """The log lines of the scheduler's decisions that a write of a job stores."""
        now = self.clock()
        return [(now, after.attempt, level, text, Source.SCHEDULER) for level, text in job_log.decisions(before, after)]

    def _written(self, before: Job | None, after: Job,
                 logged: Sequence[LogRow] | None = None) -> None:
        """Tell of a stored write (`logged`: the decision's log lines, stored with it). Nothing here
        may fail the write: it is stored already."""
        # the decision's log lines go first: a stream that ends with the job's final state has them
        if logged is None:
            try:
                self._append(after, self._decisions(before, after))
            except StoreError as e:
                log.warning("job %s: its log did not take the scheduler's decision: %s", after.id, e)
        else:
            self.events.logged(after, [LogLine(seq, *row) for seq, row in enumerate(logged, start=1)])
        self.events.job_written(before, after)
        for hear in self.on_write:
            try:
                hear(before, after)
            except Exception:  # noqa: BLE001 - metrics or webhooks must not fail a stored write
                log.exception("job %s: a listener failed", after.id)

    def get(self, job_id: str) -> Job:
        now = self.clock()
        kept = self._kept.pop(job_id, None)
        if kept is not None and 0 <= now - kept[1] < KEPT_S:
            self._kept[job_id] = kept  # the most recently used
            return kept[0]
        job = self.store.get(job_id) if job_id else None
        if job is None:
            raise NotFound(f"job {job_id!r} not found")
        return self._keep(job, now)

    def _keep(self, job: Job, now: float | None = None) -> Job:
        kept = self._kept
        kept.pop(job.id, None)
        kept[job.id] = (job, self.clock() if now is None else now)
        if len(kept) > KEPT_JOBS:
            del kept[next(iter(kept))]
        return job

    def forget(self, job_id: str) -> None:
        """The job was deleted from the store."""
        self._kept.pop(job_id, None)

    def _update(self, job: Job) -> Job | None:
        try:
            stored = self.store.update(job)
        except BaseException:  # it may have been written all the same (a timeout): read it again
            self.forget(job.id)
            raise
        if stored is None:  # a lost race: what is kept is not what is stored
            self.forget(job.id)
            return None
        return self._keep(stored)

    def create(self, job: Job, inline: Mapping[str, bytes] | None = None) -> Job:
        """Store a new job (with the content of its inline inputs and its first log lines, in one
        write); a repeated request id returns the job created the first time."""
        job = job.evolve(version=1)
        lines = self._decisions(None, job)
        earlier = self.store.insert(job, inline, lines)
        if earlier is not None:
            return self._keep(earlier)
        self._written(None, self._keep(job), lines)
        return job

    def change(self, job_id: str, change: Callable[[Job], Job]) -> Job:
        """Apply `change` (a pure function, may raise a domain error) and write the result
        conditionally on the version read."""
        current, stored = change_stored(lambda: self.get(job_id), change, self._update, f"job {job_id}")
        if stored is not current:
            self._written(current, stored)
        return stored

    def append_log(self, job: Job, attempt: int, texts: Sequence[str], now: float,
                   source: Source = Source.SOLVER, level: Level | None = None) -> None:
        """Append the lines of `attempt` to the job's log (at `level`, else as each reads) and announce them."""
        self._append(job, [(now, attempt, level or job_log.level_of(t), t[:job_log.MAX_TEXT], source) for t in texts])

    def _append(self, job: Job, rows: list[LogRow]) -> None:
        if not rows:
            return
        last = self.store.append_log(job.id, rows)
        self.events.logged(job, [LogLine(last - len(rows) + 1 + i, *row) for i, row in enumerate(rows)])
