"""JobBook keeps the jobs it last read or wrote decoded, for jobs.KEPT_S: a write that loses its race
reads the job again, another scheduler's write is seen once that time is up, a deleted job is gone,
the least recently used go first."""

from __future__ import annotations

import asyncio

import pytest

from scheduler import jobs
from scheduler.domain import states
from scheduler.domain.errors import NotFound
from scheduler.domain.job import FileSpec, Job, JobState
from scheduler.events import EventJournal
from scheduler.jobs import JobBook
from scheduler.store import SqliteStore


class Clock:
    now = 1000.0

    def __call__(self) -> float:
        return self.now


class CountingStore(SqliteStore):
    """A real SQLite store that counts its reads of a job."""

    reads = 0

    def get(self, job_id):
        self.reads += 1
        return super().get(job_id)


@pytest.fixture
def store(tmp_path):
    s = CountingStore(tmp_path / "jobs.sqlite3")
    yield s
    s.close()


def new_book(store, clock: Clock | None = None) -> JobBook:
    clock = clock or Clock()
    return JobBook(store, EventJournal(clock, 100), clock)


def make(book: JobBook, i: int) -> Job:
    return asyncio.run(book.create(Job(id=f"job-{i}", name=f"m{i}", owner="ana", cpus=2, input_file="m.inp",
                                       input_files=(FileSpec("m.inp", 1, "0" * 64),), create_time=1.0)))


def queue(book: JobBook, job_id: str) -> Job:
    return book.change(job_id, lambda j: states.transition(j, JobState.WAITING, book.clock()))


def test_a_job_written_is_read_without_the_store(store):
    book = new_book(store)
    make(book, 1)
    queued = queue(book, "job-1")
    assert book.get("job-1") == queued == store.get("job-1")
    store.reads = 0
    assert book.get("job-1").state is JobState.WAITING
    assert store.reads == 0


def test_a_write_that_loses_its_race_reads_the_stored_job_again(store):
    book = new_book(store)
    make(book, 1)
    other = new_book(store)  # another writer gets there first: the kept job is behind the store
    queue(other, "job-1")
    started = book.change("job-1", lambda j: states.transition(j, JobState.CANCELLED, book.clock())
                          if j.state is JobState.BLOCKED else j.evolve(priority=7))
    assert started.state is JobState.WAITING and started.priority == 7  # applied to the stored version
    assert store.get("job-1") == started == book.get("job-1")


def test_another_schedulers_write_is_seen_once_the_kept_time_is_up(store):
    clock = Clock()
    book = new_book(store, clock)
    make(book, 1)
    queue(new_book(store), "job-1")  # another scheduler on the same store
    assert book.get("job-1").state is JobState.BLOCKED  # kept: not read again yet
    clock.now += jobs.KEPT_S
    assert book.get("job-1").state is JobState.WAITING


def test_a_failed_write_forgets_the_kept_job(store, monkeypatch):
    book = new_book(store)
    make(book, 1)

    def broken(job):
        raise OSError("disk gone")

    monkeypatch.setattr(store, "update", broken)
    with pytest.raises(OSError):
        queue(book, "job-1")
    monkeypatch.undo()
    store.reads = 0
    book.get("job-1")
    assert store.reads == 1


def test_a_forgotten_job_is_read_from_the_store(store):
    book = new_book(store)
    make(book, 1)
    book.change("job-1", lambda j: states.transition(j, JobState.CANCELLED, book.clock()))
    assert asyncio.run(book.delete_finished("job-1"))
    with pytest.raises(NotFound):
        book.get("job-1")


def test_the_least_recently_used_go_first(store, monkeypatch):
    monkeypatch.setattr(jobs, "KEPT_JOBS", 2)
    book = new_book(store)
    for i in range(3):
        make(book, i)
    book.get("job-0")  # read again (from the store): now job-2 is the oldest kept
    make(book, 3)  # job-2 goes
    store.reads = 0
    book.get("job-0")
    book.get("job-3")
    assert store.reads == 0
    book.get("job-2")
    assert store.reads == 1
