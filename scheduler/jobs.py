"""The one place where jobs are read, changed and written back: a conditional update, retried
on a lost race, and announced to watchers."""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence

from .domain import job_log
from .domain.errors import NotFound
from .domain.job import Job
from .domain.job_log import Level, LogLine, Source
from .events import EventJournal
from .group_commit import GroupCommit
from .races import change_stored
from .recently_used import keep_newest
from .store import JobStore, LogRow, NewJob, StoreError

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
        self._kept: OrderedDict[str, tuple[Job, float]] = OrderedDict()  # by id: (the job, when read or written)
        self._inserts: GroupCommit[NewJob, Job | None] = GroupCommit(store.insert_all)

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
            self._announce(after, len(logged), logged)
        self.events.job_written(before, after)
        for hear in self.on_write:
            try:
                hear(before, after)
            except Exception:  # noqa: BLE001 - metrics or webhooks must not fail a stored write
                log.exception("job %s: a listener failed", after.id)

    def get(self, job_id: str) -> Job:
        now = self.clock()
        kept = self._kept.get(job_id)
        if kept is not None and 0 <= now - kept[1] < KEPT_S:
            self._kept.move_to_end(job_id)
            return kept[0]
        job = self.store.get(job_id) if job_id else None
        if job is None:
            raise NotFound(f"job {job_id!r} not found")
        return self._keep(job, now)

    def _keep(self, job: Job, now: float | None = None) -> Job:
        keep_newest(self._kept, job.id, (job, self.clock() if now is None else now), KEPT_JOBS)
        return job

    def _forget(self, job_id: str) -> None:
        self._kept.pop(job_id, None)

    def _update(self, job: Job) -> Job | None:
        try:
            stored = self.store.update(job)
        except BaseException:  # it may have been written all the same (a timeout): read it again
            self._forget(job.id)
            raise
        if stored is None:  # a lost race: what is kept is not what is stored
            self._forget(job.id)
            return None
        return self._keep(stored)

    async def delete_finished(self, job_id: str) -> bool:
        """Delete the job if it is in a final state (its log and inline inputs too), in a worker
        thread; whether it was."""
        try:
            return await asyncio.to_thread(self.store.delete_finished, job_id)
        finally:  # deleted, already gone, or perhaps deleted before a failure: read it again
            self._forget(job_id)

    async def create(self, job: Job, inline: Mapping[str, bytes] | None = None) -> Job:
        """Store a new job (with the content of its inline inputs and its first log lines, in one
        write, with the other jobs created meanwhile); a repeated request id returns the job created
        the first time."""
        job = job.evolve(version=1)
        lines = self._decisions(None, job)
        earlier = await self._inserts.write(NewJob(job, inline, lines))
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
        self._announce(job, self.store.append_log(job.id, rows), rows)

    def _announce(self, job: Job, last: int, rows: Sequence[LogRow]) -> None:
        """Tell of log lines stored, the last of them numbered `last`."""
        self.events.logged(job, [LogLine(last - len(rows) + 1 + i, *row) for i, row in enumerate(rows)])
