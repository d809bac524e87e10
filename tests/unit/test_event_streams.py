"""The event streams over a real SQLite store: a job's events from the start or from any cursor,
after a restart (a new journal on the same store), after falling behind; everyone's stream."""

from __future__ import annotations

import asyncio

import pytest

from scheduler.domain import states
from scheduler.domain.errors import InvalidArgument
from scheduler.domain.identity import Principal, Role
from scheduler.domain.job import FileSpec, Job, JobState, Progress
from scheduler.domain.job_events import Cursor, Kind, changes
from scheduler.domain.job_log import Source
from scheduler.events import EventJournal
from scheduler.jobs import JobBook
from scheduler.store import SqliteStore
from scheduler.watching import EventStreams

ANA = Principal("ana", Role.DEVELOPER)


class Clock:
    now = 1000.0

    def __call__(self) -> float:
        self.now += 1.0
        return self.now


@pytest.fixture
def store(tmp_path):
    s = SqliteStore(tmp_path / "jobs.sqlite3")
    yield s
    s.close()


def new_book(store, retained: int = 1000) -> JobBook:
    clock = Clock()
    return JobBook(store, EventJournal(clock, retained), clock)


def make(book: JobBook, i: int, owner: str = "ana") -> Job:
    return asyncio.run(book.create(Job(id=f"job-{i}", name=f"m{i}", owner=owner, cpus=2, input_file="m.inp",
                                       input_files=(FileSpec("m.inp", 1, "0" * 64),), create_time=1.0)))


def run_job(book: JobBook, job_id: str, increments: int = 3) -> None:
    """Queue, start and run the job with progress and log lines, then complete it."""
    now = book.clock()
    book.change(job_id, lambda j: states.transition(j, JobState.WAITING, now))
    book.change(job_id, lambda j: states.transition(j, JobState.STARTING, now, node="n1", attempt=1))
    for i in range(1, increments + 1):
        job = book.get(job_id)
        book.append_log(job, 1, [f"increment {i} line a", f"increment {i} line b"], now)
        fraction = i / (increments + 1)

        def progress(j: Job, f=fraction, i=i) -> Job:
            p = Progress(step=1, total_steps=1, increment=i, overall_fraction=f,
                         warning="no new increment for 10 min" if i == 2 else "")
            if j.state is JobState.STARTING:
                return states.transition(j, JobState.RUNNING, now, progress=p)
            return j.evolve(progress=p)

        book.change(job_id, progress)
    book.append_log(book.get(job_id), 1, ["Abaqus JOB m COMPLETED"], now)
    book.change(job_id, lambda j: states.transition(j, JobState.COMPLETED, now))


def key(event) -> tuple:
    """What identifies an event to a watcher, whatever journal number it got."""
    return (event.kind, event.line.seq if event.line else event.job.version, event.warning)


class Pump:
    """Reads a stream in a task of its own, so that waiting for its next event cancels nothing."""

    def __init__(self, stream) -> None:
        self.got: asyncio.Queue = asyncio.Queue()
        self.task = asyncio.ensure_future(self._run(stream))

    async def _run(self, stream) -> None:
        async for item in stream:
            await self.got.put(item)
        await self.got.put(None)

    async def take(self, limit: int = 10_000, quiet_s: float = 0.2) -> list:
        """Events until `limit`, the stream's end, or `quiet_s` without one."""
        out = []
        while len(out) < limit:
            try:
                item = await asyncio.wait_for(self.got.get(), quiet_s)
            except asyncio.TimeoutError:
                break
            if item is None:
                break
            out.append(item)
        return out


def followed_live(book: JobBook, job_id: str, **run) -> list:
    """What a watcher that opened the job's stream before it ran got, (event, cursor) pairs."""
    async def scenario():
        stream = Pump(EventStreams(book).job(job_id, None))
        first = await stream.take(limit=1)
        run_job(book, job_id, **run)
        return first + await stream.take()

    return asyncio.run(scenario())


async def collect(stream, limit: int = 10_000) -> list:
    pump = Pump(stream)
    try:
        return await pump.take(limit)
    finally:
        pump.task.cancel()


def test_a_write_makes_a_job_event_a_progress_only_write_a_progress_event_and_a_new_warning_one_more():
    job = Job(id="j", name="m", owner="ana", cpus=1, input_file="m.inp", input_files=(), create_time=1.0)
    assert changes(None, job) == [(Kind.JOB, "")]
    moved = job.evolve(progress=Progress(increment=3))
    assert changes(job, moved) == [(Kind.PROGRESS, "")]
    stalled = moved.evolve(progress=Progress(increment=3, warning="stalled"))
    assert changes(moved, stalled) == [(Kind.PROGRESS, ""), (Kind.WARNING, "stalled")]
    assert changes(stalled, stalled.evolve(progress=Progress(increment=4, warning="stalled"))) == [(Kind.PROGRESS, "")]
    assert changes(stalled, stalled.evolve(state=JobState.FAILED)) == [(Kind.JOB, "")]


