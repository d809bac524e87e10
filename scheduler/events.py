"""The event journal: every job event of this run of the scheduler, numbered, the newest kept in
memory, and a wake-up for the streams that follow it. Everything here runs on the event loop."""

from __future__ import annotations

import asyncio
import itertools
import secrets
from collections import deque
from collections.abc import Callable, Sequence

from .domain.job import Job
from .domain.job_events import JobEvent, Kind, changes
from .domain.job_log import LogLine

RETAINED_EVENTS = 50_000  # about an hour of 50 running jobs reporting every 5 s, a few MB


class EventJournal:
    def __init__(self, clock: Callable[[], float], retained: int = RETAINED_EVENTS) -> None:
        self.epoch = secrets.token_hex(4)
        self.clock = clock
        self._events: deque[JobEvent] = deque(maxlen=retained)
        self._head = 0
        self._grown = asyncio.Event()
        self._job_waiters: dict[str, set[asyncio.Future]] = {}  # by job id: the streams of that job asleep

    @property
    def head(self) -> int:
        """The number of the newest event (0: none yet)."""
        return self._head

    def job_written(self, before: Job | None, after: Job) -> None:
        """A write of a job was stored (`before` None: it was created)."""
        now = self.clock()
        for kind, warning in changes(before, after):
            self._add(JobEvent(self._head + 1, now, after, kind, warning=warning))

    def logged(self, job: Job, lines: Sequence[LogLine]) -> None:
        for line in lines:
            self._add(JobEvent(self._head + 1, line.time, job, Kind.LOG, line=line))

    def _add(self, event: JobEvent) -> None:
        self._events.append(event)
        self._head = event.seq
        grown, self._grown = self._grown, asyncio.Event()
        grown.set()
        for woken in self._job_waiters.pop(event.job.id, ()):
            if not woken.done():
                woken.set_result(None)

    def since(self, seq: int) -> list[JobEvent] | None:
        """The events numbered after `seq`, oldest first; None when some of them are no longer held."""
        if seq >= self._head:
            return []
        oldest = self._events[0].seq if self._events else self._head + 1
        if seq + 1 < oldest:
            return None
        return list(itertools.islice(reversed(self._events), self._head - seq))[::-1]  # from the new end

    async def grown_past(self, seq: int, job_id: str | None = None) -> None:
        """Return once there is an event numbered after `seq`; with `job_id`, once there is one of
        that job, for a stream of one job that has read every event up to `seq` (the events of other
        jobs do not wake it: it reads them, with the job's, when it wakes)."""
        if job_id is None:
            while self._head <= seq:
                await self._grown.wait()
            return
        if self._head > seq:
            return
        woken = asyncio.get_running_loop().create_future()
        waiting = self._job_waiters.setdefault(job_id, set())
        waiting.add(woken)
        try:
            await woken
        finally:
            waiting.discard(woken)
            if not waiting and self._job_waiters.get(job_id) is waiting:
                del self._job_waiters[job_id]
