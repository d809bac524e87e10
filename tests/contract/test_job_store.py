"""The job store contract: every backend must pass every test here."""

from __future__ import annotations

import hashlib
import json
import random
import sqlite3
import threading

import pytest

from scheduler.domain import validation
from scheduler.domain.brief import Brief
from scheduler.domain.job import STATES_KEPT, FileSpec, Job, JobState, StateChange
from scheduler.domain.job_log import Level, LogLine, Source
from scheduler.domain.validation import MAX_NAME_BYTES
from scheduler.store import NewJob, SqliteStore
from scheduler.store.codec import to_dict


def make_job(i: int, *, owner: str = "alice", request_id: str = "", state: JobState = JobState.WAITING,
             team: str = "") -> Job:
    return Job(id=f"job-{i:04d}", name=f"model{i}", owner=owner, cpus=2, input_file="m.inp",
               input_files=(FileSpec("m.inp", 10, "0" * 64),), create_time=1000.0 + i,
               request_id=request_id, state=state, team=team,
               states=(StateChange(JobState.BLOCKED, 1000.0 + i, 0), StateChange(state, 1000.0 + i, 0)))


def test_insert_then_get_returns_the_job_at_version_1(store):
    assert store.insert(make_job(1)) is None
    got = store.get("job-0001")
    assert got == make_job(1).evolve(version=1)
    assert store.get("nope") is None


def test_same_request_id_returns_the_first_job_and_stores_nothing_new(store):
    first = make_job(1, request_id="r-1")
    store.insert(first)
    again = store.insert(make_job(2, request_id="r-1"))
    assert again is not None and again.id == "job-0001"
    assert store.get("job-0002") is None
    # Another owner may use the same request id.
    assert store.insert(make_job(3, owner="bob", request_id="r-1")) is None


def inline_job(i: int, request_id: str = "") -> tuple[Job, dict[str, bytes]]:
    contents = {"m.inp": b"*Heading\n" * 5, "empty.dat": b""}
    files = tuple(FileSpec(n, len(c), hashlib.sha256(c).hexdigest(), inline=True) for n, c in contents.items())
    return make_job(i, request_id=request_id).evolve(input_files=files), contents


def test_inline_inputs_are_stored_with_the_job_and_go_with_it(store):
    job, contents = inline_job(1, request_id="r-1")
    assert store.insert(job, contents) is None
    assert store.get(job.id) == job.evolve(version=1)
    assert store.inline_inputs(job.id) == contents
    assert store.inline_inputs(make_job(9).id) == {}  # none stored
    other, _ = inline_job(2, request_id="r-1")  # a retry: the first job, nothing new stored
    assert store.insert(other, {"m.inp": b"other"}).id == job.id
    assert store.inline_inputs(other.id) == {} and store.inline_inputs(job.id) == contents
    stored = store.get(job.id)
    ended = store.update(stored.evolve(state=JobState.CANCELLED, end_time=5.0))
    assert ended is not None and store.inline_inputs(job.id) == contents  # kept while the job is
    assert store.delete_finished(job.id)
    assert store.inline_inputs(job.id) == {}


def test_jobs_inserted_together_are_each_stored_or_answered_with_the_job_of_their_request_id(store):
    store.insert(make_job(1, request_id="r-1"))
    job, contents = inline_job(2, request_id="r-2")
    line = (5.0, 0, Level.INFO, "created by alice", Source.SCHEDULER)
    got = store.insert_all([NewJob(job, contents, [line]), NewJob(make_job(3, request_id="r-1")),
                            NewJob(make_job(4, request_id="r-2")), NewJob(make_job(5))])
    assert [None if g is None else g.id for g in got] == [None, "job-0001", "job-0002", None]
    assert store.get(job.id) == job.evolve(version=1) and store.inline_inputs(job.id) == contents
    assert store.job_log(job.id) == [LogLine(1, *line)]
    assert store.get("job-0003") is None and store.get("job-0004") is None  # nothing stored for a retry
    assert store.get("job-0005") == make_job(5).evolve(version=1)
    assert store.insert_all([]) == []


def test_update_is_conditional_on_the_version(store):
    store.insert(make_job(1))
    current = store.get("job-0001")
    won = store.update(current.evolve(state=JobState.STARTING, node="n1"))
    assert won is not None and won.version == 2
    lost = store.update(current.evolve(state=JobState.CANCELLED))
    assert lost is None
    assert store.get("job-0001").state is JobState.STARTING