def test_cursors_round_trip_and_a_bad_one_names_the_field():
    cursor = Cursor("a1b2c3d4", 17, 5, 9)
    assert Cursor.parse(str(cursor)) == cursor
    for bad in ("", "x", "a.b.c.d", "e.1.2", "e.1.2.-3", "e!.1.2.3", "e.1.2.3.4"):
        with pytest.raises(InvalidArgument, match="after"):
            Cursor.parse(bad)


def test_a_job_stream_from_the_start_gives_the_job_its_log_its_changes_and_ends_with_the_final_state(store):
    book = new_book(store)
    make(book, 1)
    events = [e for e, _ in followed_live(book, "job-1")]
    kinds = [e.kind for e in events]
    assert kinds[0] is Kind.JOB and not events[0].resync
    lines = [e.line for e in events if e.kind is Kind.LOG]
    assert [line.seq for line in lines] == list(range(1, len(lines) + 1))  # each once, in order
    assert len([line for line in lines if line.source is Source.SOLVER]) == 7
    assert any(line.source is Source.SCHEDULER and "assigned to n1" in line.text for line in lines)
    assert [e.job.state for e in events if e.kind is Kind.JOB][-1] is JobState.COMPLETED
    assert kinds[-1] is Kind.JOB  # the final state is the last event
    assert [e.warning for e in events if e.kind is Kind.WARNING] == ["no new increment for 10 min"]
    assert [e.job.progress.increment for e in events if e.kind is Kind.PROGRESS] == [2, 3]


def test_resuming_from_every_cursor_gives_the_rest_without_a_gap_or_a_repeat(store):
    book = new_book(store)
    make(book, 1)
    run_job(book, "job-1")
    streams = EventStreams(book)
    full = asyncio.run(collect(streams.job("job-1", None)))
    assert full[-1][0].job.state is JobState.COMPLETED
    # a watcher that followed it live: the journal replays exactly what came after its cursor
    live = new_book(store)
    make(live, 2)
    followed = followed_live(live, "job-2")
    for cut in range(len(followed)):
        rest = asyncio.run(collect(EventStreams(live).job("job-2", followed[cut][1])))
        assert [key(e) for e, _ in followed[: cut + 1] + rest] == [key(e) for e, _ in followed], cut


def test_after_a_restart_a_job_stream_replays_its_log_exactly_and_restates_the_job(store):
    before = new_book(store)
    make(before, 1)

    async def until_running():
        stream = EventStreams(before).job("job-1", None)
        now = before.clock()
        before.change("job-1", lambda j: states.transition(j, JobState.WAITING, now))
        before.change("job-1", lambda j: states.transition(j, JobState.STARTING, now, node="n1", attempt=1))
        before.append_log(before.get("job-1"), 1, ["line 1", "line 2"], now)
        return await collect(stream)

    seen = asyncio.run(until_running())
    cursor = seen[-1][1]
    assert seen[-1][0].kind is Kind.LOG and seen[-1][0].line.text == "line 2"
    # the scheduler restarts: a new journal (epoch) over the same store; the job moves on
    after = new_book(store)
    now = after.clock()
    after.append_log(after.get("job-1"), 1, ["line 3", "line 4"], now)
    after.change("job-1", lambda j: states.transition(j, JobState.FAILED, now, error_message="boom"))
    rest = [e for e, _ in asyncio.run(collect(EventStreams(after).job("job-1", cursor)))]
    assert [e.line.text for e in rest if e.kind is Kind.LOG and e.line.source is Source.SOLVER] == ["line 3", "line 4"]
    assert rest[-1].kind is Kind.JOB and rest[-1].resync and rest[-1].job.state is JobState.FAILED
    assert [e.line.text for e in rest if e.kind is Kind.LOG][-1].startswith("failed: boom")


def test_a_watcher_that_falls_behind_the_journal_catches_up_from_the_store(store):
    book = new_book(store, retained=4)
    make(book, 1)
    events = [e for e, _ in followed_live(book, "job-1", increments=5)]  # far more than 4 events unread
    seqs = [e.line.seq for e in events if e.kind is Kind.LOG]
    assert seqs == list(range(1, len(seqs) + 1)) and len(seqs) > 11
    assert events[-1].kind is Kind.JOB and events[-1].job.state is JobState.COMPLETED
    assert events[-1].resync  # a restatement in place of the changes it fell behind on


