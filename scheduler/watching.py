"""The event streams: one job's, and every job a person may see, each resumable from a cursor.

A stream follows the journal. When the journal no longer holds what comes after the cursor (the
scheduler restarted, or the watcher fell far behind), it catches up from the store: a job's log
lines exactly (they are numbered there), and the job itself restated as it is now (`resync`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

from .domain import identity
from .domain.errors import InvalidArgument
from .domain.identity import Principal
from .domain.job import FINAL_STATES, Job, JobState
from .domain.job_events import Cursor, JobEvent, Kind
from .domain.job_log import LogLine
from .events import EventJournal
from .jobs import JobBook

UNFINISHED = tuple(s for s in JobState if s not in FINAL_STATES)
PAGE = 1000


class EventStreams:
    def __init__(self, book: JobBook) -> None:
        self.book = book
        self.journal: EventJournal = book.events

    def _held(self, after: Cursor | None) -> bool:
        """Whether the journal holds every event after the cursor; a cursor of this run ahead of it is refused."""
        if after is None or after.epoch != self.journal.epoch:
            return False
        if after.seq > self.journal.head:
            raise InvalidArgument("after", f"{str(after)!r} is ahead of the scheduler's events: not a cursor it gave")
        return self.journal.since(after.seq) is not None

    async def job(self, job_id: str, after: Cursor | None) -> AsyncIterator[tuple[JobEvent, Cursor]]:
        """The job's events after `after` (from the start when None), until its final state."""
        epoch = self.journal.epoch
        version, log_seq = (after.version, after.log_seq) if after else (0, 0)
        seq = after.seq if self._held(after) else None
        restated = 0  # the version of the last restatement: journal events up to it are in it
        catch_up, first = True, True
        while True:
            if catch_up:
                replayed = seq is not None  # the journal holds what came after the cursor
                seq = self.journal.head if seq is None else seq
                job, caught = self._caught_up(job_id, seq, replayed, version, log_seq,
                                              resync=after is not None or not first)
                restated = next((e.job.version for e in caught if e.kind is Kind.JOB), restated)
                for event in caught:
                    version, log_seq = _advance(event, version, log_seq)
                    yield event, Cursor(epoch, seq, version, log_seq)
                if job.state.is_final and version >= job.version:
                    return
                catch_up, first = False, False
            events = self.journal.since(seq)
            if events is None:
                seq, catch_up = None, True
                continue
            for event in events:
                seq = event.seq
                if event.job.id != job_id:
                    continue
                if event.kind is Kind.LOG and event.line.seq <= log_seq:
                    continue
                if event.kind is not Kind.LOG and event.job.version <= restated:
                    continue
                version, log_seq = _advance(event, version, log_seq)
                yield event, Cursor(epoch, seq, version, log_seq)
                if event.kind is Kind.JOB and event.job.state.is_final:
                    return
            await self.journal.grown_past(seq, job_id)

    async def snapshots(self, job_id: str, final_only: bool = False) -> AsyncIterator[Job]:
        """The job now, then after every change but its log, until it reaches a final state; with
        `final_only`, the job in that state alone."""
        seq = self.journal.head
        job = self.book.get(job_id)
        if job.state.is_final or not final_only:
            yield job
        while not job.state.is_final:
            events = self.journal.since(seq)
            if events is None:  # fell behind the journal: the job as it is now
                seq, newer = self.journal.head, self.book.get(job_id)
                events = [JobEvent(seq, self.book.clock(), newer, Kind.JOB)]
            for event in events:
                seq = max(seq, event.seq)
                if event.job.id == job_id and event.kind is not Kind.LOG and event.job.version > job.version:
                    job = event.job
                    if job.state.is_final:
                        yield job
                        return
                    if not final_only:
                        yield job
            await self.journal.grown_past(seq, job_id)

    def _caught_up(self, job_id: str, seq: int, replayed: bool, version: int, log_seq: int,
                   resync: bool) -> tuple[Job, list[JobEvent]]:
        """The job as the store has it, and the events a stream at (`version`, `log_seq`) lacks of
        it: log lines the journal no longer holds after `seq` (those it holds come from it, in their
        place) and, unless the journal has its changes after the cursor (`replayed`), the job
        restated. Everything is read before any of it is given: no await between."""
        job = self.book.get(job_id)
        held = [e for e in self.journal.since(seq) or () if e.job.id == job_id] if replayed else []
        until = next((e.line.seq for e in held if e.kind is Kind.LOG), None)
        caught = [JobEvent(seq, self.book.clock(), job, Kind.LOG, line=line)
                  for line in self._lines(job_id, log_seq, until)]
        # a cursor given while catching up may be older than the job's last change, made before `seq`
        if job.version > version and not any(e.kind is not Kind.LOG for e in held):
            snapshot = JobEvent(seq, self.book.clock(), job, Kind.JOB, resync=resync)
            caught.insert(len(caught) if job.state.is_final else 0, snapshot)
        return job, caught

    def _lines(self, job_id: str, after: int, until: int | None = None) -> Iterator[LogLine]:
        """The job's log lines numbered after `after` and before `until` (None: to the end)."""
        while page := self.book.store.job_log(job_id, after, PAGE):
            for line in page:
                if until is not None and line.seq >= until:
                    return
                yield line
            after = page[-1].seq

    async def visible(self, who: Principal, after: Cursor | None) -> AsyncIterator[tuple[JobEvent, Cursor | None]]:
        """The events of every job `who` may see, after `after`; when that is not held (or with no
        cursor), first each unfinished job as it is. A restating event carries the cursor the
        stream started from (None: from the start): resuming from it restates again."""
        epoch = self.journal.epoch
        seq = after.seq if self._held(after) else None
        first = True
        while True:
            if seq is None:
                seq = self.journal.head
                jobs = self._unfinished(who)
                for i, job in enumerate(jobs):
                    last = i == len(jobs) - 1
                    event = JobEvent(seq, self.book.clock(), job, Kind.JOB, resync=after is not None or not first)
                    yield event, Cursor(epoch, seq) if last else after
                first = False
            events = self.journal.since(seq)
            if events is None:
                seq = None
                continue
            for event in events:
                seq = event.seq
                if identity.may_see(who, event.job.owner, event.job.team):
                    yield event, Cursor(epoch, seq)
            await self.journal.grown_past(seq)

    def _unfinished(self, who: Principal) -> list[Job]:
        owner, team = identity.visible_scope(who)
        jobs, cursor = [], None
        while True:
            page = self.book.store.list(states=UNFINISHED, page_size=PAGE, cursor=cursor, owner=owner, team=team)
            jobs += page.jobs
            if not page.next_cursor:
                return jobs[::-1]  # oldest first
            cursor = page.next_cursor


def _advance(event: JobEvent, version: int, log_seq: int) -> tuple[int, int]:
    if event.kind is Kind.LOG:
        return version, event.line.seq
    return max(version, event.job.version), log_seq