@pytest.mark.parametrize("move", ["assign", "cancel", "mixed"])
def test_two_schedulers_racing_on_one_job_exactly_one_wins(backend, move):
    """Two schedulers (two handles on the same data), four threads each, all writing the version
    they read: one write lands, every other gets None, and the stored job is the winner's."""
    schedulers = [backend.open(), backend.open()]
    schedulers[0].insert(make_job(1))
    read = schedulers[1].get("job-0001")
    changes = {"assign": lambda n: read.evolve(state=JobState.STARTING, node=f"n{n}", attempt=1),
               "cancel": lambda n: read.evolve(state=JobState.CANCELLED, error_message=f"by {n}"),
               "mixed": lambda n: read.evolve(state=JobState.STARTING, node=f"n{n}", attempt=1) if n % 2
               else read.evolve(state=JobState.CANCELLED, error_message=f"by {n}")}
    results = [None] * 8
    barrier = threading.Barrier(8)

    def contend(n: int) -> None:
        barrier.wait()
        results[n] = schedulers[n % 2].update(changes[move](n))

    threads = [threading.Thread(target=contend, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    winners = [r for r in results if r is not None]
    assert len(winners) == 1 and winners[0].version == 2
    assert schedulers[0].get("job-0001") == schedulers[1].get("job-0001") == winners[0]
    for s in schedulers:
        s.close()


def test_a_write_from_a_state_the_new_one_cannot_follow_is_refused(store):
    """Besides the version, the state: a finished job is never written back to a live state."""
    store.insert(make_job(1, state=JobState.COMPLETED))
    done = store.get("job-0001")
    assert store.update(done.evolve(state=JobState.RUNNING)) is None
    assert store.update(done.evolve(state=JobState.WAITING)) is None
    assert store.get("job-0001") == done
    assert store.update(done.evolve(error_message="note")).version == 2  # the same final state: fine


def test_list_pages_newest_first_without_gaps_or_repeats(store):
    for i in range(25):
        store.insert(make_job(i, state=JobState.COMPLETED if i % 2 else JobState.WAITING))
    seen, cursor = [], None
    while True:
        page = store.list(page_size=7, cursor=cursor)
        seen += [j.id for j in page.jobs]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert seen == [f"job-{i:04d}" for i in reversed(range(25))]
    waiting = store.list(states=[JobState.WAITING], page_size=100).jobs
    assert {j.state for j in waiting} == {JobState.WAITING} and len(waiting) == 13


def all_pages(store, **filters) -> list[str]:
    seen, cursor = [], None
    while True:
        page = store.list(page_size=3, cursor=cursor, **filters)
        seen += [j.id for j in page.jobs]
        if page.next_cursor is None:
            return seen
        cursor = page.next_cursor


def test_list_by_owner_or_team_pages_through_only_those_jobs(store):
    who = [("ana", "crash"), ("ben", "crash"), ("cat", "nvh"), ("ana", ""), ("dan", "")]
    for i in range(20):
        owner, team = who[i % len(who)]
        store.insert(make_job(i, owner=owner, team=team))
    ids = [f"job-{i:04d}" for i in reversed(range(20))]
    of = {name: [j for j in ids if who[int(j[4:]) % 5][0] == name] for name in ("ana", "ben", "cat", "dan")}
    crash = [j for j in ids if who[int(j[4:]) % 5][1] == "crash"]
    assert all_pages(store, owner="ana") == of["ana"]
    assert all_pages(store, team="crash") == crash
    assert all_pages(store, owner="dan", team="crash") == [j for j in ids if j in of["dan"] or j in crash]
    assert all_pages(store, owner="dan", team="") == of["dan"]  # no team is not a shared team
    assert all_pages(store, owner="nobody") == []
    assert store.get("job-0001").team == "crash"


def test_a_malformed_cursor_is_a_value_error(store):
    with pytest.raises(ValueError):
        store.list(cursor="not-a-cursor")


def test_unfinished_lists_every_job_not_in_a_final_state_oldest_first(store):
    states = [JobState.WAITING, JobState.COMPLETED, JobState.RUNNING, JobState.CANCELLED, JobState.BLOCKED]
    for i, state in enumerate(states):
        store.insert(make_job(i, state=state))
    briefs = store.unfinished()
    assert [b.id for b in briefs] == ["job-0000", "job-0002", "job-0004"]
    assert briefs == [Brief.of(store.get(b.id)) for b in briefs]  # what the indexes need, kept beside each job
    assert {type(b.state) for b in briefs} == {JobState}  # (a str would compare equal)
    waiting = store.get("job-0000")
    store.update(waiting.evolve(priority=30, retry_at=2000.0, attempt=1, required_labels=(("site", "a*"),)))
    assert store.unfinished()[0] == Brief.of(store.get("job-0000"))  # and kept up to date


def test_jobs_survive_reopening_the_store(backend):
    first = backend.open()
    first.insert(make_job(1))
    first.close()
    second = backend.open()
    assert second.get("job-0001").name == "model1"
    second.close()


def test_a_job_is_found_by_its_owner_and_request_id(store):
    store.insert(make_job(1, request_id="r-1"))
    assert store.by_request("alice", "r-1").id == make_job(1).id
    assert store.by_request("bob", "r-1") is None and store.by_request("alice", "r-2") is None


def test_finished_jobs_are_listed_by_end_time_and_only_they_are_deleted(store):
    for i, (state, end) in enumerate([(JobState.COMPLETED, 50.0), (JobState.FAILED, 10.0),
                                       (JobState.CANCELLED, 200.0), (JobState.RUNNING, None)]):
        store.insert(make_job(i, state=state).evolve(end_time=end))
    old = store.finished_before(100.0, limit=10)
    assert [j.id for j in old] == [make_job(1).id, make_job(0).id]
    assert [j.id for j in store.finished_before(100.0, limit=1)] == [make_job(1).id]
    assert store.delete_finished(make_job(1).id)
    assert not store.delete_finished(make_job(3).id)  # running: never deleted
    assert store.get(make_job(1).id) is None and store.get(make_job(3).id) is not None
    assert not store.delete_finished(make_job(1).id)


def test_settings_are_written_on_the_version_read_only(store):
    assert store.get_setting("queue") is None
    assert store.put_setting("queue", {"max_concurrent": 5}, 0)
    assert not store.put_setting("queue", {"max_concurrent": 6}, 0)  # someone wrote it first
    doc, version = store.get_setting("queue")
    assert doc == {"max_concurrent": 5} and version == 1
    assert store.put_setting("queue", {"max_concurrent": 7}, 1)
    assert not store.put_setting("queue", {"max_concurrent": 8}, 1)  # stale version
    assert store.get_setting("queue") == ({"max_concurrent": 7}, 2)


def test_unfinished_jobs_are_counted_by_state_and_owner(store):
    for i, (state, owner) in enumerate([(JobState.WAITING, "alice"), (JobState.WAITING, "alice"),
                                        (JobState.RUNNING, "bob"), (JobState.BLOCKED, "bob"),
                                        (JobState.COMPLETED, "alice")]):
        store.insert(make_job(i, state=state, owner=owner))
    assert store.count_unfinished() == {(JobState.WAITING, "alice"): 2, (JobState.RUNNING, "bob"): 1,
                                        (JobState.BLOCKED, "bob"): 1}


def test_the_largest_job_validation_allows_is_stored_whole(store):
    """1,000 inputs and 1,000 results whose names (random CJK) take all MAX_NAME_BYTES: over
    DynamoDB's 400 KB raw."""
    rng = random.Random(7)
    per_name = MAX_NAME_BYTES // 1000 // 3

    def name(i: int) -> str:
        return f"{i:04d}" + "".join(chr(rng.randrange(0x4E00, 0x9FFF)) for _ in range(per_name - 2))

    def files() -> tuple[FileSpec, ...]:
        made = tuple(FileSpec(name(i), i, hashlib.sha256(name(i).encode()).hexdigest()) for i in range(1000))
        assert len(validation.file_specs(made, "files")) == 1000  # the most validation lets through
        return made

    moves = tuple(StateChange(JobState.STARTING if i % 2 else JobState.WAITING, 1000.0 + i, i // 2, "n" * 64 * (i % 2))
                  for i in range(STATES_KEPT))  # the longest history a job keeps, on nodes of the longest names
    big = make_job(1).evolve(input_files=files(), result_files=files(), states=moves)
    store.insert(big)
    assert store.get(big.id) == big.evolve(version=1)


def test_paging_by_state_merges_every_partition_newest_first(store):
    for i in range(40):
        store.insert(make_job(i, state=[JobState.WAITING, JobState.RUNNING, JobState.FAILED][i % 3]))
    want = [f"job-{i:04d}" for i in reversed(range(40)) if i % 3 != 2]
    assert all_pages(store, states=[JobState.WAITING, JobState.RUNNING]) == want
    assert all_pages(store, owner="alice", states=[JobState.FAILED]) == [
        f"job-{i:04d}" for i in reversed(range(40)) if i % 3 == 2]


def test_a_deleted_job_is_not_written_back_by_a_late_update(store):
    store.insert(make_job(1, state=JobState.CANCELLED))
    read = store.get("job-0001")
    assert store.delete_finished("job-0001")
    assert store.update(read.evolve(error_message="late")) is None
    assert store.get("job-0001") is None


def test_a_sqlite_store_from_before_briefs_is_read_as_it_is(tmp_path):
    path = tmp_path / "old.sqlite3"
    job = make_job(1).evolve(version=1)
    with sqlite3.connect(path) as old:  # the jobs table as it was, without the brief column
        old.execute("CREATE TABLE jobs (id TEXT PRIMARY KEY, owner TEXT NOT NULL, request_id TEXT NOT NULL, "
                    "state TEXT NOT NULL, create_time REAL NOT NULL, version INTEGER NOT NULL, doc TEXT NOT NULL)")
        old.execute("INSERT INTO jobs VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (job.id, job.owner, "", job.state.value, job.create_time, 1, json.dumps(to_dict(job))))
    old.close()
    store = SqliteStore(path)
    assert store.unfinished() == [Brief.of(job)]
    store.update(store.get(job.id).evolve(priority=20))
    assert store.unfinished()[0].priority == 20
    with sqlite3.connect(path) as db:  # a brief of another format (a later version wrote it): the job is read
        db.execute("UPDATE jobs SET brief = ?", (json.dumps([job.id, "WAITING", "a field more or less"]),))
    db.close()
    assert store.unfinished() == [Brief.of(store.get(job.id))]
    store.close()