def test_everyones_stream_shows_only_the_jobs_the_caller_may_see_and_resumes_exactly(store):
    book = new_book(store)
    make(book, 1, owner="ana")
    make(book, 2, owner="bob")
    streams = EventStreams(book)

    async def scenario():
        ana = Pump(streams.visible(ANA, None))
        admin = Pump(streams.visible(Principal("root", Role.ADMIN), None))
        start_ana, start_admin = await ana.take(), await admin.take()
        run_job(book, "job-1")
        run_job(book, "job-2")
        done = await ana.take(), await admin.take()
        ana.task.cancel()
        admin.task.cancel()
        return start_ana, start_admin, *done

    start_ana, start_admin, ana, admin = asyncio.run(scenario())
    assert [e.job.id for e, _ in start_ana] == ["job-1"] and [e.job.id for e, _ in start_admin] == ["job-1", "job-2"]
    assert {e.job.owner for e, _ in ana} == {"ana"} and {e.job.owner for e, _ in admin} == {"ana", "bob"}
    assert [e.job.state for e, _ in ana if e.kind is Kind.JOB][-1] is JobState.COMPLETED
    cut = len(ana) // 2
    rest = asyncio.run(collect(streams.visible(ANA, ana[cut][1])))
    assert [key(e) for e, _ in ana[: cut + 1] + rest] == [key(e) for e, _ in ana]
    # after a restart, the unfinished jobs are restated
    make(book, 3)
    restarted = EventStreams(new_book(store))
    again = asyncio.run(collect(restarted.visible(ANA, ana[-1][1])))
    assert [(e.job.id, e.resync) for e, _ in again] == [("job-3", True)]


def test_resuming_a_finished_jobs_stream_from_any_cursor_of_its_catch_up_ends(store):
    book = new_book(store)
    make(book, 1)
    run_job(book, "job-1")
    streams = EventStreams(book)
    full = asyncio.run(collect(streams.job("job-1", None)))
    assert full[-1][0].job.state is JobState.COMPLETED
    for cut in range(len(full) - 1):
        rest = asyncio.run(collect(streams.job("job-1", full[cut][1])))
        assert [key(e) for e, _ in full[: cut + 1] + rest] == [key(e) for e, _ in full], cut
        assert rest[-1][0].kind is Kind.JOB and rest[-1][0].job.state is JobState.COMPLETED


def test_a_cursor_of_this_run_ahead_of_its_events_is_refused(store):
    book = new_book(store)
    make(book, 1)
    forged = Cursor(book.events.epoch, book.events.head + 1000)
    with pytest.raises(InvalidArgument, match="after"):
        asyncio.run(EventStreams(book).job("job-1", forged).__anext__())


def test_a_jobs_watchers_sleep_through_other_jobs_events_and_leave_nothing_behind(store):
    book = new_book(store)
    for i in (1, 2):
        make(book, i)
    reads = []
    since = book.events.since
    book.events.since = lambda seq: reads.append(seq) or since(seq)

    async def scenario():
        watchers = [Pump(EventStreams(book).job("job-1", None)), Pump(EventStreams(book).snapshots("job-1"))]
        first = [await w.take(quiet_s=0.05) for w in watchers]  # the job as it is, and its log so far
        reads.clear()
        run_job(book, "job-2", increments=5)  # a dozen events, none of job-1
        others = [await w.take(quiet_s=0.05) for w in watchers]
        quiet_reads = len(reads)
        run_job(book, "job-1", increments=1)
        own = [await w.take() for w in watchers]
        late = Pump(EventStreams(book).snapshots("job-2"))  # a finished job: its snapshot, then the end
        ended = await late.take()
        left = Pump(EventStreams(book).snapshots("job-1"))
        await left.take(limit=1)
        left.task.cancel()
        await asyncio.sleep(0)
        everything = await collect(EventStreams(book).job("job-1", None))
        return first, others, quiet_reads, own, ended, everything

    first, others, quiet_reads, own, ended, everything = asyncio.run(scenario())
    assert others == [[], []] and quiet_reads == 0  # not woken to read job-2's events
    assert own[0][-1][0].job.state is JobState.COMPLETED and own[1][-1].state is JobState.COMPLETED
    lines = [key(e) for e, _ in first[0] + own[0] if e.kind is Kind.LOG]
    assert lines == [key(e) for e, _ in everything if e.kind is Kind.LOG] and len(lines) > 3  # every line, once
    assert [j.state for j in ended] == [JobState.COMPLETED]
    assert book.events._job_waiters == {}  # the stream that was cancelled asleep took its wake-up with it


def test_a_final_only_watch_gives_the_job_once_it_has_ended_and_nothing_before(store):
    book = new_book(store)
    make(book, 1)

    async def scenario():
        watcher = Pump(EventStreams(book).snapshots("job-1", final_only=True))
        before = await watcher.take(quiet_s=0.05)
        run_job(book, "job-1")
        after = await watcher.take()
        ended = await collect(EventStreams(book).snapshots("job-1", final_only=True))
        return before, after, ended

    before, after, ended = asyncio.run(scenario())
    assert before == []
    assert [j.state for j in after] == [j.state for j in ended] == [JobState.COMPLETED]
